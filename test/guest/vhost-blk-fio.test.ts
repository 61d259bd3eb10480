// Several requests in flight from a real Linux guest: Debian's fio (libaio, O_DIRECT, iodepth 16) in the guest
// against `virtio-debug serve blk` over vhost-user, split and packed rings. fio writes every block of a region
// in random order and reads each one back against its crc32c; a mixed 70/30 random run follows. The driver
// breaks no rule, the bytes beyond the region are untouched. dd (vhost-blk.test.ts) keeps one request in flight;
// this is the queue's real concurrency. Needs fio on the host (apt-get install fio, listed in .ci/run): its
// binary and libraries go into the guest's initramfs (build-fio-initrd.sh). Fails, never skips, without it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, describe, test } from 'node:test';
import { describeRun, ensureFioGuest, runGuest, stepResult } from './guest';
import { ServeProcess, killLeftovers, scratchDir } from './serve-process';

const DISK_BYTES = 16 << 20;
const REGION = 4 << 20;
const scratch = scratchDir('vd-vhost-blk-fio-');
after(() => scratch.remove());
afterEach(killLeftovers);

describe('Linux guest running fio on vhost-user-blk (virtio-debug serve blk)', () => {
  for (const packed of [false, true]) {
    test(`${packed ? 'packed' : 'split'} ring: 16 requests in flight, every block written and verified, mixed random I/O; no rule broken`, async () => {
      const g = await ensureFioGuest();
      const path = join(scratch.dir, `disk-${packed ? 'packed' : 'split'}.img`);
      const original = randomBytes(DISK_BYTES);
      writeFileSync(path, original);
      const socket = join(scratch.dir, `${packed ? 'packed' : 'split'}.sock`);
      const serve = await ServeProcess.start(['serve', 'blk', '--socket', socket, '--disk', path], socket);
      const run = await runGuest({
        ...g,
        memory: 512,
        vhostUser: [{ kind: 'blk', socket, ...(packed ? { packed: true } : {}) }],
        steps: [`blk-fio:verify:4096:16:${REGION}`, `blk-fio:randrw:65536:8:${REGION}`, 'poweroff'],
        timeoutMs: 240_000,
      });
      assert.equal(run.timedOut, false, describeRun(run));
      const verify = stepResult(run, 'blk-fio');
      assert.equal(verify.status, 'ok', `${verify.raw}${describeRun(run)}`);
      assert.equal(verify.fields.op, 'verify');
      // Every block written once, and read back once to be checked.
      assert.equal(Number(verify.fields.write_kib), REGION / 1024, verify.raw);
      assert.equal(Number(verify.fields.read_kib), REGION / 1024, verify.raw);
      const mixed = run.boots[0]?.lines.filter((l) => l.step === 'blk-fio')[1];
      assert.equal(mixed?.status, 'ok', `${mixed?.raw}${describeRun(run)}`);
      assert.equal(Number(mixed.fields.read_kib) + Number(mixed.fields.write_kib), REGION / 1024, mixed.raw);
      assert.ok(Number(mixed.fields.read_kib) > 0 && Number(mixed.fields.write_kib) > 0, mixed.raw);

      const exit = await serve.stop('SIGTERM');
      assert.equal(exit.code, 0, exit.output);
      assert.deepEqual(serve.violations(), [], 'the Linux driver breaks no rule');
      const disk = readFileSync(path);
      assert.ok(!disk.subarray(0, REGION).equals(original.subarray(0, REGION)), 'fio wrote the region');
      assert.ok(disk.subarray(REGION).equals(original.subarray(REGION)), 'nothing beyond the region changed');
    });
  }
});
