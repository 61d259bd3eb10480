// Boots the test guest with QEMU's own virtio-blk and virtio-net (no vhost-user): proves the kernel, the
// modules, the init steps and the result parsing end to end, against facts checked on the host.
// Without qemu-system-x86_64 this fails (never skips): the guest suite is part of the product's tests.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { describeRun, ensureGuest, patternBytes, runGuest, stepResult, type GuestImage } from './guest';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const DISK_BYTES = 8 << 20;

function readAt(file: string, offset: number, length: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, offset);
    return buf;
  } finally {
    closeSync(fd);
  }
}

interface Setup {
  guest: GuestImage;
  disk: string;
  original: Buffer;
}

let dir: string | undefined;
let setup: Promise<Setup> | undefined;

/** QEMU present (else every test fails with this message), the guest built, a random 8 MiB raw disk. */
function prepare(): Promise<Setup> {
  setup ??= (async () => {
    const qemu = process.env.VIRTIO_DEBUG_QEMU ?? 'qemu-system-x86_64';
    const version = spawnSync(qemu, ['--version'], { encoding: 'utf8' });
    assert.equal(version.status, 0, `${qemu} is missing: apt-get install qemu-system-x86 (listed in .ci/run)`);
    const guest = await ensureGuest();
    dir = mkdtempSync(join(tmpdir(), 'vd-guest-'));
    const disk = join(dir, 'disk.img');
    const original = randomBytes(DISK_BYTES);
    writeFileSync(disk, original);
    return { guest, disk, original };
  })();
  return setup;
}

describe('Linux guest on QEMU (built-in virtio devices)', () => {
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the guest image exists and is reused from the cache', async () => {
    const { guest } = await prepare();
    assert.ok(existsSync(guest.kernel) && existsSync(guest.initrd));
    assert.match(guest.release, /^\d+\.\d+\.\d+-\d+-cloud-amd64$/);
    // A second build finds everything cached: same files, the initramfs not rewritten.
    const mtime = statSync(guest.initrd).mtimeMs;
    const again = execFileSync('bash', [join(__dirname, 'build-guest.sh')], { encoding: 'utf8' });
    assert.equal(again, `kernel=${guest.kernel}\ninitrd=${guest.initrd}\nrelease=${guest.release}\n`);
    assert.equal(statSync(guest.initrd).mtimeMs, mtime);
  });

  test('block and network steps report what the host sees, then the guest powers off', async () => {
    const { guest, disk, original } = await prepare();
    const run = await runGuest({
      kernel: guest.kernel,
      initrd: guest.initrd,
      disks: [{ file: disk }],
      userNet: true,
      steps: [
        'blk-info', 'blk-md5', 'blk-read-md5:512:4096', 'blk-write-pattern:8192:4096', 'blk-write-pattern:1000:48',
        'net-up', 'net-ping:10.0.2.2:3', 'sync', 'poweroff',
      ],
      timeoutMs: 120_000,
    });
    const why = describeRun(run);
    assert.equal(run.timedOut, false, why);
    assert.equal(run.exitCode, 0, why);
    assert.equal(run.boots.length, 1, why);
    assert.equal(run.boots[0]?.done, true, why);

    const boot = stepResult(run, 'boot');
    assert.equal(boot.status, 'ok');
    assert.equal(boot.fields.kernel, guest.release);
    assert.equal(boot.fields.steps, '9');
    assert.deepEqual([stepResult(run, 'modules').status, stepResult(run, 'modules').fields.loaded], ['ok', '10']);

    const info = stepResult(run, 'blk-info');
    assert.equal(info.status, 'ok', info.raw);
    assert.equal(info.fields.bytes, String(DISK_BYTES));
    assert.equal(info.fields.sectors, String(DISK_BYTES / 512));
    assert.equal(info.fields.ro, '0');

    assert.equal(stepResult(run, 'blk-md5').fields.md5, md5(original), 'whole-disk md5 as the host computes it');
    assert.equal(stepResult(run, 'blk-read-md5').fields.md5, md5(original.subarray(512, 512 + 4096)));

    const writes = run.boots[0]?.lines.filter((l) => l.step === 'blk-write-pattern') ?? [];
    assert.equal(writes.length, 2);
    for (const [w, offset, length] of [[writes[0], 8192, 4096], [writes[1], 1000, 48]] as const) {
      assert.equal(w?.status, 'ok', w?.raw);
      assert.equal(w?.fields.md5, md5(patternBytes(offset, length)), 'guest and host agree on the pattern');
      assert.deepEqual(readAt(disk, offset, length), patternBytes(offset, length), `pattern on disk at ${offset}`);
    }
    // Everything else on the disk is untouched.
    const after = readFileSync(disk);
    after.fill(0, 8192, 8192 + 4096).fill(0, 1000, 1048);
    const expected = Buffer.from(original).fill(0, 8192, 8192 + 4096).fill(0, 1000, 1048);
    assert.ok(after.equals(expected), 'only the pattern ranges changed');

    const up = stepResult(run, 'net-up');
    assert.equal(up.status, 'ok', up.raw);
    assert.equal(up.fields.mac, '52:54:00:12:34:56');
    assert.equal(up.fields.carrier, '1');
    const ping = stepResult(run, 'net-ping');
    assert.deepEqual([ping.status, ping.fields.sent, ping.fields.received], ['ok', '3', '3'], ping.raw);
    assert.equal(stepResult(run, 'poweroff').status, 'ok');
    for (const l of run.boots[0]?.lines ?? []) {
      if (l.step !== 'done') assert.equal(l.status, 'ok', l.raw);
    }
  });

  test('a read-only disk refuses writes, survives a reboot, and stays unchanged', async () => {
    const { guest, disk } = await prepare();
    const before = md5(readFileSync(disk));
    const run = await runGuest({
      kernel: guest.kernel,
      initrd: guest.initrd,
      disks: [{ file: disk, readonly: true }],
      steps: ['blk-info', 'blk-write-ro', 'blk-write-pattern', 'no-such-step', 'reboot'],
      boots: 2,
      timeoutMs: 180_000,
    });
    const why = describeRun(run);
    assert.equal(run.timedOut, false, why);
    assert.equal(run.boots.length, 2, why);
    for (const boot of [0, 1]) {
      assert.equal(run.boots[boot]?.done, true, why);
      assert.equal(stepResult(run, 'blk-info', boot).fields.ro, '1');
      const ro = stepResult(run, 'blk-write-ro', boot);
      assert.deepEqual([ro.status, ro.fields.result], ['ok', 'refused'], ro.raw);
      assert.equal(stepResult(run, 'blk-write-pattern', boot).status, 'fail');
      const unknown = stepResult(run, 'no-such-step', boot);
      assert.deepEqual([unknown.status, unknown.fields.error], ['fail', 'unknown-step']);
      assert.equal(stepResult(run, 'reboot', boot).status, 'ok');
    }
    assert.equal(md5(readFileSync(disk)), before);
  });
});
