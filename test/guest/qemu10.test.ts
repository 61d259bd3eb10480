// The vhost-user back end against a second front end: QEMU 10.0 (Debian bookworm-backports, extracted into
// the cache by fetch-qemu.sh), so that protocol changes between QEMU versions are caught. The guest's own
// virtio_blk (QEMU's defaults: one request queue per vCPU, queue-size 128; 1 MiB direct I/O; a packed ring)
// and virtio_net (ping through the responder) against `virtio-debug serve`, no rule broken.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, describe, test } from 'node:test';
import { describeRun, ensureQemu10, ensureQemuGuest, patternBytes, runGuest, stepResult } from './guest';
import { pingThrough } from './net-ping';
import { ServeProcess, killLeftovers, scratchDir } from './serve-process';

const scratch = scratchDir('vd-qemu10-');
after(() => scratch.remove());
afterEach(killLeftovers);

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const MiB = 1 << 20;

describe('QEMU 10.0 as the vhost-user front end', () => {
  for (const packed of [false, true]) {
    test(`virtio_blk, ${packed ? 'packed' : 'split'} ring, QEMU's default queues: info, 1 MiB direct read and write, md5`, async () => {
      const [g, qemu] = await Promise.all([ensureQemuGuest(), ensureQemu10()]);
      assert.match(qemu.version, /version 10\./);
      const disk = join(scratch.dir, `disk-${packed ? 'packed' : 'split'}.img`);
      const original = randomBytes(4 * MiB);
      writeFileSync(disk, original);
      const socket = join(scratch.dir, `blk-${packed ? 'packed' : 'split'}.sock`);
      const serve = await ServeProcess.start(['serve', 'blk', '--socket', socket, '--disk', disk], socket);
      const run = await runGuest({
        kernel: g.kernel,
        initrd: g.initrd,
        qemu: qemu.binary,
        vhostUser: [{ kind: 'blk', socket, numQueues: 'qemu', packed }],
        extraArgs: [...qemu.args, '-smp', '2'],
        steps: ['blk-info', 'blk-md5', `blk-read-md5:0:${MiB}`, `blk-write-pattern:${MiB}:${MiB}`, 'poweroff'],
        timeoutMs: 180_000,
      });
      assert.equal(run.timedOut, false, describeRun(run));
      for (const l of run.boots[0]?.lines ?? []) if (l.step !== 'done') assert.equal(l.status, 'ok', l.raw + describeRun(run));
      assert.equal(stepResult(run, 'blk-info').fields.queues, '2');
      assert.equal(stepResult(run, 'blk-md5').fields.md5, md5(original));
      assert.equal(stepResult(run, 'blk-read-md5').fields.md5, md5(original.subarray(0, MiB)));
      const exit = await serve.stop('SIGTERM');
      assert.equal(exit.code, 0, exit.output);
      assert.deepEqual(serve.violations(), [], 'QEMU 10 and the Linux driver break no rule');
      assert.ok(readFileSync(disk).subarray(MiB, 2 * MiB).equals(patternBytes(MiB, MiB)));
    });
  }

  test('virtio_net: ping -c 5 through the responder', async () => {
    const qemu = await ensureQemu10();
    await pingThrough({ pairs: 1, packed: false, name: 'net', dir: scratch.dir, qemu });
  });
});
