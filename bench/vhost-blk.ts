/**
 * virtio-blk over vhost-user in one process: the back end (VhostUserServer + BlkDevice on a raw image file)
 * against the test front end that plays QEMU (guest RAM in a memfd, eventfds, the reference driver's split
 * ring). Reads and writes of 4 KiB and 64 KiB with 32 requests in flight; MiB/s and requests/s. Run with
 * `node --cpu-prof --import tsx bench/vhost-blk.ts` to see where the back end spends its time.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlkDevice, RawImageBackend } from '../engine/devices/blk';
import { GuestMemory } from '../engine/memory';
import { Trace } from '../engine/trace';
import { VhostUserServer } from '../engine/transport/vhost-user/server';
import { blkRequest, native } from '../test/engine/transport/vhost-user/front-end';
import { connectRawBlkFrontEnd, type RawBlkFrontEnd } from './raw-front-end';
import { saveResult } from './out';

const DISK = 64 << 20;

export interface VhostBlkResult {
  op: 'read' | 'write';
  bs: number;
  mibPerSec: number;
  reqPerSec: number;
  /** CPU time of this process (both sides) per request: steadier than throughput on a loaded machine. */
  cpuUsPerReq: number;
}

export async function runVhostBlk(seconds: number, cases: { op: 'read' | 'write'; bs: number }[]): Promise<VhostBlkResult[]> {
  const n = native();
  const dir = mkdtempSync(join(tmpdir(), 'vd-bench-'));
  const image = join(dir, 'disk.img');
  writeFileSync(image, randomBytes(DISK));
  const backend = await RawImageBackend.open(image);
  const trace = new Trace({ capacity: 0 });
  const device = new BlkDevice({ id: 'blk0', mem: new GuestMemory(), trace, backend, inProcess: false, queueSize: 128 });
  const path = join(dir, 'blk.sock');
  const server = VhostUserServer.listen({ path, device, native: n });
  const out: VhostBlkResult[] = [];
  let front: RawBlkFrontEnd | undefined;
  try {
    front = await connectRawBlkFrontEnd(path, 64 << 20);
    const { ram, ring } = front;
    const depth = 32;
    for (const c of cases) {
      // One request layout per slot, allocated once: the driver reuses its buffers like dd does.
      const reqs = Array.from({ length: depth }, (_, i) => blkRequest(ram, c.op === 'read' ? 'in' : 'out', (i * c.bs) / 512, c.bs));
      const sectors = DISK / 512;
      let done = 0;
      let next = 0;
      const end = performance.now() + seconds * 1000;
      const started = performance.now();
      const cpu0 = process.cpuUsage();
      const worker = async (slot: number): Promise<void> => {
        const r = reqs[slot]!;
        while (performance.now() < end) {
          const sector = ((next++ * c.bs) / 512) % (sectors - c.bs / 512);
          ram.mem.writeU64(r.buffers[0]!.addr + 8, BigInt(sector));
          await ring.submit(r.buffers);
          done++;
        }
      };
      await Promise.all(Array.from({ length: depth }, (_, i) => worker(i)));
      const secs = (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpu0);
      out.push({ op: c.op, bs: c.bs, mibPerSec: (done * c.bs) / secs / (1 << 20), reqPerSec: done / secs, cpuUsPerReq: (cpu.user + cpu.system) / done });
    }
  } finally {
    front?.close();
    await server.close();
    await device.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 2);
  const cases = [4096, 65536].flatMap((bs) => (['read', 'write'] as const).map((op) => ({ op, bs })));
  await runVhostBlk(0.5, [{ op: 'read', bs: 4096 }]); // warm-up (JIT)
  console.log(`vhost-user blk in one process (test front end, split ring of 128, 32 in flight), ${seconds} s each`);
  const results = await runVhostBlk(seconds, cases);
  saveResult('vhost-blk', { seconds, mmap: process.env.VIRTIO_DEBUG_MMAP !== '0', cases: results });
  for (const r of results) {
    console.log(`${r.op.padEnd(5)} ${String(r.bs / 1024).padStart(3)} KiB  ${r.mibPerSec.toFixed(1).padStart(8)} MiB/s  ${r.reqPerSec.toFixed(0).padStart(7)} req/s  ${r.cpuUsPerReq.toFixed(0).padStart(5)} µs CPU/req`);
  }
}

if (require.main === module) void main();
