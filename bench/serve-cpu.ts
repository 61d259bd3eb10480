/**
 * A profiling aid, not a figure: `serve blk`'s CPU per request at queue depth 1, measured with the scheduler's
 * run time (/proc/PID/task/TID/schedstat) of the serve process, driven by the unit tests' raw vhost-user front
 * end (guest RAM in a memfd, eventfds, INDIRECT_DESC and EVENT_IDX negotiated as QEMU does for a Linux guest).
 * No QEMU and no guest, so it is steady enough on a busy machine to compare builds:
 *
 *   node --import tsx bench/serve-cpu.ts [--op in|out] [--bs 4096] [--count 20000] [--rounds 2] [DIR ...]
 *
 * Each DIR is a built checkout (default: this one); the builds alternate, `--rounds` times each.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { VhostUserRequest as R } from '../engine/transport/vhost-user/messages';
import { encodeU64 } from '../engine/transport/vhost-user/codec';
import { FrontRing, GuestRam, TestFrontEnd, blkRequest, native } from '../test/engine/transport/vhost-user/front-end';
import { PROTOCOL_BIT, pfBits, qemuInit } from '../test/engine/transport/vhost-user/harness';
import { scratchDir } from '../test/guest/serve-process';

const DISK = 64 << 20;
/** What a Linux guest's virtio_blk and QEMU accept of serve's offer: SIZE_MAX, SEG_MAX, BLK_SIZE, FLUSH, TOPOLOGY, CONFIG_WCE, MQ, DISCARD, WRITE_ZEROES, INDIRECT_DESC, EVENT_IDX, VERSION_1. */
const WANTED = [1, 2, 6, 9, 10, 11, 12, 13, 14, 28, 29, 32].reduce((m, b) => m | (1n << BigInt(b)), 0n);

function cpuNs(pid: number): number {
  let ns = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
  return ns;
}

async function once(dir: string, op: 'in' | 'out', bs: number, count: number): Promise<{ cpuUs: number; wallUs: number }> {
  const scratch = scratchDir('vd-serve-cpu-');
  const image = join(scratch.dir, 'disk.img');
  writeFileSync(image, Buffer.alloc(0));
  truncateSync(image, DISK);
  writeFileSync(image, Buffer.alloc(DISK, 1)); // in the page cache, no holes
  const socket = join(scratch.dir, 'blk.sock');
  const child = spawn(process.execPath, [join(dir, 'bin', 'virtio-debug.js'), 'serve', 'blk', '--socket', socket, '--disk', image], { stdio: ['ignore', 'ignore', 'inherit'] });
  const n = native();
  let ram: GuestRam | undefined;
  let ring: FrontRing | undefined;
  let fe: TestFrontEnd | undefined;
  const err = n.eventfd();
  try {
    const end = Date.now() + 20_000;
    while (!existsSync(socket)) {
      if (child.exitCode !== null || Date.now() > end) throw new Error(`${dir}: serve did not listen on ${socket}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    ram = new GuestRam(n, 16 << 20, { mapped: true });
    ring = new FrontRing(n, ram, 0, 'split', 128, { indirect: true, eventIdx: true, inOrder: false, notificationData: false, ringReset: false });
    fe = TestFrontEnd.connect(n, socket);
    const init = await qemuInit(fe, { protocol: pfBits('MQ', 'REPLY_ACK', 'CONFIG'), rings: 1, callFds: [ring.call], errFds: [err], blk: true });
    fe.send(R.SET_FEATURES, encodeU64((init.features & WANTED) | PROTOCOL_BIT));
    const table = ram.memTable();
    await fe.acked(R.SET_MEM_TABLE, table.payload, table.fds);
    ring.setUp(fe, 'qemu');
    const req = blkRequest(ram, op, 0, bs);
    const sectors = DISK / 512 - bs / 512;
    const run = async (k: number): Promise<void> => {
      for (let i = 0; i < k; i++) {
        ram!.mem.writeU64(req.buffers[0]!.addr + 8, BigInt((i * 56) % sectors));
        await ring!.submitWithin(req.buffers);
        if (ram!.mem.readU8(req.statusAddr) !== 0) throw new Error(`${dir}: request ${i} failed with status ${ram!.mem.readU8(req.statusAddr)}`);
      }
    };
    await run(2000); // warm-up: JIT, page cache
    const c0 = cpuNs(child.pid!);
    const t0 = process.hrtime.bigint();
    await run(count);
    return { cpuUs: (cpuNs(child.pid!) - c0) / count / 1000, wallUs: Number(process.hrtime.bigint() - t0) / count / 1000 };
  } finally {
    fe?.close();
    ring?.close();
    n.close(err);
    ram?.close();
    child.kill('SIGTERM');
    if (child.exitCode === null) await new Promise((r) => child.on('close', r));
    scratch.remove();
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { op: { type: 'string', default: 'in' }, bs: { type: 'string', default: '4096' }, count: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '2' } } });
  const op = values.op === 'out' ? 'out' : 'in';
  const dirs = positionals.length ? positionals.map((d) => resolve(d)) : [resolve(__dirname, '..')];
  for (let r = 0; r < Number(values.rounds); r++) {
    for (const dir of r % 2 ? [...dirs].reverse() : dirs) {
      const m = await once(dir, op, Number(values.bs), Number(values.count));
      console.log(`${dir}: ${op} ${values.bs}: serve CPU ${m.cpuUs.toFixed(1)} µs per request, ${m.wallUs.toFixed(1)} µs wall (round ${r + 1})`);
    }
  }
}

void main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
