// The guest's own virtio_blk driver against `virtio-debug serve blk` over vhost-user (QEMU 7.2, TCG): the
// disk's size, contents and writes as the host sees them, with split and packed rings, two queues, a
// read-only disk, a reboot inside the guest, and QEMU killed and started again.
// Without qemu-system-x86_64 these tests fail (never skip): the guest suite is part of the product's tests.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, describe, test } from 'node:test';
import { describeRun, ensureQemuGuest, type GuestImage, type GuestRun, patternBytes, runGuest, type RunGuestOptions, stepResult } from './guest';
import { ServeProcess, killLeftovers, scratchDir } from './serve-process';

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const DISK_BYTES = 8 << 20;
const scratch = scratchDir('vd-vhost-blk-');
after(() => scratch.remove());
afterEach(killLeftovers);

const prepare = ensureQemuGuest;

/** This process's children whose command line contains `text` (the QEMU that runGuest started). */
function childPids(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return pids;
}

let images = 0;
function newDisk(): { path: string; original: Buffer } {
  const path = join(scratch.dir, `disk${images++}.img`);
  const original = randomBytes(DISK_BYTES);
  writeFileSync(path, original);
  return { path, original };
}

async function boot(g: GuestImage, socket: string, o: Partial<RunGuestOptions> & { numQueues?: number | 'qemu'; packed?: boolean }): Promise<GuestRun> {
  const run = await runGuest({
    kernel: g.kernel,
    initrd: g.initrd,
    vhostUser: [{ kind: 'blk', socket, ...(o.numQueues ? { numQueues: o.numQueues } : {}), ...(o.packed ? { packed: true } : {}) }],
    timeoutMs: 120_000,
    ...o,
  });
  assert.equal(run.timedOut, false, describeRun(run));
  return run;
}

/** Every step of every boot succeeded (but the ones expected to fail). */
function allOk(run: GuestRun, except: string[] = []): void {
  for (const b of run.boots) for (const l of b.lines) if (l.step !== 'done' && !except.includes(l.step)) assert.equal(l.status, 'ok', `${l.raw}${describeRun(run)}`);
}

async function stopServe(serve: ServeProcess): Promise<string> {
  const exit = await serve.stop('SIGTERM');
  assert.equal(exit.code, 0, `serve exits 0 on SIGTERM:\n${exit.output}`);
  assert.deepEqual(serve.violations(), [], 'the Linux driver breaks no rule');
  // QEMU (≥ 7.2) negotiates VHOST_USER_PROTOCOL_F_STATUS and reports a summary (FEATURES_OK alone first).
  assert.match(exit.output, /front end reports a status summary of its own/, 'QEMU\'s SET_STATUS is told from a driver\'s');
  return exit.output;
}

describe('Linux guest on vhost-user-blk (virtio-debug serve blk)', () => {
  test('split ring: size, md5, reads and writes; the image holds the data after poweroff; QEMU quits, the next one is served (packed)', async () => {
    const g = await prepare();
    const { path, original } = newDisk();
    const socket = join(scratch.dir, 'split.sock');
    const traceFile = join(scratch.dir, 'split.jsonl');
    const serve = await ServeProcess.start(['serve', 'blk', '--socket', socket, '--disk', path, '--trace', traceFile], socket);
    const run = await boot(g, socket, {
      steps: ['blk-info', 'blk-md5', 'blk-read-md5:512:4096', 'blk-write-pattern:8192:4096', 'blk-write-pattern:1000:48', 'poweroff'],
    });
    assert.equal(run.exitCode, 0, describeRun(run));
    allOk(run);
    const info = stepResult(run, 'blk-info');
    assert.deepEqual([info.fields.bytes, info.fields.sectors, info.fields.ro, info.fields.queues], [String(DISK_BYTES), String(DISK_BYTES / 512), '0', '1'], info.raw);
    assert.equal(info.fields.serial, 'virtio-debug-blk0');
    assert.equal(stepResult(run, 'blk-md5').fields.md5, md5(original), 'whole-disk md5 as the host computes it');
    assert.equal(stepResult(run, 'blk-read-md5').fields.md5, md5(original.subarray(512, 512 + 4096)));
    await serve.waitFor(/front end disconnected/);

    // QEMU is gone; the same back end serves the next QEMU, this time with a packed ring.
    const again = await boot(g, socket, { packed: true, steps: ['blk-md5', 'blk-write-pattern:65536:8192', 'poweroff'] });
    allOk(again);
    const output = await stopServe(serve);
    assert.match(output, /front end connected \(connection 2, pid \d+ \(qemu/);

    const disk = readFileSync(path);
    const expected = Buffer.from(original);
    for (const [offset, length] of [[8192, 4096], [1000, 48]] as const) patternBytes(offset, length).copy(expected, offset);
    assert.equal(stepResult(again, 'blk-md5').fields.md5, md5(expected), 'the packed boot read the first boot\'s writes');
    patternBytes(65536, 8192).copy(expected, 65536);
    for (const [offset, length] of [[8192, 4096], [1000, 48], [65536, 8192]] as const) {
      assert.deepEqual(disk.subarray(offset, offset + length), patternBytes(offset, length), `pattern on disk at ${offset}`);
    }
    assert.ok(disk.equals(expected), 'nothing else changed on disk');

    // The message-level trace: QEMU's requests and our replies, in the ring events' stream.
    const events = readFileSync(traceFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; name?: string; direction?: string });
    const names = new Set(events.filter((e) => e.type === 'transport').map((e) => `${e.direction} ${e.name}`));
    for (const n of ['in GET_FEATURES', 'out GET_FEATURES', 'in SET_OWNER', 'in GET_CONFIG', 'in SET_VRING_KICK', 'in GET_VRING_BASE', 'out GET_VRING_BASE']) assert.ok(names.has(n), n);
    assert.ok(names.has('in SET_MEM_TABLE') || names.has('in ADD_MEM_REG'));
    assert.ok(events.some((e) => e.type === 'chain') && events.some((e) => e.type === 'used'));
  });

  test('two request queues (num-queues=2)', async () => {
    const g = await prepare();
    const { path, original } = newDisk();
    const socket = join(scratch.dir, 'mq.sock');
    const serve = await ServeProcess.start(['serve', 'blk', '--socket', socket, '--disk', path, '--queues', '2'], socket);
    // Two vCPUs: Linux uses no more request queues than CPUs.
    const run = await boot(g, socket, { numQueues: 2, extraArgs: ['-smp', '2'], steps: ['blk-info', 'blk-md5', 'blk-write-pattern:4096:16384', 'poweroff'] });
    allOk(run);
    assert.equal(stepResult(run, 'blk-info').fields.queues, '2');
    assert.equal(stepResult(run, 'blk-md5').fields.md5, md5(original));
    await stopServe(serve);
    assert.deepEqual(readFileSync(path).subarray(4096, 4096 + 16384), patternBytes(4096, 16384));
  });

  test('QEMU\'s defaults against serve\'s: num-queues per vCPU (2), queue-size 128; 1 MiB and 4 MiB direct reads and writes', async () => {
    const g = await prepare();
    const { path, original } = newDisk();
    const socket = join(scratch.dir, 'defaults.sock');
    // No --queues, no num-queues=, no queue-size=: what a new user types first.
    const serve = await ServeProcess.start(['serve', 'blk', '--socket', socket, '--disk', path], socket);
    const MiB = 1 << 20;
    const run = await boot(g, socket, {
      numQueues: 'qemu',
      extraArgs: ['-smp', '2'],
      steps: [
        'blk-info',
        `blk-read-md5:0:${MiB}`,
        `blk-read-md5:${MiB}:${4 * MiB}`,
        `blk-write-pattern:${MiB}:${MiB}`,
        `blk-write-pattern:${4 * MiB}:${4 * MiB}`,
        'poweroff',
      ],
      timeoutMs: 240_000,
    });
    allOk(run);
    assert.equal(stepResult(run, 'blk-info').fields.queues, '2', 'QEMU asked for one queue per vCPU and got them');
    assert.equal(stepResult(run, 'blk-read-md5').fields.md5, md5(original.subarray(0, MiB)), '1 MiB direct read');
    const reads = run.boots[0]!.lines.filter((l) => l.step === 'blk-read-md5');
    assert.equal(reads[1]!.fields.md5, md5(original.subarray(MiB, 5 * MiB)), '4 MiB direct read');
    const output = await stopServe(serve);
    assert.match(output, /ring 0 \(requestq1\) started: split, size 128/, 'the banner says the size QEMU chose');
    const disk = readFileSync(path);
    assert.ok(disk.subarray(MiB, 2 * MiB).equals(patternBytes(MiB, MiB)), '1 MiB direct write on disk');
    assert.ok(disk.subarray(4 * MiB, 8 * MiB).equals(patternBytes(4 * MiB, 4 * MiB)), '4 MiB direct write on disk');
  });

  test('read-only disk: the guest sees ro=1, its writes fail, the image is unchanged', async () => {
    const g = await prepare();
    const { path, original } = newDisk();
    const socket = join(scratch.dir, 'ro.sock');
    const serve = await ServeProcess.start(['serve', 'blk', '--socket', socket, '--disk', path, '--readonly'], socket);
    const run = await boot(g, socket, { steps: ['blk-info', 'blk-md5', 'blk-write-ro', 'blk-write-pattern', 'poweroff'] });
    allOk(run, ['blk-write-pattern']);
    assert.equal(stepResult(run, 'blk-info').fields.ro, '1');
    assert.equal(stepResult(run, 'blk-md5').fields.md5, md5(original));
    const ro = stepResult(run, 'blk-write-ro');
    assert.deepEqual([ro.status, ro.fields.result], ['ok', 'refused'], ro.raw);
    assert.equal(stepResult(run, 'blk-write-pattern').status, 'fail');
    await stopServe(serve);
    assert.ok(readFileSync(path).equals(original), 'the image is unchanged');
  });

  test('a reboot inside the guest: the back end serves the second boot', async () => {
    const g = await prepare();
    const { path } = newDisk();
    const socket = join(scratch.dir, 'reboot.sock');
    const serve = await ServeProcess.start(['serve', 'blk', '--socket', socket, '--disk', path], socket);
    const run = await boot(g, socket, { steps: ['blk-write-pattern:20480:4096', 'blk-read-md5:20480:4096', 'reboot'], boots: 2, timeoutMs: 180_000 });
    assert.equal(run.boots.length, 2, describeRun(run));
    allOk(run);
    for (const b of [0, 1]) assert.equal(stepResult(run, 'blk-read-md5', b).fields.md5, md5(patternBytes(20480, 4096)), `boot ${b}`);
    const output = await stopServe(serve);
    assert.equal((output.match(/front end connected/g) ?? []).length, 1, 'one connection: QEMU restarted the rings for the second boot');
  });

  test('QEMU killed: the back end cleans up and serves the next QEMU, the guest\'s flushed writes on disk', async () => {
    const g = await prepare();
    const { path } = newDisk();
    const socket = join(scratch.dir, 'kill.sock');
    const serve = await ServeProcess.start(['serve', 'blk', '--socket', socket, '--disk', path], socket);
    let killed = false;
    const first = await runGuest({
      kernel: g.kernel,
      initrd: g.initrd,
      vhostUser: [{ kind: 'blk', socket }],
      steps: ['blk-write-pattern:40960:4096', 'sleep:30', 'poweroff'],
      timeoutMs: 120_000,
      onLine: (l) => {
        if (l.step === 'blk-write-pattern' && !killed) {
          killed = true;
          for (const pid of childPids(`path=${socket}`)) process.kill(pid, 'SIGKILL');
        }
      },
    });
    assert.equal(killed, true, describeRun(first));
    assert.equal(first.signal, 'SIGKILL', describeRun(first));
    await serve.waitFor(/front end disconnected/);
    assert.deepEqual(readFileSync(path).subarray(40960, 40960 + 4096), patternBytes(40960, 4096), 'the write the guest synced is on disk');
    const second = await boot(g, socket, { steps: ['blk-read-md5:40960:4096', 'poweroff'] });
    allOk(second);
    assert.equal(stepResult(second, 'blk-read-md5').fields.md5, md5(patternBytes(40960, 4096)));
    await stopServe(serve);
  });
});
