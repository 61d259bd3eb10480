/**
 * Figure 5 of issue 13: the in-process engine (virtio-mmio model, the reference driver, guest RAM in an
 * ArrayBuffer) moving 4 KiB virtio-blk READs and WRITEs (in-memory disk) and 64 B / 1500 B virtio-net
 * transmit frames, split and packed, in batches of 64. Bytes per second ÷ a plain Buffer copy of the same
 * bytes in the same process (goal ≥ 0.5), and chains per second. Alternating rounds, medians.
 */
import { F, bit } from '../engine/device-core/bits';
import { BlkDevice, MemoryBackend } from '../engine/devices/blk';
import { NetDevice } from '../engine/devices/net';
import { createInProcessMachine, type InProcessMachine } from '../engine/machine/in-process';
import { Trace } from '../engine/trace';
import { saveResult } from './out';

export interface EngineCase {
  name: string;
  layout: 'split' | 'packed';
  chainsPerSec: number;
  bytesPerSec: number;
  copyBytesPerSec: number;
  ratio: number;
}

type Kind = 'blk-read' | 'blk-write' | 'net-64' | 'net-1500';
const KINDS: Kind[] = ['blk-read', 'blk-write', 'net-64', 'net-1500'];
const BATCH = 64;

function machine(kind: Kind, layout: 'split' | 'packed'): { m: InProcessMachine; queue: number; payload: number } {
  const trace = new Trace({ capacity: 0 });
  const blk = kind.startsWith('blk');
  const m = createInProcessMachine({
    trace,
    device: (mem, tr) =>
      blk
        ? new BlkDevice({ id: 'blk0', mem, trace: tr, backend: new MemoryBackend({ size: 16 << 20 }), queueSize: 256 })
        : new NetDevice({ id: 'net0', mem, trace: tr, queueSize: 256 }),
    driver: { layout, queueSize: 256, wanted: bit(F.VERSION_1) | (layout === 'packed' ? bit(F.RING_PACKED) : 0n) },
    memorySize: 64 << 20,
  });
  if (!blk) (m.device as NetDevice).port.transmit = () => {};
  m.driver.init();
  return { m, queue: blk ? 0 : 1, payload: kind === 'net-64' ? 64 : kind === 'net-1500' ? 1500 : 4096 };
}

export async function measureEngine(kind: Kind, layout: 'split' | 'packed', seconds: number): Promise<{ chainsPerSec: number; bytesPerSec: number }> {
  const { m, queue, payload } = machine(kind, layout);
  const requests = Array.from({ length: BATCH }, (_, i) => {
    if (kind.startsWith('blk')) {
      const hdr = m.alloc.alloc(16, 16);
      m.mem.writeU32(hdr, kind === 'blk-read' ? 0 : 1);
      m.mem.writeU64(hdr + 8, BigInt(i * 8));
      return { buffers: [{ addr: hdr, len: 16, write: false }, { addr: m.alloc.alloc(4096, 4096), len: 4096, write: kind === 'blk-read' }, { addr: m.alloc.alloc(1, 1), len: 1, write: true }] };
    }
    const hdr = m.alloc.alloc(12, 16);
    const frame = m.alloc.alloc(payload, 16);
    m.mem.fill(frame, 6, 0xff); // broadcast
    m.mem.write(frame + 6, Uint8Array.from([0x52, 0x54, 0, 0x12, 0x34, 0x56]));
    m.mem.writeU16(frame + 12, 0x0008); // IPv4 (bytes 08 00)
    return { buffers: [{ addr: hdr, len: 12, write: false }, { addr: frame, len: payload, write: false }] };
  });
  let chains = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  while (performance.now() < end) {
    await Promise.all(m.driver.submitMany(queue, requests));
    chains += BATCH;
  }
  const secs = (performance.now() - started) / 1000;
  return { chainsPerSec: chains / secs, bytesPerSec: (chains * payload) / secs };
}

/** A plain Buffer copy of `size` bytes, repeatedly, between buffers as far apart as the engine's. */
export function measureCopy(size: number, seconds: number): number {
  const src = Buffer.alloc(size * BATCH, 1);
  const dst = Buffer.alloc(size * BATCH);
  let bytes = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < BATCH; i++) src.copy(dst, i * size, i * size, (i + 1) * size);
    bytes += size * BATCH;
  }
  return bytes / ((performance.now() - started) / 1000);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Knobs for profiling (not used by `npm run bench`): BENCH_ENGINE_ONLY=1 skips the Buffer-copy reference (its
 * ratio is then 0), BENCH_CASES=split:blk-read,packed:net-64 runs only those cases.
 */
const ENGINE_ONLY = process.env.BENCH_ENGINE_ONLY === '1';
const CASES = process.env.BENCH_CASES?.split(',').filter((c) => c !== '');

export async function runEngineThroughput(seconds: number, rounds: number): Promise<EngineCase[]> {
  const out: EngineCase[] = [];
  for (const layout of ['split', 'packed'] as const) {
    for (const kind of KINDS) {
      if (CASES !== undefined && !CASES.includes(`${layout}:${kind}`)) continue;
      await measureEngine(kind, layout, 0.2); // warm-up
      const engine: { chainsPerSec: number; bytesPerSec: number }[] = [];
      const copy: number[] = [];
      const size = kind === 'net-64' ? 64 : kind === 'net-1500' ? 1500 : 4096;
      for (let r = 0; r < rounds; r++) {
        engine.push(await measureEngine(kind, layout, seconds));
        if (!ENGINE_ONLY) copy.push(measureCopy(size, seconds));
      }
      const e = median(engine.map((x) => x.bytesPerSec));
      const c = ENGINE_ONLY ? 0 : median(copy);
      out.push({ name: kind, layout, chainsPerSec: median(engine.map((x) => x.chainsPerSec)), bytesPerSec: e, copyBytesPerSec: c, ratio: c === 0 ? 0 : e / c });
    }
  }
  return out;
}

async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 1);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  console.log(`in-process engine, batches of ${BATCH}, ${rounds} alternating rounds of ${seconds} s against a Buffer copy of the same bytes, medians`);
  const results = await runEngineThroughput(seconds, rounds);
  if (!ENGINE_ONLY && CASES === undefined) saveResult('engine-throughput', { figure: 5, seconds, rounds, cases: results });
  for (const r of results) {
    console.log(
      `${r.layout.padEnd(6)} ${r.name.padEnd(9)} ${r.chainsPerSec.toFixed(0).padStart(8)} chains/s  ${(r.bytesPerSec / 2 ** 20).toFixed(1).padStart(8)} MiB/s  ` +
        `copy ${(r.copyBytesPerSec / 2 ** 20).toFixed(0).padStart(7)} MiB/s  ratio ${r.ratio.toFixed(4)}`,
    );
  }
}

if (require.main === module) void main();
