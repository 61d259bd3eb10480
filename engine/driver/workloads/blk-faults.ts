/**
 * Deliberately malformed virtio-blk requests, one per blk-* rule a driver breaks with a request: the
 * reference driver's BlkClient sends them in place of the request a FaultPlan names (atChain), so the
 * debugger's report can be seen and tested. The config-space rules are committed by initBlkDriver().
 */
import { type RuleId, ruleIdsOf } from '../../rules';
import { BLK_REQUEST_TYPES, BLK_SECTOR_SIZE } from '../../spec-tables';
import { type FaultPlan } from '../ring-types';

/** One buffer of a request as the driver lays it out. */
export interface Piece {
  role: 'header' | 'data' | 'status';
  len: number;
  /** Device-writable (VIRTQ_DESC_F_WRITE). */
  write: boolean;
  /** Contents (absent: zeroes, or the "untouched" marker for a status byte). */
  bytes?: Uint8Array;
}

/** What the driver knows about the device (from config space, only fields it negotiated). */
export interface BlkDeviceInfo {
  capacity: bigint;
  negotiated(short: string): boolean;
  sizeMax: number | undefined;
  segMax: number | undefined;
  maxDiscardSeg: number | undefined;
  maxWriteZeroesSectors: number | undefined;
}

interface Spec {
  type: number;
  sector?: bigint;
  out?: Uint8Array;
  inLen?: number;
  segmentSize?: number;
}

type PieceBuilder = (spec: Spec) => Piece[];

const T = Object.fromEntries(BLK_REQUEST_TYPES.map((t) => [t.short, t.value])) as Record<string, number>;

function segments(list: { sector: bigint; sectors: number; flags: number }[]): Uint8Array {
  const out = new Uint8Array(list.length * 16);
  const v = new DataView(out.buffer);
  list.forEach((s, i) => {
    v.setBigUint64(i * 16, s.sector, true);
    v.setUint32(i * 16 + 8, s.sectors >>> 0, true);
    v.setUint32(i * 16 + 12, s.flags >>> 0, true);
  });
  return out;
}

const pattern = (len: number): Uint8Array => Uint8Array.from({ length: len }, (_, i) => (i * 7 + 1) & 0xff);

/** A request type whose feature was not negotiated (DISCARD first), else a zoned one (never offered). */
function unnegotiatedType(info: BlkDeviceInfo): { type: number; pieces: (b: PieceBuilder) => Piece[] } {
  for (const short of ['DISCARD', 'WRITE_ZEROES', 'SECURE_ERASE'] as const) {
    if (!info.negotiated(short)) return { type: T[short]!, pieces: (b) => b({ type: T[short]!, out: segments([{ sector: 0n, sectors: 1, flags: 0 }]) }) };
  }
  if (!info.negotiated('LIFETIME')) return { type: T.GET_LIFETIME!, pieces: (b) => b({ type: T.GET_LIFETIME!, inLen: 6 }) };
  if (!info.negotiated('FLUSH')) return { type: T.FLUSH!, pieces: (b) => b({ type: T.FLUSH! }) };
  return { type: T.ZONE_RESET_ALL!, pieces: (b) => b({ type: T.ZONE_RESET_ALL! }) };
}

/** Builds the malformed request for each rule (`arg` tunes some, documented per rule). */
const FAULTS: Partial<Record<RuleId, (b: PieceBuilder, info: BlkDeviceInfo, arg: number | undefined) => Piece[]>> = {
  /** An 8-byte header (the legacy type+ioprio pair without the sector). */
  'blk-header-too-short': (b) => {
    const [h, ...rest] = b({ type: T.IN!, sector: 0n, inLen: 512 });
    return [{ ...h!, len: 8, bytes: h!.bytes!.subarray(0, 8) }, ...rest];
  },
  /** The header descriptor marked device-writable (a read: everything is writable, ring order stays legal). */
  'blk-header-not-readable': (b) => b({ type: T.IN!, sector: 0n, inLen: 512 }).map((p) => (p.role === 'header' ? { ...p, write: true } : p)),
  /** No status buffer at all. */
  'blk-status-missing': (b) => b({ type: T.OUT!, sector: 0n, out: pattern(512) }).filter((p) => p.role !== 'status'),
  /** The status byte without VIRTQ_DESC_F_WRITE. */
  'blk-status-not-writable': (b) => b({ type: T.OUT!, sector: 0n, out: pattern(512) }).map((p) => (p.role === 'status' ? { ...p, write: false } : p)),
  /** A read with the status descriptor before the data descriptor. */
  'blk-status-not-last': (b) => {
    const [h, d, s] = b({ type: T.IN!, sector: 0n, inLen: 512 });
    return [h!, s!, d!];
  },
  /** A write whose status buffer is 4 bytes (arg: the size). */
  'blk-status-not-one-byte': (b, _i, arg) => b({ type: T.OUT!, sector: 0n, out: pattern(512) }).map((p) => (p.role === 'status' ? { ...p, len: arg ?? 4 } : p)),
  /** A read whose data buffer is device-readable. */
  'blk-data-wrong-direction': (b) => b({ type: T.IN!, sector: 0n, inLen: 512 }).map((p) => (p.role === 'data' ? { ...p, write: false } : p)),
  /** A write of 100 bytes (arg: the length). */
  'blk-data-not-sector-multiple': (b, _i, arg) => b({ type: T.OUT!, sector: 0n, out: pattern(arg ?? 100) }),
  /** A read of the sector just past the end (arg: sectors past capacity, default 0). */
  'blk-sector-beyond-capacity': (b, info, arg) => b({ type: T.IN!, sector: info.capacity + BigInt(arg ?? 0), inLen: 512 }),
  /** A read with seg_max + 1 one-sector segments (needs SEG_MAX negotiated). */
  'blk-too-many-segments': (b, info) => {
    const n = (info.segMax ?? 126) + 1;
    return b({ type: T.IN!, sector: 0n, inLen: n * BLK_SECTOR_SIZE, segmentSize: BLK_SECTOR_SIZE });
  },
  /** A read with one segment of size_max + 512 bytes (needs SIZE_MAX negotiated). */
  'blk-segment-too-large': (b, info) => b({ type: T.IN!, sector: 0n, inLen: Math.ceil((info.sizeMax ?? 1 << 20) / BLK_SECTOR_SIZE + 1) * BLK_SECTOR_SIZE }),
  /** A DISCARD with 20 bytes of data. */
  'blk-range-data-length': (b) => b({ type: T.DISCARD!, out: pattern(20) }),
  /** A DISCARD with max_discard_seg + 1 segments. */
  'blk-range-too-many-segments': (b, info) =>
    b({ type: T.DISCARD!, out: segments(Array.from({ length: (info.maxDiscardSeg ?? 1) + 1 }, (_, i) => ({ sector: BigInt(i), sectors: 1, flags: 0 }))) }),
  /** A WRITE_ZEROES segment of max_write_zeroes_sectors + 1 sectors. */
  'blk-range-too-many-sectors': (b, info) => b({ type: T.WRITE_ZEROES!, out: segments([{ sector: 0n, sectors: (info.maxWriteZeroesSectors ?? 65536) + 1, flags: 0 }]) }),
  /** A DISCARD segment with the unmap flag. */
  'blk-discard-unmap': (b) => b({ type: T.DISCARD!, out: segments([{ sector: 0n, sectors: 1, flags: 1 }]) }),
  /** A WRITE_ZEROES segment with reserved flag bit 1 (arg: the flags). */
  'blk-range-unknown-flags': (b, _i, arg) => b({ type: T.WRITE_ZEROES!, out: segments([{ sector: 0n, sectors: 1, flags: arg ?? 2 }]) }),
  /** A write (meaningful on a device that offers VIRTIO_BLK_F_RO). */
  'blk-write-read-only': (b) => b({ type: T.OUT!, sector: 0n, out: pattern(512) }),
  /** A FLUSH with sector 1 (arg: the sector). */
  'blk-flush-sector-nonzero': (b, _i, arg) => b({ type: T.FLUSH!, sector: BigInt(arg ?? 1) }),
  /** A FLUSH carrying one sector of data. */
  'blk-flush-with-data': (b) => b({ type: T.FLUSH!, out: pattern(512) }),
  /** A GET_ID with a 16-byte buffer (arg: the length). */
  'blk-get-id-length': (b, _i, arg) => b({ type: T.GET_ID!, inLen: arg ?? 16 }),
  /** A GET_LIFETIME with a 4-byte buffer. */
  'blk-get-lifetime-length': (b, _i, arg) => b({ type: T.GET_LIFETIME!, inLen: arg ?? 4 }),
  /** A request whose feature was not negotiated (DISCARD, else WRITE_ZEROES, ..., else ZONE_RESET_ALL). */
  'blk-type-not-negotiated': (b, info) => unnegotiatedType(info).pieces(b),
  /** Type 0xff (arg: the type value; e.g. 0x80000000 for the legacy BARRIER bit on IN). */
  'blk-type-unknown': (b, _i, arg) => b({ type: arg ?? 0xff }),
};

/** blk-* rules a BlkClient commits by sending a malformed request. */
export const BLK_REQUEST_FAULTS: readonly RuleId[] = ruleIdsOf(FAULTS);

/** blk-* rules committed on config space by initBlkDriver(). */
export const BLK_CONFIG_FAULTS: readonly RuleId[] = ['blk-writeback-read-before-features-ok', 'blk-writeback-invalid-value'];

export function isBlkRequestFault(rule: string): boolean {
  return Object.hasOwn(FAULTS, rule);
}

/** The buffers of the malformed request for `plan`. */
export function blkFaultPieces(plan: FaultPlan, info: BlkDeviceInfo, build: PieceBuilder): Piece[] {
  const make = FAULTS[plan.rule];
  if (!make) throw new RangeError(`no blk request fault for rule ${plan.rule}`);
  return make(build, info, plan.arg);
}
