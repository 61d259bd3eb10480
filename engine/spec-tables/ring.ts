/**
 * Which flags word a flag belongs to:
 * - `desc`: split-ring descriptor flags (struct virtq_desc.flags, §2.7.5)
 * - `packed-desc`: packed-ring descriptor flags (struct pvirtq_desc.flags, §2.8.13)
 * - `avail`: split available ring flags (driver → device, §2.7.7)
 * - `used`: split used ring flags (device → driver, §2.7.10)
 * - `event`: packed event suppression flags (a 2-bit value, not a bit set, §2.8.14)
 */
export type RingFlagKind = 'desc' | 'packed-desc' | 'avail' | 'used' | 'event';

export interface RingFlagInfo {
  readonly kind: RingFlagKind;
  readonly value: number;
  /** Primary name: Linux uapi (VRING_DESC_F_NEXT) where Linux defines it as a mask, else the spec name. */
  readonly name: string;
  /** Short name used in displays (NEXT, NO_INTERRUPT, DESC). */
  readonly short: string;
  /** Spec names (VIRTQ_DESC_F_NEXT), Rust crate spellings (`DescFlags::NEXT`). */
  readonly aliases: readonly string[];
  readonly meaning: string;
  readonly section: string;
}

const NEXT_MEANING = 'The buffer continues via the next field (chained descriptors).';
const WRITE_MEANING = 'The buffer is device write-only (otherwise device read-only).';
const INDIRECT_MEANING = 'The buffer contains a table of descriptors (needs VIRTIO_F_INDIRECT_DESC).';

export const RING_FLAGS: readonly RingFlagInfo[] = [
  { kind: 'desc', value: 1, name: 'VRING_DESC_F_NEXT', short: 'NEXT', aliases: ['VIRTQ_DESC_F_NEXT', 'DescFlags::NEXT'], meaning: NEXT_MEANING, section: '2.7.5' },
  { kind: 'desc', value: 2, name: 'VRING_DESC_F_WRITE', short: 'WRITE', aliases: ['VIRTQ_DESC_F_WRITE', 'DescFlags::WRITE'], meaning: WRITE_MEANING, section: '2.7.5' },
  {
    kind: 'desc', value: 4, name: 'VRING_DESC_F_INDIRECT', short: 'INDIRECT', aliases: ['VIRTQ_DESC_F_INDIRECT', 'DescFlags::INDIRECT'],
    meaning: INDIRECT_MEANING, section: '2.7.5.3',
  },
  // Packed descriptors share NEXT/WRITE/INDIRECT values; listed again so flagNames('packed-desc') is complete.
  { kind: 'packed-desc', value: 1, name: 'VRING_DESC_F_NEXT', short: 'NEXT', aliases: ['VIRTQ_DESC_F_NEXT', 'DescFlags::NEXT'], meaning: NEXT_MEANING, section: '2.8.6' },
  { kind: 'packed-desc', value: 2, name: 'VRING_DESC_F_WRITE', short: 'WRITE', aliases: ['VIRTQ_DESC_F_WRITE', 'DescFlags::WRITE'], meaning: WRITE_MEANING, section: '2.8.3' },
  {
    kind: 'packed-desc', value: 4, name: 'VRING_DESC_F_INDIRECT', short: 'INDIRECT', aliases: ['VIRTQ_DESC_F_INDIRECT', 'DescFlags::INDIRECT'],
    meaning: INDIRECT_MEANING, section: '2.8.7',
  },
  {
    kind: 'packed-desc', value: 0x80, name: 'VIRTQ_DESC_F_AVAIL', short: 'AVAIL', aliases: ['DescFlags::AVAIL'],
    meaning: 'Packed ring: set to the driver wrap counter when the driver makes the descriptor available (Linux VRING_PACKED_DESC_F_AVAIL is the bit number 7).',
    section: '2.8.1',
  },
  {
    kind: 'packed-desc', value: 0x8000, name: 'VIRTQ_DESC_F_USED', short: 'USED', aliases: ['DescFlags::USED'],
    meaning: 'Packed ring: set to the inverse of the driver wrap counter when made available, and equal to AVAIL when the device marks it used (Linux VRING_PACKED_DESC_F_USED is the bit number 15).',
    section: '2.8.1',
  },
  {
    kind: 'avail', value: 1, name: 'VRING_AVAIL_F_NO_INTERRUPT', short: 'NO_INTERRUPT', aliases: ['VIRTQ_AVAIL_F_NO_INTERRUPT'],
    meaning: 'The driver asks the device not to send used-buffer notifications (ignored with VIRTIO_F_EVENT_IDX, where avail.flags must be 0).',
    section: '2.7.7',
  },
  {
    kind: 'used', value: 1, name: 'VRING_USED_F_NO_NOTIFY', short: 'NO_NOTIFY', aliases: ['VIRTQ_USED_F_NO_NOTIFY'],
    meaning: 'The device asks the driver not to send available-buffer notifications (ignored with VIRTIO_F_EVENT_IDX).',
    section: '2.7.10',
  },
  {
    kind: 'event', value: 0, name: 'RING_EVENT_FLAGS_ENABLE', short: 'ENABLE', aliases: ['VRING_PACKED_EVENT_FLAG_ENABLE', 'RingEventFlags::Enable'],
    meaning: 'Packed event suppression: notifications enabled.', section: '2.8.14',
  },
  {
    kind: 'event', value: 1, name: 'RING_EVENT_FLAGS_DISABLE', short: 'DISABLE', aliases: ['VRING_PACKED_EVENT_FLAG_DISABLE', 'RingEventFlags::Disable'],
    meaning: 'Packed event suppression: notifications disabled.', section: '2.8.14',
  },
  {
    kind: 'event', value: 2, name: 'RING_EVENT_FLAGS_DESC', short: 'DESC', aliases: ['VRING_PACKED_EVENT_FLAG_DESC', 'RingEventFlags::Desc'],
    meaning: 'Packed event suppression: notify when the descriptor at desc (offset, wrap) is reached; only with VIRTIO_F_EVENT_IDX.',
    section: '2.8.14',
  },
];

/** Linux uapi macros that are bit numbers, not masks (virtio_ring.h): value = bit number. */
export const RING_BIT_NUMBERS: readonly { readonly name: string; readonly bit: number; readonly meaning: string; readonly section: string }[] = [
  { name: 'VRING_PACKED_DESC_F_AVAIL', bit: 7, meaning: 'Bit number of the packed descriptor AVAIL flag (mask 0x80).', section: '2.8.1' },
  { name: 'VRING_PACKED_DESC_F_USED', bit: 15, meaning: 'Bit number of the packed descriptor USED flag (mask 0x8000).', section: '2.8.1' },
  { name: 'VRING_PACKED_EVENT_F_WRAP_CTR', bit: 15, meaning: 'Bit number of the wrap counter in the event suppression desc field (off:15, wrap:1).', section: '2.8.14' },
];

/** Flags of one kind. */
export function ringFlags(kind: RingFlagKind): readonly RingFlagInfo[] {
  return RING_FLAGS.filter((f) => f.kind === kind);
}

/**
 * Short names for a flags value: set bits for bit-set kinds (unknown bits as hex, e.g. `0x8`), or the one
 * enum name for `event` (`reserved (3)` for 3). Only the low 2 bits of an event flags word are the value.
 */
export function flagNames(kind: RingFlagKind, value: number): string[] {
  const flags = ringFlags(kind);
  if (kind === 'event') {
    const v = value & 3;
    return [flags.find((f) => f.value === v)?.short ?? `reserved (${v})`];
  }
  const names: string[] = [];
  for (let bit = 0; bit < 16; bit++) {
    const mask = 1 << bit;
    if ((value & mask) === 0) continue;
    names.push(flags.find((f) => f.value === mask)?.short ?? `0x${mask.toString(16)}`);
  }
  return names;
}

/** `NEXT | WRITE`, or `0` when no flag is set. */
export function formatFlags(kind: RingFlagKind, value: number): string {
  const names = flagNames(kind, value);
  return names.length === 0 ? '0' : names.join(' | ');
}
