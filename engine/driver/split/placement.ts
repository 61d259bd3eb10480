/**
 * Allocates the three parts of a split ring (§2.7 alignment table) and zeroes them (S14: used.flags
 * starts at 0). Placement faults put a part where the device must reject it.
 */
import { type GuestMemory } from '../../memory';
import { availRingBytes, descTableBytes, SPLIT_ALIGN, usedRingBytes } from '../../queue/split/layout';
import { type RuleId } from '../../rules';
import { type GuestAllocator } from '../allocator';

export interface SplitPlacement {
  desc: number;
  avail: number;
  used: number;
}

/** Garbage a driver that forgot to zero the used ring leaves in used.flags (bit 0 reads as NO_NOTIFY). */
export const GARBAGE_USED_FLAGS = 0xa5a5;

/** First guest-physical address above every memory region. */
export function guestMemoryEnd(mem: GuestMemory): number {
  let end = 0;
  for (const r of mem.list()) end = Math.max(end, r.gpa + r.size);
  return end;
}

export function placeSplitRing(mem: GuestMemory, alloc: GuestAllocator, size: number, fault?: RuleId): SplitPlacement {
  const desc = alloc.alloc(descTableBytes(size), SPLIT_ALIGN.desc);
  // split-ring-overlap: the available ring placed on the descriptor table (both programmed at one address).
  const avail = fault === 'split-ring-overlap' ? desc : alloc.alloc(availRingBytes(size), SPLIT_ALIGN.avail);
  let used: number;
  if (fault === 'split-ring-misaligned') {
    // 2-aligned but not 4-aligned, the classic "packed right after the available ring" mistake.
    used = alloc.alloc(usedRingBytes(size) + SPLIT_ALIGN.used, SPLIT_ALIGN.used) + 2;
  } else if (fault === 'split-ring-unmapped') {
    used = Math.ceil(guestMemoryEnd(mem) / 4096) * 4096 + 4096;
  } else {
    used = alloc.alloc(usedRingBytes(size), SPLIT_ALIGN.used);
  }
  for (const [addr, bytes] of [
    [desc, descTableBytes(size)],
    [avail, availRingBytes(size)],
    [used, usedRingBytes(size)],
  ] as const) {
    if (mem.isValid(addr, bytes)) mem.fill(addr, bytes, 0);
  }
  if (fault === 'split-used-flags-not-zero') mem.writeU16(used, GARBAGE_USED_FLAGS);
  return { desc, avail, used };
}
