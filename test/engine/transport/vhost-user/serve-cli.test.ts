// `virtio-debug serve` as a process (from the sources): exit 2 and one stderr line for bad arguments and
// unusable files; a front end served; SIGTERM / SIGINT flush the disk, remove the socket and exit 0.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { VhostUserRequest as R } from '../../../../engine/transport/vhost-user/messages';
import { encodeU64 } from '../../../../engine/transport/vhost-user/codec';
import { FrontRing, GuestRam, TestFrontEnd, blkRequest, native, until } from './front-end';
import { PROTOCOL_BIT, VERSION_1, pfBits } from './harness';

const n = native();
const root = resolve(__dirname, '../../../..');
const cli = ['--import', 'tsx', join(root, 'cli/main.ts')];
const dir = mkdtempSync(join(tmpdir(), 'vd-serve-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...cli, ...args], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectUsage(args: string[], message: RegExp): void {
  const r = run(args);
  assert.equal(r.status, 2, `exit code of serve ${args.join(' ')}: ${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr: ${r.stderr}`);
  assert.match(lines[0]!, message);
}

interface Running {
  child: ChildProcess;
  stdout: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(args: string[]): Running {
  const child = spawn(process.execPath, [...cli, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('close', (code, signal) => r({ code, signal })));
  return { child, stdout: () => out, exit };
}

describe('virtio-debug serve (CLI)', () => {
  test('bad arguments and unusable files: exit 2, one clear line', () => {
    const disk = join(dir, 'ok.img');
    writeFileSync(disk, Buffer.alloc(1 << 20));
    const truncated = join(dir, 'truncated.img');
    writeFileSync(truncated, Buffer.alloc(1000));
    const sock = join(dir, 'x.sock');
    expectUsage(['serve'], /serve needs a device type/);
    expectUsage(['serve', 'scsi', '--socket', sock], /unknown device type "scsi"/);
    expectUsage(['serve', 'blk', '--disk', disk], /needs --socket PATH/);
    expectUsage(['serve', 'blk', '--socket', sock], /needs --disk FILE/);
    expectUsage(['serve', 'blk', '--socket', sock, '--disk', disk, '--queues', '0'], /--queues must be at least 1/);
    expectUsage(['serve', 'blk', '--socket', sock, '--disk', disk, '--bogus'], /unknown option --bogus/);
    expectUsage(['serve', 'blk', '--socket', sock, '--disk', join(dir, 'missing.img')], /^virtio-debug: disk image .*missing\.img does not exist$/);
    expectUsage(['serve', 'blk', '--socket', sock, '--disk', truncated], /is 1000 bytes, not a multiple of 512/);
    expectUsage(['serve', 'blk', '--socket', join(dir, 'no/such/dir.sock'), '--disk', disk], /cannot listen on .*dir\.sock/);
    expectUsage(['serve', 'blk', '--socket', disk, '--disk', disk], /exists and is not a socket/);
    expectUsage(['serve', 'net', '--socket', sock, '--mac', '52:54:00'], /bad MAC address "52:54:00"/);
    expectUsage(['serve', 'net', '--socket', sock, '--peer', 'tcp:1.2.3.4:5'], /bad peer "tcp:1\.2\.3\.4:5"/);
    expectUsage(['serve', 'net', '--socket', sock, '--pcap', join(dir, 'no/such/dir.pcap')], /serve net: .*dir\.pcap/);
    expectUsage(['serve', 'net', '--socket', sock, '--trace', join(dir, 'no/such/t.jsonl')], /cannot write the trace file/);
    assert.equal(existsSync(sock), false, 'nothing left behind');
  });

  test('serves a front end, survives its disconnect, and SIGTERM flushes, removes the socket and exits 0', async () => {
    const disk = join(dir, 'disk.img');
    const original = randomBytes(1 << 20);
    writeFileSync(disk, original);
    const sock = join(dir, 'blk.sock');
    const traceFile = join(dir, 'trace.jsonl');
    const p = start(['serve', 'blk', '--socket', sock, '--disk', disk, '--trace', traceFile]);
    const ram = new GuestRam(n);
    try {
      await until(() => existsSync(sock) && /listening on/.test(p.stdout()), 'the socket', 20_000);
      assert.match(p.stdout(), /blk0: virtio-blk on raw image .*disk\.img, 1 MiB, 16 queues of 256, listening on .*blk\.sock/);
      const data = randomBytes(4096);
      for (const round of [0, 1]) {
        const fe = TestFrontEnd.connect(n, sock);
        const ring = new FrontRing(n, ram, 0, 'split', 16);
        const offered = await fe.getU64(R.GET_PROTOCOL_FEATURES);
        fe.send(R.SET_PROTOCOL_FEATURES, encodeU64(offered & pfBits('REPLY_ACK', 'MQ')));
        fe.send(R.SET_OWNER);
        fe.send(R.SET_FEATURES, encodeU64(VERSION_1 | PROTOCOL_BIT | (1n << 9n))); // FLUSH negotiated: writeback
        const t = ram.memTable();
        assert.equal(await fe.acked(R.SET_MEM_TABLE, t.payload, t.fds), 0n);
        ring.setUp(fe, 'qemu');
        const w = blkRequest(ram, 'out', 8 + round * 8, data);
        await ring.submitWithin(w.buffers);
        assert.equal(ram.mem.readU8(w.statusAddr), 0);
        fe.close();
        ring.close();
        await until(() => (p.stdout().match(/front end disconnected/g) ?? []).length === round + 1, 'the disconnect', 10_000);
      }
      // The banner's queue size is the maximum; the size the front end chose is said when its ring starts.
      assert.match(p.stdout(), /blk0: ring 0 \(requestq1\) started: split, size 16\n/);
      p.child.kill('SIGTERM');
      const { code } = await p.exit;
      assert.equal(code, 0, p.stdout());
      assert.equal(existsSync(sock), false, 'the socket file is removed');
      const after = readFileSync(disk);
      assert.deepEqual(after.subarray(8 * 512, 8 * 512 + 4096), data);
      assert.deepEqual(after.subarray(16 * 512, 16 * 512 + 4096), data);
      assert.deepEqual(after.subarray(0, 8 * 512), original.subarray(0, 8 * 512));
      const events = readFileSync(traceFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; time: number; name?: string });
      assert.ok(events.every((e) => typeof e.type === 'string' && typeof e.time === 'number'));
      assert.ok(events.some((e) => e.type === 'transport' && e.name === 'SET_MEM_TABLE'));
      assert.ok(events.some((e) => e.type === 'chain'));
    } finally {
      p.child.kill('SIGKILL');
      ram.close();
    }
  });

  test('serve net answers SIGINT with exit 0', async () => {
    const sock = join(dir, 'net.sock');
    const p = start(['serve', 'net', '--socket', sock, '--peer', 'none', '--queues', '2']);
    try {
      await until(() => existsSync(sock) && /listening on/.test(p.stdout()), 'the socket', 20_000);
      assert.match(p.stdout(), /net0: virtio-net 52:54:00:12:34:56, 2 queue pairs, peer none, listening on/);
      p.child.kill('SIGINT');
      assert.equal((await p.exit).code, 0);
      assert.equal(existsSync(sock), false);
    } finally {
      p.child.kill('SIGKILL');
    }
  });
});
