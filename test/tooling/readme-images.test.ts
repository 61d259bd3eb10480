/**
 * The README shows a screenshot of each panel (rings, device, timeline, violations), and every one of them is
 * made by a panel test (`shot(page, NAME, true)` in test/webviews, refreshed with UPDATE_SCREENSHOTS=1): an
 * image the tests no longer make, or a panel shot the README does not show, fails here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

test('the README shows exactly the panel screenshots the webview tests make, and they exist', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const shown = [...readme.matchAll(/!\[[^\]]*\]\((docs\/images\/[^)]+)\)/g)].map((m) => m[1]!);
  const made = readdirSync(join(root, 'test/webviews'))
    .filter((f) => f.endsWith('.test.ts'))
    .flatMap((f) => [...readFileSync(join(root, 'test/webviews', f), 'utf8').matchAll(/\bshot\(\s*\w+\s*,\s*'([\w-]+)'\s*,\s*true\b/g)].map((m) => `docs/images/${m[1]}.png`));
  assert.deepEqual([...shown].sort(), [...made].sort(), 'README images = the doc screenshots of test/webviews');
  for (const panel of ['rings', 'device', 'timeline', 'violations']) assert.ok(shown.includes(`docs/images/${panel}.png`), `the README shows the ${panel} panel`);
  for (const path of shown) assert.ok(existsSync(join(root, path)), `${path} exists`);
});
