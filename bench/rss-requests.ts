/**
 * Figure 8 of issue 13, the long run: `virtio-debug serve blk` (the real CLI process, its defaults) under
 * BENCH_REQUESTS (default 10^6) small blk requests (512-byte reads and writes, alternating, 32 in flight) from
 * a raw vhost-user front end in this process (the unit tests' front end: guest RAM in a memfd, eventfds).
 * Prints serve's resident set (VmRSS) and peak (VmHWM) after 10^4, 10^5 and 10^6 requests: flat, not growing
 * with the count. Run once without and once with --trace (the trace file grows; serve's memory must not); the
 * traced run stops at BENCH_TRACE_REQUESTS (default 10^5) to keep `npm run bench` under 15 minutes.
 */
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServeProcess, scratchDir } from '../test/guest/serve-process';
import { blkRequest } from '../test/engine/transport/vhost-user/front-end';
import { connectRawBlkFrontEnd, type RawBlkFrontEnd } from './raw-front-end';
import { saveResult } from './out';

function memKiB(pid: number): { rss: number; hwm: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rss: Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0), hwm: Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0) };
}

export interface RssPoint {
  requests: number;
  rssMiB: number;
  peakMiB: number;
}

export async function runRssRequests(total: number, trace: boolean, log: (s: string) => void): Promise<RssPoint[]> {
  const scratch = scratchDir('vd-bench-rss-');
  const image = join(scratch.dir, 'disk.img');
  writeFileSync(image, Buffer.alloc(0));
  truncateSync(image, 16 << 20);
  const socket = join(scratch.dir, 'blk.sock');
  const serve = await ServeProcess.start(['serve', 'blk', '--socket', socket, '--disk', image, ...(trace ? ['--trace', join(scratch.dir, 'trace.jsonl')] : [])], socket);
  const pid = serve.child.pid!;
  const points: RssPoint[] = [];
  let front: RawBlkFrontEnd | undefined;
  try {
    front = await connectRawBlkFrontEnd(socket, 16 << 20);
    const { ram, ring } = front;
    const depth = 32;
    const reqs = Array.from({ length: depth }, (_, i) => blkRequest(ram, i % 2 ? 'out' : 'in', i * 8, 512));
    const marks = [1e4, 1e5, 1e6, 1e7].filter((m) => m <= total);
    if (!marks.includes(total)) marks.push(total);
    let issued = 0;
    let done = 0;
    let mark = 0;
    const started = performance.now();
    const worker = async (slot: number): Promise<void> => {
      const r = reqs[slot]!;
      while (issued < total) {
        issued++;
        // 32 768 sectors of 512 bytes in the 16 MiB image: spread the requests over the whole disk.
        ram.mem.writeU64(r.buffers[0]!.addr + 8, BigInt((issued * 7) % 32_768));
        const u = await ring.submit(r.buffers);
        if (ram.mem.readU8(r.statusAddr) !== 0 || u.len !== (slot % 2 ? 1 : 513)) throw new Error(`request ${done} failed: status ${ram.mem.readU8(r.statusAddr)}, used len ${u.len}\n${serve.output.slice(-2000)}`);
        done++;
        if (done === marks[mark]) {
          mark++;
          const m = memKiB(pid);
          points.push({ requests: done, rssMiB: m.rss / 1024, peakMiB: m.hwm / 1024 });
          log(`  ${done.toExponential(0).padStart(5)} requests  serve RSS ${(m.rss / 1024).toFixed(1)} MiB  peak ${(m.hwm / 1024).toFixed(1)} MiB  (${((done / (performance.now() - started)) * 1000).toFixed(0)} req/s)`);
        }
      }
    };
    await Promise.all(Array.from({ length: depth }, (_, i) => worker(i)));
  } finally {
    front?.close();
    await serve.stop('SIGTERM');
    scratch.remove();
  }
  return points;
}

async function main(): Promise<void> {
  const runs: { trace: boolean; points: RssPoint[] }[] = [];
  for (const trace of [false, true]) {
    const total = Number((trace ? process.env.BENCH_TRACE_REQUESTS : undefined) ?? process.env.BENCH_REQUESTS ?? (trace ? 1e5 : 1e6));
    console.log(`serve blk${trace ? ' --trace FILE' : ''}: ${total} requests of 512 bytes, 32 in flight, from a raw vhost-user front end`);
    runs.push({ trace, points: await runRssRequests(total, trace, (s) => console.log(s)) });
  }
  saveResult('rss-requests', { figures: [8], runs });
}

if (require.main === module) void main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
