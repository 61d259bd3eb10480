/**
 * The driver side of virtio-blk requests (§5.2.6), as a block driver builds them: a 16-byte
 * device-readable header, data buffers (device-readable for OUT/DISCARD/WRITE_ZEROES/SECURE_ERASE,
 * device-writable for IN/GET_ID/GET_LIFETIME), and a 1-byte device-writable status. With FaultPlans for
 * blk-* rules the client frames chosen requests wrongly on purpose (see blk-faults.ts).
 */
import { type GuestMemory } from '../../memory';
import {
  BLK_ID_BYTES,
  BLK_LIFETIME_SIZE,
  BLK_REQUEST_TYPES,
  BLK_REQ_HEADER_SIZE,
  BLK_SEGMENT_SIZE,
  hasFeature,
} from '../../spec-tables';
import { type GuestAllocator } from '../allocator';
import { type ReferenceDriver } from '../driver';
import { type DriverBuffer, type FaultPlan } from '../ring-types';
import { type BlkDeviceInfo, type Piece, blkFaultPieces, isBlkRequestFault } from './blk-faults';

export type { Piece } from './blk-faults';

/** A request as the workload describes it; blkRequest() builds one. */
export interface BlkRequestSpec {
  /** The type field (VIRTIO_BLK_T_*). */
  type: number;
  sector?: bigint;
  /** Data the driver sends (OUT data, DISCARD/WRITE_ZEROES/SECURE_ERASE segments). */
  out?: Uint8Array;
  /** Length of the device-writable data buffer (IN, GET_ID, GET_LIFETIME). */
  inLen?: number;
  /** Split the data into buffers of at most this many bytes (a scatter-gather list). */
  segmentSize?: number;
  /** Put the chain in an indirect table. */
  indirect?: boolean;
  /** Send exactly these buffers instead of building them from the fields above (hostile tests). */
  pieces?: Piece[];
}

export interface BlkResult {
  /** The status byte the device wrote: the last device-writable byte (undefined without writable buffers). */
  status: number | undefined;
  usedLen: number;
  /** The device-writable data (IN/GET_ID/GET_LIFETIME), before the status byte. */
  data: Uint8Array;
  /** The blk-* rule this request broke on purpose, if any. */
  fault?: string;
}

/** Status value written into the status buffer before submission, so an unanswered request shows. */
export const STATUS_UNTOUCHED = 0xff;

const TYPE_BY_NAME = new Map(BLK_REQUEST_TYPES.map((t) => [t.short, t.value]));

/** The value of a request type given by short name (IN, OUT, FLUSH...) or number. */
export function blkType(type: string | number): number {
  if (typeof type === 'number') return type;
  const v = TYPE_BY_NAME.get(type);
  if (v === undefined) throw new RangeError(`unknown blk request type ${type}`);
  return v;
}

/**
 * A request: `data` is the bytes to send (OUT, segments) or the length to receive (IN, GET_ID,
 * GET_LIFETIME). GET_ID and GET_LIFETIME default to their answer size.
 */
export function blkRequest(type: string | number, sector: bigint | number = 0n, data?: Uint8Array | number): BlkRequestSpec {
  const t = blkType(type);
  const spec: BlkRequestSpec = { type: t, sector: BigInt(sector) };
  if (data instanceof Uint8Array) spec.out = data;
  else if (typeof data === 'number') spec.inLen = data;
  else if (t === blkType('GET_ID')) spec.inLen = BLK_ID_BYTES;
  else if (t === blkType('GET_LIFETIME')) spec.inLen = BLK_LIFETIME_SIZE;
  return spec;
}

export interface BlkRangeSpec {
  sector: bigint | number;
  sectors: number;
  /** Bit 0: unmap (WRITE_ZEROES only); other bits are reserved. */
  flags?: number;
}

/** The data of a DISCARD / WRITE_ZEROES / SECURE_ERASE request: 16-byte {le64 sector; le32 num_sectors; le32 flags}. */
export function rangeData(ranges: readonly BlkRangeSpec[]): Uint8Array {
  const out = new Uint8Array(ranges.length * BLK_SEGMENT_SIZE);
  const v = new DataView(out.buffer);
  ranges.forEach((r, i) => {
    v.setBigUint64(i * BLK_SEGMENT_SIZE, BigInt(r.sector), true);
    v.setUint32(i * BLK_SEGMENT_SIZE + 8, r.sectors >>> 0, true);
    v.setUint32(i * BLK_SEGMENT_SIZE + 12, (r.flags ?? 0) >>> 0, true);
  });
  return out;
}

/** The buffers of a well-formed request: header, data (split into segments), status. */
export function requestPieces(spec: BlkRequestSpec): Piece[] {
  const header = new Uint8Array(BLK_REQ_HEADER_SIZE);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, spec.type >>> 0, true);
  hv.setBigUint64(8, BigInt.asUintN(64, spec.sector ?? 0n), true);
  const pieces: Piece[] = [{ role: 'header', len: header.length, write: false, bytes: header }];
  const seg = spec.segmentSize && spec.segmentSize > 0 ? spec.segmentSize : Infinity;
  if (spec.out && spec.out.length > 0) {
    for (let at = 0; at < spec.out.length; at += Math.min(seg, spec.out.length - at)) {
      const bytes = spec.out.subarray(at, Math.min(spec.out.length, at + seg));
      pieces.push({ role: 'data', len: bytes.length, write: false, bytes });
    }
  }
  if (spec.inLen && spec.inLen > 0) {
    for (let at = 0; at < spec.inLen; at += Math.min(seg, spec.inLen - at)) {
      pieces.push({ role: 'data', len: Math.min(seg, spec.inLen - at), write: true });
    }
  }
  pieces.push({ role: 'status', len: 1, write: true });
  return pieces;
}

export interface BlkClientOptions {
  /** blk-* fault plans (other plans are ignored here: the driver and the rings commit them). */
  faults?: readonly FaultPlan[];
  /** Put every request in an indirect table (when negotiated). */
  indirect?: boolean;
}

/** Sends blk requests through the reference driver and collects the device's answers. */
export class BlkClient {
  private sent = 0;
  private readonly faults: FaultPlan[];
  private info: BlkDeviceInfo | undefined;

  constructor(
    readonly driver: ReferenceDriver,
    readonly mem: GuestMemory,
    readonly alloc: GuestAllocator,
    private readonly o: BlkClientOptions = {},
  ) {
    this.faults = (o.faults ?? []).filter((f) => isBlkRequestFault(f.rule));
  }

  /** Requests submitted so far (fault plans count requests with `atChain`). */
  get requestCount(): number {
    return this.sent;
  }

  /** Faults not committed yet. */
  get pendingFaults(): readonly FaultPlan[] {
    return this.faults;
  }

  /** What the driver read from config space (only fields whose feature was negotiated). */
  deviceInfo(): BlkDeviceInfo {
    if (this.info) return this.info;
    const d = this.driver;
    const neg = (s: string) => hasFeature('blk', d.accepted, s);
    const u32 = (off: number) => d.readConfig(off, 4);
    this.info = {
      capacity: BigInt(d.readConfig(0, 8)),
      negotiated: neg,
      sizeMax: neg('SIZE_MAX') ? u32(8) : undefined,
      segMax: neg('SEG_MAX') ? u32(12) : undefined,
      maxDiscardSeg: neg('DISCARD') ? u32(40) : undefined,
      maxWriteZeroesSectors: neg('WRITE_ZEROES') ? u32(48) : undefined,
    };
    return this.info;
  }

  /** Forgets the cached config values (after a configuration change). */
  refreshInfo(): BlkDeviceInfo {
    this.info = undefined;
    return this.deviceInfo();
  }

  submit(queue: number, spec: BlkRequestSpec): Promise<BlkResult> {
    return this.submitMany(queue, [spec])[0]!;
  }

  /** Submits several requests together (one publish, one notification). */
  submitMany(queue: number, specs: readonly BlkRequestSpec[]): Promise<BlkResult>[] {
    const prepared = specs.map((spec) => this.prepare(spec));
    const useIndirect = this.driver.queues[queue]?.ring.features.indirect ?? false;
    const promises = this.driver.submitMany(
      queue,
      prepared.map((p) => ({ buffers: p.buffers, options: { indirect: useIndirect && (p.spec.indirect ?? this.o.indirect ?? false) } })),
    );
    return promises.map((pr, i) => pr.then((used) => this.finish(prepared[i]!, used.len)));
  }

  private prepare(spec: BlkRequestSpec): { spec: BlkRequestSpec; buffers: DriverBuffer[]; fault?: string } {
    const n = this.sent++;
    const k = this.faults.findIndex((f) => (f.atChain ?? 0) === n);
    let pieces: Piece[];
    let fault: string | undefined;
    if (k >= 0) {
      const plan = this.faults.splice(k, 1)[0]!;
      pieces = blkFaultPieces(plan, this.deviceInfo(), requestPieces);
      fault = plan.rule;
    } else {
      pieces = spec.pieces ?? requestPieces(spec);
    }
    const buffers = pieces.map((p): DriverBuffer => {
      const addr = this.alloc.alloc(p.len, p.role === 'header' ? 16 : 8);
      if (p.bytes) this.mem.write(addr, p.bytes);
      else this.mem.fill(addr, p.len, p.role === 'status' ? STATUS_UNTOUCHED : 0);
      return { addr, len: p.len, write: p.write };
    });
    return { spec, buffers, ...(fault ? { fault } : {}) };
  }

  private finish(p: { buffers: DriverBuffer[]; fault?: string }, usedLen: number): BlkResult {
    const writable = p.buffers.filter((b) => b.write);
    const last = writable[writable.length - 1];
    const status = last ? this.mem.readU8(last.addr + last.len - 1) : undefined;
    const dataLen = Math.max(0, writable.reduce((n, b) => n + b.len, 0) - 1);
    const data = new Uint8Array(dataLen);
    let o = 0;
    for (const b of writable) {
      const n = Math.min(b.len, dataLen - o);
      if (n <= 0) break;
      data.set(this.mem.read(b.addr, n), o);
      o += n;
    }
    for (const b of p.buffers) this.alloc.release(b.addr);
    return { status, usedLen, data, ...(p.fault ? { fault: p.fault } : {}) };
  }

  // ---- conveniences

  read(queue: number, sector: bigint | number, sectors: number, segmentSize?: number): Promise<BlkResult> {
    return this.submit(queue, { ...blkRequest('IN', sector, sectors * 512), ...(segmentSize ? { segmentSize } : {}) });
  }

  write(queue: number, sector: bigint | number, data: Uint8Array, segmentSize?: number): Promise<BlkResult> {
    return this.submit(queue, { ...blkRequest('OUT', sector, data), ...(segmentSize ? { segmentSize } : {}) });
  }

  flush(queue = 0): Promise<BlkResult> {
    return this.submit(queue, blkRequest('FLUSH'));
  }

  getId(queue = 0): Promise<BlkResult> {
    return this.submit(queue, blkRequest('GET_ID'));
  }

  getLifetime(queue = 0): Promise<BlkResult> {
    return this.submit(queue, blkRequest('GET_LIFETIME'));
  }

  discard(queue: number, ranges: readonly BlkRangeSpec[]): Promise<BlkResult> {
    return this.submit(queue, blkRequest('DISCARD', 0, rangeData(ranges)));
  }

  writeZeroes(queue: number, ranges: readonly BlkRangeSpec[]): Promise<BlkResult> {
    return this.submit(queue, blkRequest('WRITE_ZEROES', 0, rangeData(ranges)));
  }

  secureErase(queue: number, ranges: readonly BlkRangeSpec[]): Promise<BlkResult> {
    return this.submit(queue, blkRequest('SECURE_ERASE', 0, rangeData(ranges)));
  }
}

/** The GET_ID answer as a string (NUL-padded ASCII, no NUL when 20 characters long). */
export function idString(data: Uint8Array): string {
  let s = '';
  for (let i = 0; i < Math.min(BLK_ID_BYTES, data.length) && data[i] !== 0; i++) s += String.fromCharCode(data[i]!);
  return s;
}
