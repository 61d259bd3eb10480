/**
 * Side-effect-free rendering of a split ring's memory for the debugger and webviews (SplitRingDto).
 * Uses GuestMemory.peek, which never throws: an unmapped part is shown empty.
 */
import { type DescriptorDto, type SplitRingDto } from '../../../protocol/snapshot';
import { type GuestMemory } from '../../memory';
import { availRingOffset, availEventOffset, SPLIT_DESC_SIZE, splitDescFlagNames, usedEventOffset, usedRingOffset } from './layout';

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Reads descriptors [0, count) of the table at `gpa`; entries that are not readable are left out. */
export function peekDescriptors(mem: GuestMemory, gpa: number, count: number): DescriptorDto[] {
  const out: DescriptorDto[] = [];
  const all = mem.peek(gpa, count * SPLIT_DESC_SIZE);
  for (let i = 0; i < count; i++) {
    const bytes = all ? all.subarray(i * SPLIT_DESC_SIZE, (i + 1) * SPLIT_DESC_SIZE) : mem.peek(gpa + i * SPLIT_DESC_SIZE, SPLIT_DESC_SIZE);
    if (!bytes) continue;
    const v = view(bytes);
    const flags = v.getUint16(12, true);
    out.push({
      index: i,
      addr: `0x${v.getBigUint64(0, true).toString(16)}`,
      len: v.getUint32(8, true),
      flags,
      flagNames: splitDescFlagNames(flags),
      next: v.getUint16(14, true),
    });
  }
  return out;
}

export interface SplitRingPlacement {
  desc: number;
  avail: number;
  used: number;
  size: number;
  eventIdx: boolean;
}

/** The three parts of a split ring, each ring bounded by `maxEntries` (from slot 0). */
export function inspectSplitRing(mem: GuestMemory, r: SplitRingPlacement, maxEntries: number): SplitRingDto {
  const n = Math.max(0, Math.min(r.size, Math.floor(maxEntries)));
  const avail = mem.peek(r.avail, availRingOffset(n));
  const used = mem.peek(r.used, usedRingOffset(n));
  const usedEvent = r.eventIdx ? mem.peek(r.avail + usedEventOffset(r.size), 2) : undefined;
  const availEvent = r.eventIdx ? mem.peek(r.used + availEventOffset(r.size), 2) : undefined;
  const a = avail && view(avail);
  const u = used && view(used);
  const availRing: number[] = [];
  const usedRing: { id: number; len: number }[] = [];
  for (let i = 0; i < n; i++) {
    if (a) availRing.push(a.getUint16(availRingOffset(i), true));
    if (u) usedRing.push({ id: u.getUint32(usedRingOffset(i), true), len: u.getUint32(usedRingOffset(i) + 4, true) });
  }
  return {
    layout: 'split',
    desc: peekDescriptors(mem, r.desc, n),
    avail: {
      flags: a ? a.getUint16(0, true) : 0,
      idx: a ? a.getUint16(2, true) : 0,
      ring: availRing,
      ...(usedEvent ? { usedEvent: view(usedEvent).getUint16(0, true) } : {}),
    },
    used: {
      flags: u ? u.getUint16(0, true) : 0,
      idx: u ? u.getUint16(2, true) : 0,
      ring: usedRing,
      ...(availEvent ? { availEvent: view(availEvent).getUint16(0, true) } : {}),
    },
  };
}
