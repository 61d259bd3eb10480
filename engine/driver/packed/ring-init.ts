/**
 * Where the driver puts its descriptor ring (align 16, §2.8.11) — or, for a placement fault, where it
 * misplaces it — and how it initialises the ring for a given start position.
 */
import { type GuestMemory } from '../../memory';
import { DESC_OFF_FLAGS, PACKED_DESC_SIZE, posSlot, posWrap, usedFlags } from '../../queue/packed/layout';
import { type RuleId } from '../../rules';
import { type GuestAllocator } from '../allocator';
import { memoryEnd } from './faults';

export interface PlacedRing {
  addr: number;
  /** Bytes of the ring that lie in guest memory (all of it unless packed-ring-unmapped). */
  mapped: number;
}

export function placeDescRing(alloc: GuestAllocator, mem: GuestMemory, size: number, placement: RuleId | undefined): PlacedRing {
  const bytes = size * PACKED_DESC_SIZE;
  if (placement === 'packed-ring-misaligned') return { addr: alloc.alloc(bytes + 16, 16) + 8, mapped: bytes };
  if (placement === 'packed-ring-unmapped') {
    // Straddle the end of guest memory: the head of the ring is mapped, its tail is not.
    const end = memoryEnd(mem);
    const addr = Math.max(0, Math.floor((end - 8 * size) / 16) * 16);
    return { addr, mapped: Math.min(bytes, Math.max(0, end - addr)) };
  }
  return { addr: alloc.alloc(bytes, 16), mapped: bytes };
}

/**
 * Zeroes the (mapped part of the) ring. Zero is right for the spec's start (slot 0, wrap 1, §2.8.1); for
 * another start position every slot must look "used in the lap before the one that reaches it next", so
 * neither side mistakes it for available or used.
 */
export function initDescRing(mem: GuestMemory, ring: PlacedRing, size: number, start: number): void {
  if (ring.mapped > 0) mem.fill(ring.addr, ring.mapped, 0);
  const slot0 = posSlot(start, size);
  const wrap = posWrap(start, size);
  if (slot0 === 0 && wrap) return;
  for (let s = 0; s < size && (s + 1) * PACKED_DESC_SIZE <= ring.mapped; s++) {
    const flags = usedFlags(s >= slot0 ? !wrap : wrap);
    if (flags) mem.writeU16(ring.addr + s * PACKED_DESC_SIZE + DESC_OFF_FLAGS, flags);
  }
}
