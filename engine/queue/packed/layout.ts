/**
 * Packed virtqueue memory layout (VIRTIO 1.2 §2.8.13, §2.8.14) and ring-position arithmetic.
 *
 *   struct pvirtq_desc { le64 addr; le32 len; le16 id; le16 flags; }            16 bytes, ring aligned 16
 *   struct pvirtq_event_suppress { le16 desc; le16 flags; }   desc = off:15 | wrap:1, aligned 4
 */
import { vringNeedEvent } from '../event-idx';
import { RingRanges } from '../ring-ranges';
import { DESC_F_AVAIL, DESC_F_INDIRECT, DESC_F_NEXT, DESC_F_USED, DESC_F_WRITE } from '../types';

export const PACKED_DESC_SIZE = 16;
export const DESC_OFF_ADDR = 0;
export const DESC_OFF_LEN = 8;
export const DESC_OFF_ID = 12;
export const DESC_OFF_FLAGS = 14;

export const EVENT_SIZE = 4;
export const EVENT_OFF_DESC = 0;
export const EVENT_OFF_FLAGS = 2;

/** The descriptor ring and both event suppression structures as guest-address ranges, for the overlap checks. */
export function packedRingRanges(desc: number, driver: number, device: number, size: number): RingRanges {
  return new RingRanges([
    { name: 'descriptor ring', start: desc, end: desc + size * PACKED_DESC_SIZE },
    { name: 'driver event suppression', start: driver, end: driver + EVENT_SIZE },
    { name: 'device event suppression', start: device, end: device + EVENT_SIZE },
  ]);
}

/** Alignment the driver must respect (§2.8.11). */
export const RING_ALIGN = 16;
export const EVENT_ALIGN = 4;

/** Largest packed queue (§2.8: up to 2^15 entries). */
export const PACKED_MAX_SIZE = 32768;

/** desc_event_flags values (§2.8.14). */
export const RING_EVENT_FLAGS_ENABLE = 0;
export const RING_EVENT_FLAGS_DISABLE = 1;
export const RING_EVENT_FLAGS_DESC = 2;

/** Bit 15 of event `desc`, of notification data and of vhost-user ring bases holds a wrap counter. */
export const WRAP_SHIFT = 15;
export const OFF_MASK = 0x7fff;

/** AVAIL and USED bits as a driver with wrap counter `wrap` sets them when making a descriptor available. */
export function availFlags(wrap: boolean): number {
  return wrap ? DESC_F_AVAIL : DESC_F_USED;
}

/** AVAIL and USED bits of a used descriptor written with wrap counter `wrap` (§2.8.2). */
export function usedFlags(wrap: boolean): number {
  return wrap ? DESC_F_AVAIL | DESC_F_USED : 0;
}

/** §2.8.1: available to a reader whose wrap counter is `wrap` iff AVAIL == wrap and USED != wrap. */
export function isAvailable(flags: number, wrap: boolean): boolean {
  const avail = (flags & DESC_F_AVAIL) !== 0;
  const used = (flags & DESC_F_USED) !== 0;
  return avail === wrap && used !== wrap;
}

/** §2.8.2: used for a reader whose wrap counter is `wrap` iff AVAIL == USED == wrap. */
export function isUsed(flags: number, wrap: boolean): boolean {
  const avail = (flags & DESC_F_AVAIL) !== 0;
  const used = (flags & DESC_F_USED) !== 0;
  return avail === used && used === wrap;
}

/**
 * A ring position folds a slot and its wrap counter into one number in [0, 2·size): slots of the laps
 * with wrap counter 1 map to [0, size), those with wrap counter 0 to [size, 2·size). Advancing a position
 * past slot size-1 therefore flips the wrap counter by itself, and distances are plain modular subtraction.
 */
export function ringPos(slot: number, wrap: boolean, size: number): number {
  return wrap ? slot : slot + size;
}

export function posSlot(pos: number, size: number): number {
  return pos < size ? pos : pos - size;
}

export function posWrap(pos: number, size: number): boolean {
  return pos < size;
}

export function advancePos(pos: number, n: number, size: number): number {
  const p = pos + n;
  const lap = 2 * size;
  return p >= lap ? p % lap : p;
}

/** Slots from position `from` forward to position `to` (0 .. 2·size-1). */
export function posDistance(from: number, to: number, size: number): number {
  const d = to - from;
  return d < 0 ? d + 2 * size : d;
}

/** off | wrap << 15: the encoding of event `desc`, notification data and vhost-user ring bases. */
export function encodeOffWrap(pos: number, size: number): number {
  return posSlot(pos, size) | (posWrap(pos, size) ? 1 << WRAP_SHIFT : 0);
}

/**
 * RING_EVENT_FLAGS_DESC (§2.8.10): did moving a position forward by `count` slots to `newPos` pass the
 * event descriptor `offWrap` (off | wrap << 15)? Like Linux virtqueue_kick_prepare_packed and QEMU
 * vring_packed_need_event: an event whose wrap counter differs from the current one lies in the previous
 * lap (offset - size), then vring_need_event. Those 16-bit sums only hold for fewer than `size` slots;
 * beyond that the positions are compared directly.
 */
export function packedNeedEvent(offWrap: number, newPos: number, count: number, size: number): boolean {
  if (count <= 0) return false;
  const off = offWrap & OFF_MASK;
  const wrap = offWrap >> WRAP_SHIFT === 1;
  if (count < size) {
    const newIdx = posSlot(newPos, size);
    const event = wrap === posWrap(newPos, size) ? off : off - size;
    return vringNeedEvent(event & 0xffff, newIdx, (newIdx - count) & 0xffff);
  }
  if (off >= size) return true;
  const back = posDistance(ringPos(off, wrap, size), newPos, size);
  return (back === 0 ? 2 * size : back) <= count;
}

/** Flag names for display: NEXT, WRITE, INDIRECT, AVAIL, USED (DescriptorDto.flagNames). */
const FLAG_NAMES: readonly [number, string][] = [
  [DESC_F_NEXT, 'NEXT'],
  [DESC_F_WRITE, 'WRITE'],
  [DESC_F_INDIRECT, 'INDIRECT'],
  [DESC_F_AVAIL, 'AVAIL'],
  [DESC_F_USED, 'USED'],
];

export function packedFlagNames(flags: number): string[] {
  const names: string[] = [];
  for (const [bit, name] of FLAG_NAMES) if (flags & bit) names.push(name);
  return names;
}

export function eventFlagsName(flags: number): string {
  switch (flags) {
    case RING_EVENT_FLAGS_ENABLE:
      return 'ENABLE';
    case RING_EVENT_FLAGS_DISABLE:
      return 'DISABLE';
    case RING_EVENT_FLAGS_DESC:
      return 'DESC';
    default:
      return `reserved (${flags})`;
  }
}

export { hex } from '../../wire/hex';
