/**
 * The layer rules of docs/architecture.md ("Layers") are enforced by lint: a forbidden import or an import cycle fails.
 * Files are linted from text at paths inside each layer (nothing is written to the tree).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const eslint = new ESLint({ cwd: root });

async function lint(path: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: join(root, path) });
  return r!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

test('engine/ must not import the adapter, vscode or DAP packages', async () => {
  const a = await lint('engine/device-core/x.ts', "import { VirtioDebugSession } from '../../adapter/session';\nexport const x = VirtioDebugSession;\n");
  assert.ok(a.some((m) => m.startsWith('import-x/no-restricted-paths') && /engine\/ may import only protocol/.test(m)), a.join('\n'));
  const b = await lint('engine/device-core/x.ts', "import * as vscode from 'vscode';\nexport const x = vscode;\n");
  assert.ok(b.some((m) => m.startsWith('no-restricted-imports')), b.join('\n'));
  const c = await lint('engine/device-core/x.ts', "import { DebugSession } from '@vscode/debugadapter';\nexport const x = DebugSession;\n");
  assert.ok(c.some((m) => m.startsWith('no-restricted-imports')), c.join('\n'));
});

test('webviews/ may import protocol/ only; adapter/ never vscode', async () => {
  const a = await lint('webviews/x.ts', "import { rule } from '../engine/rules';\nexport const x = rule;\n");
  assert.ok(a.some((m) => /webviews\/ may import only protocol/.test(m)), a.join('\n'));
  const ok = await lint('webviews/x.ts', "import { type SessionSnapshot } from '../protocol/snapshot';\nexport type X = SessionSnapshot;\n");
  assert.deepEqual(ok, []);
  const b = await lint('adapter/x.ts', "import * as vscode from 'vscode';\nexport const x = vscode;\n");
  assert.ok(b.some((m) => m.startsWith('no-restricted-imports')), b.join('\n'));
});

test('protocol/ imports no other layer', async () => {
  const a = await lint('protocol/x.ts', "import { Trace } from '../engine/trace';\nexport const x = Trace;\n");
  assert.ok(a.some((m) => /protocol\/ holds shared types only/.test(m)), a.join('\n'));
});

test('an import cycle fails lint', async () => {
  // Two real modules that import each other (no-cycle follows imports on disk), removed afterwards.
  const dir = join(root, 'engine', `cycle-test-${process.pid}`);
  mkdirSync(dir);
  try {
    writeFileSync(join(dir, 'a.ts'), "import { b } from './b';\nexport const a = () => b();\n");
    writeFileSync(join(dir, 'b.ts'), "import { a } from './a';\nexport const b = () => a;\n");
    const [r] = await eslint.lintFiles([join(dir, 'a.ts')]);
    const msgs = r!.messages.map((m) => `${m.ruleId}: ${m.message}`);
    assert.ok(msgs.some((m) => m.startsWith('import-x/no-cycle')), msgs.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('adapter/ and cli/ reach the engine through its front door only', async () => {
  const deep = await lint('adapter/runtime/x.ts', "import { VirtioDevice } from '../../engine/device-core/device';\nexport const x = VirtioDevice;\n");
  assert.ok(deep.some((m) => m.startsWith('no-restricted-imports') && /front door/.test(m)), deep.join('\n'));
  const cli = await lint('cli/x.ts', "import { Trace } from '../engine/trace';\nexport const x = Trace;\n");
  assert.ok(cli.some((m) => /front door/.test(m)), cli.join('\n'));
  const ok = await lint('adapter/runtime/x.ts', "import { VirtioDevice } from '../../engine';\nexport const x = VirtioDevice;\n");
  assert.deepEqual(ok, []);
});

test('language/ and extension/ import only the engine tables', async () => {
  const heavy = await lint('language/x.ts', "import { VirtioDevice } from '../engine/device-core/device';\nexport const x = VirtioDevice;\n");
  assert.ok(heavy.some((m) => /import only engine\/spec-tables/.test(m)), heavy.join('\n'));
  const door = await lint('extension/x.ts', "import { Trace } from '../engine';\nexport const x = Trace;\n");
  assert.ok(door.some((m) => /import only engine\/spec-tables/.test(m)), door.join('\n'));
  const ok = await lint('language/x.ts', "import { allConstants } from '../engine/spec-tables';\nimport { hex } from '../engine/wire/hex';\nexport const x = [allConstants, hex];\n");
  assert.deepEqual(ok, []);
});
