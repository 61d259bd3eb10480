/**
 * Independent oracles for the packed-ring property tests. They restate the spec in the plainest way
 * (absolute slot counters, whole-ring snapshots, BigInt addresses) instead of reusing engine code.
 */
import { mulberry32 } from '../../engine/driver/workloads/prng';

/** One generated integer describes a whole list (mulberry32). */
export const rng = mulberry32;

/**
 * §2.8.10 RING_EVENT_FLAGS_DESC: was the descriptor position (off, wrap) among the positions a side
 * moved over, absolute slots [from, to) counted from a start at (slot0, wrap0)? Slot a lies in lap
 * floor((slot0 + a) / size), whose wrap counter is wrap0 flipped once per lap.
 */
export function eventCrossed(from: number, to: number, off: number, wrap: 0 | 1, size: number, slot0: number, wrap0: 0 | 1): boolean {
  if (to <= from || off >= size) return false;
  const end = slot0 + to; // exclusive, in ring coordinates from slot 0 of the first lap
  let lap = Math.floor((end - 1 - off) / size);
  if (lap < 0) return false;
  if (((wrap0 ^ (lap & 1)) as 0 | 1) !== wrap) lap -= 1;
  if (lap < 0) return false;
  return off + lap * size >= slot0 + from;
}

/** What the device must conclude about the descriptor list at one ring position. */
export type ListVerdict =
  | { kind: 'none' }
  | { kind: 'problem'; rule: string }
  | {
      kind: 'list';
      slots: number;
      id: number;
      readable: { addr: number; len: number }[];
      writable: { addr: number; len: number }[];
      /** Servable rules the list broke (severity 'error'): reported, the list is served. */
      lapses: string[];
    };

export interface RingImage {
  /** The descriptor ring bytes (16 × size) and the guest RAM window for address checks. */
  ring: DataView;
  size: number;
  ramStart: bigint;
  ramEnd: bigint;
  /** The ring's parts as [start, end): the descriptor ring and both event suppression structures. */
  parts: [bigint, bigint][];
  /** Reads a 16-byte indirect entry; undefined when any byte is outside RAM. */
  readEntry(addr: bigint): { addr: bigint; len: number; id: number; flags: number } | undefined;
  indirect: boolean;
  inOrder: boolean;
}

interface RawDesc {
  slot: number;
  addr: bigint;
  len: number;
  id: number;
  flags: number;
  wrap: boolean;
}

const NEXT = 1;
const WRITE = 2;
const INDIRECT = 4;

/** AVAIL (bit 7) equals the reader's wrap counter and USED (bit 15) differs from it. */
function isAvail(flags: number, wrap: boolean): boolean {
  return ((flags >> 7) & 1) === (wrap ? 1 : 0) && ((flags >> 15) & 1) === (wrap ? 0 : 1);
}

/**
 * Judges the list starting at `slot` with wrap counter `wrap` when `free` ring slots may be used, given the
 * previous buffer id (-1: none) for IN_ORDER. Checks in the documented order of engine/queue/packed/walker.ts.
 */
export function judgeList(img: RingImage, slot: number, wrap: boolean, free: number, prevId: number): ListVerdict {
  const { ring, size } = img;
  const read = (s: number, w: boolean): RawDesc => ({
    slot: s,
    addr: ring.getBigUint64(s * 16, true),
    len: ring.getUint32(s * 16 + 8, true),
    id: ring.getUint16(s * 16 + 12, true),
    flags: ring.getUint16(s * 16 + 14, true),
    wrap: w,
  });
  const inRam = (addr: bigint, len: number) => addr >= img.ramStart && addr + BigInt(len) <= img.ramEnd;

  // Walk the list descriptor by descriptor, judging each before looking at the next.
  const list: RawDesc[] = [];
  let d = read(slot, wrap);
  if (!isAvail(d.flags, wrap)) return { kind: 'none' };
  let s = slot;
  let w = wrap;
  let seenWrite = false;
  const lapses: string[] = [];
  for (;;) {
    if (list.length >= free) return { kind: 'problem', rule: 'packed-chain-too-long' };
    list.push(d);
    const problem = judgeDesc(img, d, list.length, inRam, lapses);
    if (problem) return problem;
    if (!(d.flags & INDIRECT)) {
      if (d.flags & WRITE) seenWrite = true;
      else if (seenWrite) return { kind: 'problem', rule: 'packed-write-before-read' };
    }
    if (!(d.flags & NEXT)) break;
    if (list.length >= free) return { kind: 'problem', rule: 'packed-chain-too-long' };
    s += 1;
    if (s === size) {
      s = 0;
      w = !w;
    }
    d = read(s, w);
    if (!isAvail(d.flags, w)) return { kind: 'problem', rule: 'packed-desc-flags-inconsistent' };
  }

  const readable: { addr: number; len: number }[] = [];
  const writable: { addr: number; len: number }[] = [];
  for (const x of list) {
    const entries =
      x.flags & INDIRECT
        ? Array.from({ length: x.len / 16 }, (_, j) => img.readEntry(x.addr + BigInt(j * 16))!)
        : [{ addr: x.addr, len: x.len, flags: x.flags }];
    for (const e of entries) (e.flags & WRITE ? writable : readable).push({ addr: Number(e.addr), len: e.len });
  }
  const id = list[list.length - 1]!.id;
  if (img.inOrder && prevId >= 0 && id !== (prevId + 1) % size && id !== slot) {
    return { kind: 'problem', rule: 'packed-in-order-violation' };
  }
  return { kind: 'list', slots: list.length, id, readable, writable, lapses };
}

/** Per-descriptor checks that do not depend on the rest of the list (order as in the walker). */
function judgeDesc(
  img: RingImage,
  d: RawDesc,
  position: number,
  inRam: (a: bigint, l: number) => boolean,
  lapses: string[],
): ListVerdict | undefined {
  if (d.flags & INDIRECT) {
    if (!img.indirect) lapses.push('packed-indirect-not-negotiated');
    if (position > 1 || d.flags & NEXT) return { kind: 'problem', rule: 'packed-indirect-in-chain' };
    if (d.len === 0 || d.len % 16 !== 0) return { kind: 'problem', rule: 'packed-indirect-bad-length' };
    if (d.len / 16 > img.size) return { kind: 'problem', rule: 'packed-chain-too-long' };
    if (!inRam(d.addr, d.len)) return { kind: 'problem', rule: 'packed-desc-out-of-memory' };
    if (onRing(img, d.addr, d.len)) return { kind: 'problem', rule: 'packed-buffer-overlaps-ring' };
    // Entries are judged in order with the buffers (their write order depends on earlier entries).
    for (let j = 0; j < d.len / 16; j++) {
      const e = img.readEntry(d.addr + BigInt(j * 16))!;
      if (e.flags & ~WRITE) return { kind: 'problem', rule: 'packed-indirect-flags' };
      if (e.len === 0) return { kind: 'problem', rule: 'packed-desc-zero-length' };
      if (!inRam(e.addr, e.len)) return { kind: 'problem', rule: 'packed-desc-out-of-memory' };
      if (onRing(img, e.addr, e.len)) return { kind: 'problem', rule: 'packed-buffer-overlaps-ring' };
      const laterRead = !(e.flags & WRITE);
      if (laterRead) {
        for (let k = 0; k < j; k++) {
          if (img.readEntry(d.addr + BigInt(k * 16))!.flags & WRITE) return { kind: 'problem', rule: 'packed-write-before-read' };
        }
      }
    }
    return undefined;
  }
  if (d.len === 0) return { kind: 'problem', rule: 'packed-desc-zero-length' };
  if (!inRam(d.addr, d.len)) return { kind: 'problem', rule: 'packed-desc-out-of-memory' };
  if (onRing(img, d.addr, d.len)) return { kind: 'problem', rule: 'packed-buffer-overlaps-ring' };
  return undefined;
}

function onRing(img: RingImage, addr: bigint, len: number): boolean {
  return img.parts.some(([start, end]) => addr < end && addr + BigInt(len) > start);
}
