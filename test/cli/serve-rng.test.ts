/** `virtio-debug serve rng` refusals: a bad --entropy or an unusable entropy file is one clear line and exit 2; --help shows the rng usage. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = join(__dirname, '..', '..', 'bin', 'virtio-debug.js');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('serve rng: bad entropy sources exit 2 with one line naming the cause', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vd-serve-rng-'));
  const socket = join(dir, 'rng.sock');
  for (const [entropy, re] of [
    ['urandom', /^virtio-debug: serve rng: entropy "urandom" is not a source \(random, file:PATH or seed:N\)/],
    ['seed:abc', /^virtio-debug: serve rng: entropy "seed:abc": the seed is an integer from 0 to 4294967295/],
    [`file:${join(dir, 'missing.bin')}`, /^virtio-debug: serve rng: entropy file .*missing\.bin: ENOENT$/],
  ] as const) {
    const r = await run(['serve', 'rng', '--socket', socket, '--entropy', entropy]);
    assert.equal(r.code, 2, `${entropy}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr.trim(), re);
  }
});

test('serve --help lists rng; serve rng --help gives its options', async () => {
  const all = await run(['serve', '--help']);
  assert.match(all.stdout, /virtio-debug serve rng --socket PATH \[--entropy random\|file:PATH\|seed:N\]/);
  const rng = await run(['serve', 'rng', '--help']);
  assert.match(rng.stdout, /^usage: virtio-debug serve rng/);
  assert.match(rng.stdout, /--entropy SRC/);
  const bad = await run(['serve', 'scsi', '--socket', 'x']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /serve: unknown device type "scsi" \(blk, net, rng\)/);
});
