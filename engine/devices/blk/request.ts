/**
 * Parsing and validation of one virtio-blk request chain (§5.2.6): header, data and status placement,
 * request type and its feature, data length, segment limits, sector range, read-only. The result says
 * what to execute, or which status to answer without executing, and which rules the driver broke.
 */
import { type GuestMemory } from '../../memory';
import { gather, splitSegments } from '../../queue/chain-io';
import { type Chain, type Segment } from '../../queue/types';
import { type BlkRuleId } from '../../rules/blk';
import {
  BLK_ID_BYTES,
  BLK_LIFETIME_SIZE,
  BLK_REQ_HEADER_SIZE,
  BLK_SECTOR_SIZE,
  BLK_SEGMENT_SIZE,
  BLK_T_BARRIER,
  BLK_WRITE_ZEROES_FLAG_UNMAP,
  blkRequestType,
} from '../../spec-tables';

/** Status byte values (§5.2.6). */
export const BLK_S = { OK: 0, IOERR: 1, UNSUPP: 2 } as const;

/** The request types this device executes (FLUSH_OUT arrives here as FLUSH). */
export type BlkKind = 'IN' | 'OUT' | 'FLUSH' | 'GET_ID' | 'GET_LIFETIME' | 'DISCARD' | 'WRITE_ZEROES' | 'SECURE_ERASE';
export type RangeKind = 'DISCARD' | 'WRITE_ZEROES' | 'SECURE_ERASE';

const RANGE_KINDS: ReadonlySet<string> = new Set<RangeKind>(['DISCARD', 'WRITE_ZEROES', 'SECURE_ERASE']);
const IMPLEMENTED: ReadonlySet<string> = new Set<BlkKind>(['IN', 'OUT', 'FLUSH', 'GET_ID', 'GET_LIFETIME', 'DISCARD', 'WRITE_ZEROES', 'SECURE_ERASE']);
const WRITES: ReadonlySet<string> = new Set<BlkKind>(['OUT', 'DISCARD', 'WRITE_ZEROES', 'SECURE_ERASE']);

/** Config field names of the segment limits per range request type. */
const RANGE_FIELDS: Record<RangeKind, { seg: string; sectors: string }> = {
  DISCARD: { seg: 'max_discard_seg', sectors: 'max_discard_sectors' },
  WRITE_ZEROES: { seg: 'max_write_zeroes_seg', sectors: 'max_write_zeroes_sectors' },
  SECURE_ERASE: { seg: 'max_secure_erase_seg', sectors: 'max_secure_erase_sectors' },
};

/** What validation needs to know about the device and the negotiated features. */
export interface BlkRequestLimits {
  /** Current capacity in 512-byte sectors. */
  capacity: bigint;
  /** Is this blk feature (short name) negotiated? */
  negotiated(short: string): boolean;
  /** VIRTIO_BLK_F_RO offered: every write fails (§5.2.6.2). */
  readOnly: boolean;
  segMax: number;
  sizeMax: number;
  ranges: Record<RangeKind, { maxSectors: number; maxSegments: number }>;
}

export interface BlkViolation {
  rule: BlkRuleId;
  message: string;
}

/** One {sector, num_sectors, flags} segment of a DISCARD / WRITE_ZEROES / SECURE_ERASE request. */
export interface BlkRange {
  sector: bigint;
  sectors: number;
  unmap: boolean;
}

export interface BlkRequest {
  kind: BlkKind;
  /** The type field as sent (5 for FLUSH_OUT). */
  typeValue: number;
  sector: bigint;
  /** Data segments: device-writable for IN/GET_ID/GET_LIFETIME, device-readable otherwise. */
  data: Segment[];
  dataLen: number;
  ranges: BlkRange[];
}

export interface ParsedChain {
  /** Guest address of the status byte; undefined when the request cannot be answered. */
  statusAddr?: number;
  /** The request to execute (absent when rejected or unanswerable). */
  request?: BlkRequest;
  /** The status to answer without executing anything. */
  reject?: number;
  /** Rules broken, in the order found (warnings that do not stop the request included). */
  violations: BlkViolation[];
}

/** Reads a little-endian u64 as a bigint from `b` at `at`. */
function u64(b: Uint8Array, at: number): bigint {
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[at + i]!);
  return v;
}

function u32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

/** The segments after the first `at` bytes (splitSegments' second half, without building the first). */
function segmentsAfter(segs: readonly Segment[], at: number): Segment[] {
  // The usual shape: the header is the first buffer exactly.
  if (segs[0]!.len === at) return segs.slice(1);
  return splitSegments(segs, at)[1];
}

/** The segments holding the first `at` bytes (splitSegments' first half). */
function segmentsBefore(segs: readonly Segment[], at: number): Segment[] {
  // The usual shape: the status byte is the last buffer on its own.
  const last = segs[segs.length - 1];
  if (last !== undefined && last.len === 1 && at === total(segs) - 1) return segs.slice(0, -1);
  return splitSegments(segs, at)[0];
}

function total(segs: readonly Segment[]): number {
  let n = 0;
  for (const s of segs) n += s.len;
  return n;
}

/** Parses and validates a chain. Guest memory is only read (header and segments); may throw MemoryFault. */
export function parseBlkChain(mem: GuestMemory, chain: Chain, limits: BlkRequestLimits): ParsedChain {
  const violations: BlkViolation[] = [];
  const R = chain.readableBytes;
  const W = chain.writableBytes;

  // ---- status: the last device-writable byte (§5.2.6)
  if (W === 0) {
    const last = chain.readable[chain.readable.length - 1];
    if (last && last.len === 1 && R > BLK_REQ_HEADER_SIZE) {
      violations.push({ rule: 'blk-status-not-writable', message: `the status byte (last descriptor, 1 byte) is device-readable: no byte to answer in` });
    } else {
      violations.push({ rule: 'blk-status-missing', message: `the chain has no device-writable byte for the status (${R} readable bytes, 0 writable)` });
    }
    return { violations };
  }
  const lastW = chain.writable[chain.writable.length - 1]!;
  const statusAddr = lastW.addr + lastW.len - 1;
  const reject = (rule: BlkRuleId, message: string, status: number = BLK_S.IOERR): ParsedChain => {
    violations.push({ rule, message });
    return { statusAddr, reject: status, violations };
  };

  // ---- header: the first 16 device-readable bytes
  if (R === 0) {
    return reject('blk-header-not-readable', `the chain has no device-readable bytes: the 16-byte header is marked device-writable (${W} writable bytes)`);
  }
  if (R < BLK_REQ_HEADER_SIZE) {
    return reject('blk-header-too-short', `the device-readable part is ${R} bytes; the request header needs ${BLK_REQ_HEADER_SIZE}`);
  }
  const first = chain.readable[0]!;
  let typeValue: number;
  let sector: bigint;
  if (first.len >= BLK_REQ_HEADER_SIZE) {
    // The header in one buffer (every driver we know): read in place, no copy.
    typeValue = mem.readU32(first.addr);
    const lo = mem.readU32(first.addr + 8);
    const hi = mem.readU32(first.addr + 12);
    sector = hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
  } else {
    const header = gather(mem, chain.readable, 0, BLK_REQ_HEADER_SIZE);
    typeValue = u32(header, 0);
    sector = u64(header, 8);
  }
  const readData = segmentsAfter(chain.readable, BLK_REQ_HEADER_SIZE);
  const readLen = R - BLK_REQ_HEADER_SIZE;
  const writeData = segmentsBefore(chain.writable, W - 1);
  const writeLen = W - 1;

  // ---- type and its feature
  const info = blkRequestType(typeValue);
  if (!info) {
    const barrier = typeValue >= BLK_T_BARRIER ? ` (the legacy BARRIER bit 0x80000000 is set; VIRTIO_BLK_F_BARRIER is not offered)` : '';
    return reject('blk-type-unknown', `unknown request type ${typeValue}${barrier}`, BLK_S.UNSUPP);
  }
  const kind = info.short === 'FLUSH_OUT' ? 'FLUSH' : info.short;
  const feature = kind === 'FLUSH' ? 'FLUSH' : info.feature;
  if (feature && !limits.negotiated(feature)) {
    return reject('blk-type-not-negotiated', `${info.short} request although VIRTIO_BLK_F_${feature} was not negotiated`, BLK_S.UNSUPP);
  }
  if (!isImplemented(kind)) {
    return reject('blk-type-not-negotiated', `${info.short} request: this device does not implement it`, BLK_S.UNSUPP);
  }

  // ---- data direction and status placement
  const direction = kind === 'FLUSH' ? 'none' : info.data;
  if (direction === 'writable') {
    if (readLen > 0) {
      return reject('blk-data-wrong-direction', `${kind} with ${readLen} device-readable data bytes after the header: its data must be device-writable`);
    }
    // Every writable byte is data (a whole number of sectors in one or more multi-byte buffers): the driver
    // left the status descriptor out. Named as such, not as the data-length problem its last byte would cause.
    if (kind === 'IN' && lastW.len > 1 && W % BLK_SECTOR_SIZE === 0) {
      return reject('blk-status-missing', `IN has ${W} device-writable bytes, a whole number of sectors and no separate status byte (the last data byte is used to answer)`);
    }
    let earlyStatus = -1;
    for (let k = 0; k < chain.writable.length - 1; k++) {
      if (chain.writable[k]!.len === 1) {
        earlyStatus = k;
        break;
      }
    }
    if (lastW.len > 1 && earlyStatus >= 0) {
      return reject(
        'blk-status-not-last',
        `a 1-byte device-writable descriptor (writable segment ${earlyStatus}) comes before the ${lastW.len}-byte data buffer: the status must be the last byte`,
      );
    }
  } else if (direction === 'readable') {
    if (writeLen > 0) {
      if (readLen === 0) return reject('blk-data-wrong-direction', `${kind} with its ${writeLen} data bytes device-writable: its data must be device-readable`);
      return reject('blk-status-not-one-byte', `${kind} has ${W} device-writable bytes; the status is a single byte`);
    }
  } else {
    if (readLen > 0 || writeLen > 0) {
      violations.push({ rule: 'blk-flush-with-data', message: `FLUSH carries ${readLen + writeLen} data bytes besides the header and status` });
    }
    if (sector !== 0n) return reject('blk-flush-sector-nonzero', `FLUSH with sector ${sector}; it must be 0`);
  }

  const data = direction === 'writable' ? writeData : direction === 'readable' ? readData : [];
  const dataLen = direction === 'writable' ? writeLen : direction === 'readable' ? readLen : 0;

  // ---- segment limits (only binding once the driver knows them)
  if (limits.negotiated('SEG_MAX') && data.length > limits.segMax) {
    return reject('blk-too-many-segments', `${kind} with ${data.length} data segments; seg_max is ${limits.segMax}`);
  }
  if (limits.negotiated('SIZE_MAX')) {
    const big = data.findIndex((s) => s.len > limits.sizeMax);
    if (big >= 0) return reject('blk-segment-too-large', `${kind} data segment ${big} is ${data[big]!.len} bytes; size_max is ${limits.sizeMax}`);
  }

  const request: BlkRequest = { kind, typeValue, sector, data, dataLen, ranges: [] };
  switch (kind) {
    case 'IN':
    case 'OUT': {
      if (dataLen % BLK_SECTOR_SIZE !== 0) {
        return reject('blk-data-not-sector-multiple', `${kind} with ${dataLen} data bytes, not a multiple of ${BLK_SECTOR_SIZE}`);
      }
      if (kind === 'OUT' && limits.readOnly) return reject('blk-write-read-only', `OUT to sector ${sector} on a read-only device (VIRTIO_BLK_F_RO): nothing written`);
      const end = sector + BigInt(dataLen / BLK_SECTOR_SIZE);
      if (end > limits.capacity) {
        return reject('blk-sector-beyond-capacity', `${kind} of sectors ${sector}..${end - 1n} beyond capacity ${limits.capacity}`);
      }
      break;
    }
    case 'GET_ID':
      if (dataLen !== BLK_ID_BYTES) return reject('blk-get-id-length', `GET_ID with ${dataLen} data bytes; it must be ${BLK_ID_BYTES}`);
      break;
    case 'GET_LIFETIME':
      if (dataLen < BLK_LIFETIME_SIZE) return reject('blk-get-lifetime-length', `GET_LIFETIME with ${dataLen} data bytes; struct virtio_blk_lifetime needs ${BLK_LIFETIME_SIZE}`);
      break;
    case 'DISCARD':
    case 'WRITE_ZEROES':
    case 'SECURE_ERASE': {
      const ranges = parseRanges(mem, kind, readData, readLen, limits, reject);
      if (!Array.isArray(ranges)) return ranges;
      request.ranges = ranges;
      break;
    }
    case 'FLUSH':
      break;
  }
  return { statusAddr, request, violations };
}

function parseRanges(
  mem: GuestMemory,
  kind: RangeKind,
  data: Segment[],
  len: number,
  limits: BlkRequestLimits,
  reject: (rule: BlkRuleId, message: string, status?: number) => ParsedChain,
): BlkRange[] | ParsedChain {
  if (len === 0 || len % BLK_SEGMENT_SIZE !== 0) {
    return reject('blk-range-data-length', `${kind} with ${len} data bytes: not a non-zero multiple of ${BLK_SEGMENT_SIZE}`);
  }
  const count = len / BLK_SEGMENT_SIZE;
  const lim = limits.ranges[kind];
  if (count > lim.maxSegments) {
    return reject('blk-range-too-many-segments', `${kind} with ${count} segments; ${RANGE_FIELDS[kind].seg} is ${lim.maxSegments}`);
  }
  const bytes = gather(mem, data, 0, len);
  const ranges: BlkRange[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * BLK_SEGMENT_SIZE;
    const flags = u32(bytes, at + 12);
    const unmap = (flags & BLK_WRITE_ZEROES_FLAG_UNMAP) !== 0;
    const known = kind === 'WRITE_ZEROES' || kind === 'DISCARD' ? BLK_WRITE_ZEROES_FLAG_UNMAP : 0;
    const unknown = (flags & ~known) >>> 0;
    if (unknown) {
      const note = kind === 'SECURE_ERASE' && unknown & BLK_WRITE_ZEROES_FLAG_UNMAP ? ' (unmap is defined for WRITE_ZEROES only)' : '';
      return reject('blk-range-unknown-flags', `${kind} segment ${i} has unknown flags 0x${unknown.toString(16)}${note}`, BLK_S.UNSUPP);
    }
    if (kind === 'DISCARD' && unmap) return reject('blk-discard-unmap', `DISCARD segment ${i} has the unmap flag set`, BLK_S.UNSUPP);
    ranges.push({ sector: u64(bytes, at), sectors: u32(bytes, at + 8), unmap });
  }
  if (limits.readOnly) return reject('blk-write-read-only', `${kind} on a read-only device (VIRTIO_BLK_F_RO): nothing changed`);
  for (const [i, r] of ranges.entries()) {
    if (r.sectors > lim.maxSectors) {
      return reject('blk-range-too-many-sectors', `${kind} segment ${i} covers ${r.sectors} sectors; ${RANGE_FIELDS[kind].sectors} is ${lim.maxSectors}`);
    }
    const end = r.sector + BigInt(r.sectors);
    if (end > limits.capacity) {
      return reject('blk-sector-beyond-capacity', `${kind} segment ${i} (sectors ${r.sector}..${end - 1n}) beyond capacity ${limits.capacity}`);
    }
  }
  return ranges;
}

function isImplemented(kind: string): kind is BlkKind {
  return IMPLEMENTED.has(kind);
}

/** True for requests that modify the disk. */
export function isWrite(kind: BlkKind): boolean {
  return WRITES.has(kind);
}

/** True for DISCARD, WRITE_ZEROES and SECURE_ERASE. */
export function isRangeKind(kind: string): kind is RangeKind {
  return RANGE_KINDS.has(kind);
}
