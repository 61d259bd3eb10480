/**
 * The guest-address ranges of one queue's ring parts, computed once when the queue is set up, so that judging
 * a buffer against them costs two comparisons in the common case (a buffer outside the parts' envelope) and at
 * most one per part otherwise: no per-byte work on the chain path (issue 13 measures chains per second).
 */
import { hex } from '../wire/hex';

/** One part of a ring: [start, end) in guest-physical addresses. */
export interface RingPart {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

export class RingRanges {
  /** Envelope of every part: a buffer outside [lo, hi) touches none. */
  private readonly lo: number;
  private readonly hi: number;

  constructor(readonly parts: readonly RingPart[]) {
    this.lo = Math.min(...parts.map((p) => p.start));
    this.hi = Math.max(...parts.map((p) => p.end));
  }

  /** Two parts that share at least one byte, described for a message; undefined when all are disjoint. */
  overlap(): string | undefined {
    const ps = this.parts;
    for (let i = 0; i < ps.length; i++) {
      for (let j = i + 1; j < ps.length; j++) {
        const a = ps[i]!;
        const b = ps[j]!;
        if (a.start < b.end && b.start < a.end) return `the ${describe(a)} overlaps the ${describe(b)}`;
      }
    }
    return undefined;
  }

  /** The part that [addr, addr + len) overlaps, if any. */
  hit(addr: number, len: number): RingPart | undefined {
    const end = addr + len;
    if (addr >= this.hi || end <= this.lo) return undefined;
    for (const p of this.parts) if (addr < p.end && end > p.start) return p;
    return undefined;
  }
}

/** "descriptor table 0x1000..0x1100". */
export function describe(p: RingPart): string {
  return `${p.name} ${hex(p.start)}..${hex(p.end)}`;
}
