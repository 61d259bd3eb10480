/**
 * Pure judgements of split-ring state the driver controls: ring placement (§2.7 alignment table,
 * mapped memory), avail.idx movement (§2.7.13.3, §2.7.6.1) and avail.flags (§2.7.7.1). Each returns the
 * problem (rule id and message) or undefined; the queue decides what to report and whether to stop.
 */
import { type GuestMemory } from '../../memory';
import { u16 } from '../event-idx';
import { hex, type WalkProblem } from './chain-walker';
import { availRingBytes, descTableBytes, SPLIT_ALIGN, splitRingRanges, usedRingBytes, VIRTQ_AVAIL_F_NO_INTERRUPT } from './layout';

/** S1 alignment, then every part mapped for its full size (the event fields included), then no two parts overlapping. */
export function checkPlacement(mem: GuestMemory, desc: number, avail: number, used: number, size: number): WalkProblem | undefined {
  const misaligned: string[] = [];
  if (desc % SPLIT_ALIGN.desc) misaligned.push(`descriptor table ${hex(desc)} (needs 16-byte alignment)`);
  if (avail % SPLIT_ALIGN.avail) misaligned.push(`available ring ${hex(avail)} (needs 2-byte alignment)`);
  if (used % SPLIT_ALIGN.used) misaligned.push(`used ring ${hex(used)} (needs 4-byte alignment)`);
  if (misaligned.length) return { rule: 'split-ring-misaligned', message: `misaligned ${misaligned.join(', ')}` };
  const unmapped: string[] = [];
  const parts: [string, number, number][] = [
    ['descriptor table', desc, descTableBytes(size)],
    ['available ring', avail, availRingBytes(size)],
    ['used ring', used, usedRingBytes(size)],
  ];
  for (const [what, addr, bytes] of parts) {
    if (!mem.isValid(addr, bytes)) unmapped.push(`${what} ${hex(addr)}..${hex(addr + bytes)} (${bytes} bytes)`);
  }
  if (unmapped.length) return { rule: 'split-ring-unmapped', message: `not in guest memory: ${unmapped.join(', ')}` };
  const overlap = splitRingRanges(desc, avail, used, size).overlap();
  if (overlap) return { rule: 'split-ring-overlap', message: `${overlap}: each part needs its own memory` };
  return undefined;
}

/**
 * Judges a new avail.idx value (§2.7.13.3, §2.7.6.1 / S9). `lastAvail`: the device's next index;
 * `seen`: the last value it accepted (lastAvail ≤ seen ≤ lastAvail + size).
 */
export function judgeAvailIdx(idx: number, lastAvail: number, seen: number, size: number): WalkProblem | undefined {
  const ahead = u16(idx - lastAvail);
  if (ahead > size) {
    // Far ahead of lastAvail: either a jump, or (closer to the value seen last going backwards) a decrement.
    if (u16(idx - seen) > 0x8000) {
      return { rule: 'split-avail-idx-decrement', message: `avail.idx went back from ${seen} to ${idx} (the device's last_avail_idx is ${lastAvail})` };
    }
    return {
      rule: 'split-avail-idx-jump',
      message: `avail.idx is ${idx}, ${ahead} entries ahead of the device's last_avail_idx ${lastAvail}: more than the queue size ${size}`,
    };
  }
  const back = u16(seen - idx);
  if (back !== 0 && back <= u16(seen - lastAvail)) {
    return { rule: 'split-avail-idx-decrement', message: `avail.idx went back from ${seen} to ${idx} (the device's last_avail_idx is ${lastAvail})` };
  }
  return undefined;
}

/** §2.7.7.1 (S10): 0 or NO_INTERRUPT without EVENT_IDX, 0 with it. */
export function judgeAvailFlags(flags: number, eventIdx: boolean): WalkProblem | undefined {
  if (eventIdx ? flags === 0 : (flags & ~VIRTQ_AVAIL_F_NO_INTERRUPT) === 0) return undefined;
  return {
    rule: 'split-avail-flags-invalid',
    message: eventIdx
      ? `avail.flags is ${hex(flags)}; with VIRTIO_F_EVENT_IDX the driver must write 0 (and use used_event instead)`
      : `avail.flags is ${hex(flags)}; only 0 or VIRTQ_AVAIL_F_NO_INTERRUPT (1) are allowed`,
  };
}
