/**
 * Which packed-ring rules the reference driver can break on purpose (FaultPlan), and the small
 * transformations of a descriptor list that commit them. The ring (packed-ring.ts) applies them.
 */
import { type GuestMemory } from '../../memory';
import { type RingFeatures } from '../../queue/types';
import { type RuleId, ruleIdsOf } from '../../rules';

/** One buffer of a list before it is written to the ring (or an indirect table). */
export interface ListEntry {
  addr: number;
  len: number;
  write: boolean;
}

/** Rules committed where the ring is placed (constructor option `fault`). */
export const PACKED_PLACEMENT_FAULTS: ReadonlySet<RuleId> = new Set<RuleId>(['packed-ring-misaligned', 'packed-ring-unmapped', 'packed-ring-overlap']);

/** Rules injectFault() commits on a later add()/publish()/notification, with the features each needs. */
const RING_FAULTS: Readonly<Partial<Record<RuleId, (f: RingFeatures) => boolean>>> = {
  'packed-desc-out-of-memory': () => true,
  'packed-desc-zero-length': () => true,
  'packed-write-before-read': () => true,
  'packed-chain-too-long': () => true,
  'packed-desc-flags-inconsistent': () => true,
  'packed-indirect-not-negotiated': (f) => !f.indirect,
  'packed-indirect-flags': (f) => f.indirect,
  'packed-indirect-in-chain': (f) => f.indirect,
  'packed-indirect-bad-length': (f) => f.indirect,
  'packed-event-flags-invalid': () => true,
  'packed-notify-data-mismatch': (f) => f.notificationData,
  'packed-in-order-violation': (f) => f.inOrder,
  'packed-published-desc-modified': () => true,
  'packed-notify-suppressed': () => true,
  'packed-notify-missing': () => true,
  'packed-buffer-overlaps-ring': () => true,
  'packed-id-in-flight': () => true,
};

export function canCommit(rule: RuleId, features: RingFeatures): boolean {
  const needs = RING_FAULTS[rule];
  return needs !== undefined && needs(features);
}

/** Every rule the packed driver ring can commit (ring faults and placement faults). */
export function committableRules(): RuleId[] {
  return [...ruleIdsOf(RING_FAULTS), ...PACKED_PLACEMENT_FAULTS];
}

/** At least two descriptors: splits the first buffer in halves (or repeats it when it is 1 byte long). */
export function atLeastTwo(entries: ListEntry[]): ListEntry[] {
  if (entries.length >= 2) return entries;
  const e = entries[0]!;
  if (e.len < 2) return [e, { ...e }];
  const half = Math.floor(e.len / 2);
  return [
    { addr: e.addr, len: half, write: e.write },
    { addr: e.addr + half, len: e.len - half, write: e.write },
  ];
}

/** A list with a device-readable descriptor after a device-writable one (§2.8.17 / P6). */
export function writeBeforeRead(entries: ListEntry[]): ListEntry[] {
  const out = atLeastTwo(entries).map((e) => ({ ...e }));
  const writable = out.filter((e) => e.write);
  const readable = out.filter((e) => !e.write);
  if (writable.length && readable.length) return [...writable, ...readable];
  if (readable.length) out[0]!.write = true;
  else out[out.length - 1]!.write = false;
  return out;
}

/** A guest-physical address beyond every memory region, 16-byte aligned. */
export function unmappedAddress(mem: GuestMemory): number {
  return Math.ceil((memoryEnd(mem) + 0x10000) / 16) * 16;
}

/** The end of the highest memory region (placement faults straddle it). */
export function memoryEnd(mem: GuestMemory): number {
  let end = 0;
  for (const r of mem.list()) end = Math.max(end, r.gpa + r.size);
  return end;
}

/** How a list goes into the ring, after the fault armed for it (if any) had its way. */
export interface ShapedList {
  entries: ListEntry[];
  indirect: boolean;
  /** packed-chain-too-long: fill every free slot with entries[0], all with NEXT. */
  tooLong: boolean;
  /** packed-desc-flags-inconsistent: the second descriptor gets the other wrap counter's AVAIL/USED. */
  wrongWrap: boolean;
}

/** `ringAddr`: the descriptor ring's address (packed-buffer-overlaps-ring puts the last buffer there). */
export function shapeList(fault: RuleId | undefined, entries: ListEntry[], indirect: boolean, mem: GuestMemory, ringAddr: number): ShapedList {
  const out: ShapedList = { entries, indirect, tooLong: false, wrongWrap: false };
  switch (fault) {
    case 'packed-buffer-overlaps-ring':
      out.entries = [...entries.slice(0, -1), { ...entries[entries.length - 1]!, addr: ringAddr }];
      break;
    case 'packed-desc-zero-length':
      out.entries = [{ ...entries[0]!, len: 0 }, ...entries.slice(1)];
      break;
    case 'packed-desc-out-of-memory':
      out.entries = [{ ...entries[0]!, addr: unmappedAddress(mem) }, ...entries.slice(1)];
      break;
    case 'packed-write-before-read':
      out.entries = writeBeforeRead(entries);
      break;
    case 'packed-chain-too-long':
      out.indirect = false;
      out.tooLong = true;
      break;
    case 'packed-desc-flags-inconsistent':
      out.indirect = false;
      out.entries = atLeastTwo(entries);
      out.wrongWrap = true;
      break;
    case 'packed-indirect-not-negotiated':
    case 'packed-indirect-flags':
    case 'packed-indirect-in-chain':
    case 'packed-indirect-bad-length':
      out.indirect = true;
      break;
  }
  return out;
}
