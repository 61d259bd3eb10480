// The guest's own virtio_rng driver against `virtio-debug serve rng` over vhost-user (QEMU 7.2
// vhost-user-rng-pci, TCG): `dd if=/dev/hwrng bs=64 count=16` reads 1024 bytes, and with `--entropy seed:N`
// every 64-byte read is a run of the stream the seed predicts (the kernel's own hwrng reader may take bytes
// between two reads, so the runs need not be adjacent). Without qemu-system-x86_64 these tests fail (never skip).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, afterEach, describe, test } from 'node:test';
import { seededEntropy } from '../../engine/devices/rng/entropy';
import { describeRun, ensureQemuGuest, runGuest, stepResult } from './guest';
import { ServeProcess, killLeftovers, scratchDir } from './serve-process';

const scratch = scratchDir('vd-vhost-rng-');
after(() => scratch.remove());
afterEach(killLeftovers);

async function readHwrng(entropy: string, name: string, packed = false): Promise<{ bytes: Buffer; current: string; output: string }> {
  const g = await ensureQemuGuest();
  const socket = join(scratch.dir, `${name}.sock`);
  const serve = await ServeProcess.start(['serve', 'rng', '--socket', socket, '--entropy', entropy], socket);
  const run = await runGuest({ kernel: g.kernel, initrd: g.initrd, vhostUser: [{ kind: 'rng', socket, ...(packed ? { packed: true } : {}) }], steps: ['rng-read:64:16', 'poweroff'], timeoutMs: 120_000 });
  assert.equal(run.timedOut, false, describeRun(run));
  assert.equal(run.exitCode, 0, describeRun(run));
  const modules = stepResult(run, 'modules');
  assert.equal(modules.status, 'ok', `${modules.raw}${describeRun(run)}`);
  const r = stepResult(run, 'rng-read');
  assert.equal(r.status, 'ok', `${r.raw}${describeRun(run)}`);
  const exit = await serve.stop('SIGTERM');
  assert.equal(exit.code, 0, `serve exits 0 on SIGTERM:\n${exit.output}`);
  assert.deepEqual(serve.violations(), [], 'the Linux driver breaks no rule');
  assert.equal(Number(r.fields.bytes), 1024, r.raw);
  return { bytes: Buffer.from(r.fields.hex ?? '', 'hex'), current: r.fields.current ?? '', output: exit.output };
}

describe('Linux guest on vhost-user-rng (virtio-debug serve rng)', () => {
  test('random: /dev/hwrng is virtio_rng and dd reads 1024 bytes that are not constant', async () => {
    const { bytes, current, output } = await readHwrng('random', 'random');
    assert.match(current, /^virtio_rng/);
    assert.equal(bytes.length, 1024);
    assert.ok(new Set(bytes).size > 100, 'the bytes look random');
    assert.match(output, /rng0: virtio-rng, entropy random, listening on/);
    assert.match(output, /rng0: front end connected/);
  });

  test('seed:2026 (packed ring): every 64-byte read of dd is a run of the seed stream, in stream order', async () => {
    const { bytes } = await readHwrng('seed:2026', 'seeded', true);
    const stream = Buffer.alloc(1 << 20);
    seededEntropy(2026).fill(stream);
    let last = -1;
    for (let i = 0; i < 16; i++) {
      const block = bytes.subarray(i * 64, (i + 1) * 64);
      const at = stream.indexOf(block, last + 1);
      assert.ok(at >= 0, `read ${i} (${block.toString('hex').slice(0, 32)}…) is not a later run of the seed:2026 stream`);
      last = at;
    }
  });
});
