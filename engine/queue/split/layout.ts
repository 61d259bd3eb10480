/**
 * Split virtqueue memory layout (VIRTIO 1.2 §2.7): sizes, alignments and field offsets of the three
 * parts, and a small view that reads and writes those fields through GuestMemory. Shared by the
 * device side (engine/queue/split) and the driver side (engine/driver/split-ring).
 *
 * ```
 * struct virtq_desc  { le64 addr; le32 len; le16 flags; le16 next; }                   16 bytes, table align 16
 * struct virtq_avail { le16 flags; le16 idx; le16 ring[QS]; le16 used_event; }         align 2
 * struct virtq_used  { le16 flags; le16 idx; struct { le32 id; le32 len; } ring[QS];
 *                      le16 avail_event; }                                             align 4
 * ```
 */
import { type GuestMemory } from '../../memory';
import { RingRanges } from '../ring-ranges';
import { DESC_F_INDIRECT, DESC_F_NEXT, DESC_F_WRITE } from '../types';

/** avail.flags: the driver does not want used-buffer notifications (§2.7.7). */
export const VIRTQ_AVAIL_F_NO_INTERRUPT = 1;
/** used.flags: the device does not want available-buffer notifications (§2.7.10). */
export const VIRTQ_USED_F_NO_NOTIFY = 1;

export const SPLIT_DESC_SIZE = 16;
/** §2.7 table "Virtqueue Part / Alignment". */
export const SPLIT_ALIGN = { desc: 16, avail: 2, used: 4 } as const;

export function descTableBytes(size: number): number {
  return SPLIT_DESC_SIZE * size;
}
/** flags + idx + ring[QS] + used_event. */
export function availRingBytes(size: number): number {
  return 6 + 2 * size;
}
/** flags + idx + ring[QS] (8 bytes each) + avail_event. */
export function usedRingBytes(size: number): number {
  return 6 + 8 * size;
}

/** The three parts' guest-address ranges (event fields included), for the overlap checks. */
export function splitRingRanges(desc: number, avail: number, used: number, size: number): RingRanges {
  return new RingRanges([
    { name: 'descriptor table', start: desc, end: desc + descTableBytes(size) },
    { name: 'available ring', start: avail, end: avail + availRingBytes(size) },
    { name: 'used ring', start: used, end: used + usedRingBytes(size) },
  ]);
}

export const AVAIL_FLAGS_OFFSET = 0;
export const AVAIL_IDX_OFFSET = 2;
export function availRingOffset(slot: number): number {
  return 4 + 2 * slot;
}
export function usedEventOffset(size: number): number {
  return 4 + 2 * size;
}
export const USED_FLAGS_OFFSET = 0;
export const USED_IDX_OFFSET = 2;
export function usedRingOffset(slot: number): number {
  return 4 + 8 * slot;
}
export function availEventOffset(size: number): number {
  return 4 + 8 * size;
}

const DESC_FLAG_NAMES: readonly [number, string][] = [
  [DESC_F_NEXT, 'NEXT'],
  [DESC_F_WRITE, 'WRITE'],
  [DESC_F_INDIRECT, 'INDIRECT'],
];

/** Names of the split descriptor flags set in `flags`; unknown bits appear as hex ("0x100"). */
export function splitDescFlagNames(flags: number): string[] {
  const names: string[] = [];
  let rest = flags;
  for (const [bit, name] of DESC_FLAG_NAMES) {
    if (flags & bit) names.push(name);
    rest &= ~bit;
  }
  if (rest) names.push(`0x${rest.toString(16)}`);
  return names;
}

/** A descriptor as stored in memory. */
export interface RawDesc {
  addr: number;
  len: number;
  flags: number;
  next: number;
}

/**
 * Field accessors of one split ring. Every method goes through GuestMemory, so an unmapped ring throws
 * MemoryFault: callers on the device side catch it and report split-ring-unmapped.
 */
export class SplitRingView {
  readonly availIdxAddr: number;
  readonly availRingAddr: number;
  readonly usedEventAddr: number;
  readonly usedIdxAddr: number;
  readonly usedRingAddr: number;
  readonly availEventAddr: number;

  constructor(
    readonly mem: GuestMemory,
    readonly desc: number,
    readonly avail: number,
    readonly used: number,
    readonly size: number,
  ) {
    this.availIdxAddr = avail + AVAIL_IDX_OFFSET;
    this.availRingAddr = avail + availRingOffset(0);
    this.usedEventAddr = avail + usedEventOffset(size);
    this.usedIdxAddr = used + USED_IDX_OFFSET;
    this.usedRingAddr = used + usedRingOffset(0);
    this.availEventAddr = used + availEventOffset(size);
  }

  descAddr(index: number): number {
    return this.desc + SPLIT_DESC_SIZE * index;
  }
  readDesc(index: number): RawDesc {
    const a = this.descAddr(index);
    return { addr: this.mem.readU64(a), len: this.mem.readU32(a + 8), flags: this.mem.readU16(a + 12), next: this.mem.readU16(a + 14) };
  }
  writeDesc(index: number, d: RawDesc): void {
    writeDescAt(this.mem, this.descAddr(index), d);
  }

  availFlags(): number {
    return this.mem.readU16(this.avail);
  }
  setAvailFlags(v: number): void {
    this.mem.writeU16(this.avail, v);
  }
  availIdx(): number {
    return this.mem.readU16(this.availIdxAddr);
  }
  setAvailIdx(v: number): void {
    this.mem.writeU16(this.availIdxAddr, v & 0xffff);
  }
  availRing(slot: number): number {
    return this.mem.readU16(this.availRingAddr + 2 * slot);
  }
  setAvailRing(slot: number, head: number): void {
    this.mem.writeU16(this.availRingAddr + 2 * slot, head & 0xffff);
  }
  usedEvent(): number {
    return this.mem.readU16(this.usedEventAddr);
  }
  setUsedEvent(v: number): void {
    this.mem.writeU16(this.usedEventAddr, v & 0xffff);
  }

  usedFlags(): number {
    return this.mem.readU16(this.used);
  }
  setUsedFlags(v: number): void {
    this.mem.writeU16(this.used, v);
  }
  usedIdx(): number {
    return this.mem.readU16(this.usedIdxAddr);
  }
  setUsedIdx(v: number): void {
    this.mem.writeU16(this.usedIdxAddr, v & 0xffff);
  }
  usedId(slot: number): number {
    return this.mem.readU32(this.usedRingAddr + 8 * slot);
  }
  usedLen(slot: number): number {
    return this.mem.readU32(this.usedRingAddr + 8 * slot + 4);
  }
  setUsedElem(slot: number, id: number, len: number): void {
    const a = this.usedRingAddr + 8 * slot;
    this.mem.writeU32(a, id);
    this.mem.writeU32(a + 4, len);
  }
  availEvent(): number {
    return this.mem.readU16(this.availEventAddr);
  }
  setAvailEvent(v: number): void {
    this.mem.writeU16(this.availEventAddr, v & 0xffff);
  }
}

/** Writes one struct virtq_desc at `gpa` (descriptor table entry or indirect table entry). */
export function writeDescAt(mem: GuestMemory, gpa: number, d: RawDesc): void {
  mem.writeU64(gpa, d.addr);
  mem.writeU32(gpa + 8, d.len);
  mem.writeU16(gpa + 12, d.flags);
  mem.writeU16(gpa + 14, d.next);
}
