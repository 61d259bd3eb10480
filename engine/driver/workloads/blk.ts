/**
 * virtio-blk workload: the reference driver writes patterned sectors over all its queues (several
 * requests in flight, some through indirect tables, some as scatter-gather lists), flushes, reads them
 * back and compares with a model of the disk; zeroes a range and checks it. With blk-* fault plans it
 * frames chosen requests wrongly on purpose (blk-faults.ts) so the debugger's report shows.
 */
import { STATUS } from '../../device-core/bits';
import { type GuestMemory } from '../../memory';
import { BLK_SECTOR_SIZE } from '../../spec-tables';
import { REG } from '../../transport/mmio/registers';
import { type GuestAllocator } from '../allocator';
import { type ReferenceDriver } from '../driver';
import { type FaultPlan } from '../ring-types';
import { BlkClient, type BlkRangeSpec, type BlkRequestSpec, type BlkResult, blkRequest, idString, rangeData } from './blk-client';
import { mulberry32 } from './prng';
import { withTimeout } from './timeout';

export { BlkClient, blkRequest, blkType, idString, rangeData, requestPieces, STATUS_UNTOUCHED } from './blk-client';
export type { BlkRangeSpec, BlkRequestSpec, BlkResult, BlkClientOptions } from './blk-client';
export { BLK_CONFIG_FAULTS, BLK_REQUEST_FAULTS, isBlkRequestFault } from './blk-faults';

/** Offset of the writeback field in struct virtio_blk_config. */
const WRITEBACK_OFFSET = 32;

/**
 * Initialises the device like driver.init(), committing the config-space blk faults of the plan:
 * `blk-writeback-read-before-features-ok` (writeback read between DRIVER and FEATURES_OK, then a reset
 * and a clean start) and `blk-writeback-invalid-value` (writes `arg`, default 2, to writeback).
 */
export function initBlkDriver(driver: ReferenceDriver, faults: readonly FaultPlan[] = []): void {
  const plan = (rule: string) => faults.find((f) => f.rule === rule);
  if (plan('blk-writeback-read-before-features-ok')) {
    const bus = driver.o.bus;
    bus.write(REG.Status, 0);
    bus.write(REG.Status, STATUS.ACKNOWLEDGE);
    bus.write(REG.Status, STATUS.ACKNOWLEDGE | STATUS.DRIVER);
    bus.read(REG.Config + WRITEBACK_OFFSET, 1);
    bus.write(REG.Status, 0);
  }
  driver.init();
  const invalid = plan('blk-writeback-invalid-value');
  if (invalid) driver.writeConfig(WRITEBACK_OFFSET, invalid.arg ?? 2, 1);
}

export interface BlkWorkloadOptions {
  /** Write/read-back pairs. */
  count: number;
  /** Requests in flight together (spread over the queues). */
  batch?: number;
  /** Largest request in sectors (default 8). */
  maxSectors?: number;
  /** First sector the workload writes (default 64: fault requests use the sectors below). */
  start?: bigint;
  /** Sectors the workload may use from `start` (default: up to capacity, at most 4096). */
  span?: number;
  /** Use indirect tables for every other request when negotiated (default true). */
  indirect?: boolean;
  /** Deterministic choice of sectors and sizes. */
  seed?: number;
  /** blk-* fault plans (request faults; config faults belong to initBlkDriver). */
  faults?: FaultPlan[];
  timeoutMs?: number;
}

export interface BlkWorkloadResult {
  /** Requests sent (faulty ones included). */
  sent: number;
  /** Reads whose data matched the model, zeroed ranges read back as zeroes. */
  verified: number;
  /** Reads that had to match the model. */
  checks: number;
  mismatches: string[];
  unanswered: number;
  /** Requests answered with a status other than OK (fault requests excluded). */
  failed: number;
  /** The faulty requests sent and the status the device answered. */
  faults: { rule: string; status: number | undefined; usedLen: number }[];
  id?: string;
  /** The sectors the workload wrote (or zeroed), as they must now be on the disk. */
  model: Map<bigint, Uint8Array>;
}

/** A request; range types take their segments from `ranges`. */
function req(type: string, sector: bigint | number = 0n, data?: Uint8Array | number, ranges?: readonly BlkRangeSpec[]): BlkRequestSpec {
  return blkRequest(type, sector, ranges ? rangeData(ranges) : data);
}


/** The bytes the workload writes at `sector` in round `round`. */
function sectorPattern(sector: bigint, round: number): Uint8Array {
  const out = new Uint8Array(BLK_SECTOR_SIZE);
  const s = Number(sector & 0xffffn);
  for (let i = 0; i < out.length; i++) out[i] = (s * 31 + round * 17 + i) & 0xff;
  return out;
}

export async function runBlkWorkload(
  driver: ReferenceDriver,
  mem: GuestMemory,
  alloc: GuestAllocator,
  o: BlkWorkloadOptions,
): Promise<BlkWorkloadResult> {
  const client = new BlkClient(driver, mem, alloc, { ...(o.faults ? { faults: o.faults } : {}) });
  const model = new Map<bigint, Uint8Array>();
  const result: BlkWorkloadResult = { sent: 0, verified: 0, checks: 0, mismatches: [], unanswered: 0, failed: 0, faults: [], model };
  const info = client.deviceInfo();
  const queues = Math.max(1, driver.queues.length);
  const batch = Math.max(1, o.batch ?? 4);
  const maxSectors = Math.max(1, o.maxSectors ?? 8);
  const start = o.start ?? 64n;
  const span = Math.max(0, Math.min(o.span ?? 4096, Number(info.capacity - start)));
  const rand = mulberry32(o.seed ?? 1);
  const timeout = o.timeoutMs ?? 2000;
  const indirect = (o.indirect ?? true) && (driver.queues[0]?.ring.features.indirect ?? false);

  /** Sends specs spread over the queues; returns the answers (undefined: unanswered, or a fault took its place). */
  const send = async (specs: BlkRequestSpec[]): Promise<(BlkResult | undefined)[]> => {
    const byQueue = new Map<number, number[]>();
    specs.forEach((_, i) => byQueue.set(i % queues, [...(byQueue.get(i % queues) ?? []), i]));
    const promises: Promise<BlkResult>[] = new Array(specs.length);
    for (const [q, idx] of byQueue) {
      client.submitMany(q, idx.map((i) => specs[i]!)).forEach((p, k) => (promises[idx[k]!] = p));
    }
    result.sent += specs.length;
    const answers = await Promise.all(promises.map((p) => withTimeout(p, timeout)));
    return answers.map((a) => {
      if (!a) {
        result.unanswered++;
        return undefined;
      }
      if (a.fault) {
        result.faults.push({ rule: a.fault, status: a.status, usedLen: a.usedLen });
        return undefined;
      }
      if (a.status !== 0) result.failed++;
      return a;
    });
  };

  const [idAnswer] = await send([req('GET_ID')]);
  if (idAnswer?.status === 0) result.id = idString(idAnswer.data);

  let round = 0;
  for (let done = 0; done < o.count && span > 0 && result.unanswered === 0; round++) {
    // ---- writes, no two overlapping in one batch
    const ranges: { sector: bigint; sectors: number }[] = [];
    for (let tries = 0; ranges.length < Math.min(batch, o.count - done) && tries < batch * 8; tries++) {
      const sectors = Math.min(span, 1 + Math.floor(rand() * maxSectors));
      const sector = start + BigInt(Math.floor(rand() * (span - sectors + 1)));
      if (ranges.some((r) => sector < r.sector + BigInt(r.sectors) && r.sector < sector + BigInt(sectors))) continue;
      ranges.push({ sector, sectors });
    }
    done += ranges.length;
    const writes = ranges.map((r, i) => {
      const data = new Uint8Array(r.sectors * BLK_SECTOR_SIZE);
      for (let s = 0; s < r.sectors; s++) data.set(sectorPattern(r.sector + BigInt(s), round), s * BLK_SECTOR_SIZE);
      return { ...req('OUT', r.sector, data), indirect: indirect && i % 2 === 1, ...(i % 3 === 2 ? { segmentSize: BLK_SECTOR_SIZE } : {}) };
    });
    const wrote = await send(writes);
    wrote.forEach((a, i) => {
      if (a?.status !== 0) return;
      const r = ranges[i]!;
      for (let s = 0; s < r.sectors; s++) model.set(r.sector + BigInt(s), sectorPattern(r.sector + BigInt(s), round));
    });
    if (info.negotiated('FLUSH')) await send([req('FLUSH')]);

    // ---- read back and compare with the model
    const reads = ranges.map((r, i) => ({ ...req('IN', r.sector, r.sectors * BLK_SECTOR_SIZE), indirect: indirect && i % 2 === 0 }));
    const back = await send(reads);
    back.forEach((a, i) => {
      if (!a || a.status !== 0) return;
      const r = ranges[i]!;
      for (let s = 0; s < r.sectors; s++) {
        const want = model.get(r.sector + BigInt(s));
        if (!want) continue;
        result.checks++;
        const got = a.data.subarray(s * BLK_SECTOR_SIZE, (s + 1) * BLK_SECTOR_SIZE);
        if (got.every((b, k) => b === want[k])) result.verified++;
        else result.mismatches.push(`sector ${r.sector + BigInt(s)}: read back differs from what was written`);
      }
    });
  }

  // ---- zero the first written range and check it reads back as zeroes
  const first = [...model.keys()].sort((a, b) => (a < b ? -1 : 1))[0];
  if (first !== undefined && info.negotiated('WRITE_ZEROES') && result.unanswered === 0) {
    const [z] = await send([req('WRITE_ZEROES', 0n, undefined, [{ sector: first, sectors: 1, flags: 1 }])]);
    if (z?.status === 0) {
      model.set(first, new Uint8Array(BLK_SECTOR_SIZE));
      const [r] = await send([req('IN', first, BLK_SECTOR_SIZE)]);
      if (r?.status === 0) {
        result.checks++;
        if (r.data.every((b) => b === 0)) result.verified++;
        else result.mismatches.push(`sector ${first}: not zero after WRITE_ZEROES`);
      }
    }
  }
  // Faults planned past the requests this run sent: send plain reads until they are committed.
  for (let guard = 0; client.pendingFaults.length > 0 && guard < 64 && result.unanswered === 0; guard++) {
    await send([req('IN', start, BLK_SECTOR_SIZE)]);
  }
  return result;
}
