/**
 * An independent, deliberately simple judge of split-ring chains for the hostile property test: reads
 * raw bytes (DataView, BigInt addresses), uses Sets for loops, and applies the documented rule order
 * of engine/queue/split/chain-walker.ts (servable breaches are collected, not fatal). It knows nothing of
 * the engine's code.
 */
import { type RingFeatures } from '../../engine/queue/types';

/** `lapses`: servable rules the chain broke (severity 'error'), in the order the walk meets them. */
export type Verdict =
  | { ok: true; readable: [number, number][]; writable: [number, number][]; slots: number; head: number; lapses: string[] }
  | { ok: false; rule: string };

export interface OracleRing {
  bytes: DataView;
  /** Guest address of bytes[0]; memory is exactly [base, base + bytes.byteLength). */
  base: number;
  desc: number;
  avail: number;
  used: number;
  size: number;
  features: RingFeatures;
}

interface RawD {
  addr: bigint;
  len: number;
  flags: number;
  next: number;
}

function at(r: OracleRing, gpa: number): number {
  return gpa - r.base;
}

function readDesc(r: OracleRing, gpa: number): RawD {
  const o = at(r, gpa);
  return { addr: r.bytes.getBigUint64(o, true), len: r.bytes.getUint32(o + 8, true), flags: r.bytes.getUint16(o + 12, true), next: r.bytes.getUint16(o + 14, true) };
}

function inMemory(r: OracleRing, addr: bigint, len: number): boolean {
  return addr >= BigInt(r.base) && addr + BigInt(len) <= BigInt(r.base + r.bytes.byteLength);
}

/** Does [addr, addr + len) share a byte with the descriptor table, the available ring or the used ring? */
function onRing(r: OracleRing, addr: bigint, len: number): boolean {
  const parts: [number, number][] = [
    [r.desc, 16 * r.size],
    [r.avail, 6 + 2 * r.size],
    [r.used, 6 + 8 * r.size],
  ];
  return parts.some(([start, bytes]) => addr < BigInt(start + bytes) && addr + BigInt(len) > BigInt(start));
}

/** Judges avail.idx like a fresh device at `lastAvail` that last accepted `seen`. */
export function judgeIdx(idx: number, lastAvail: number, seen: number, size: number): string | undefined {
  const ahead = (idx - lastAvail + 0x10000) % 0x10000;
  if (ahead > size) return (idx - seen + 0x10000) % 0x10000 > 32768 ? 'split-avail-idx-decrement' : 'split-avail-idx-jump';
  const back = (seen - idx + 0x10000) % 0x10000;
  return back !== 0 && back <= (seen - lastAvail + 0x10000) % 0x10000 ? 'split-avail-idx-decrement' : undefined;
}

/** The chain published at avail position `position`. `expectedHead`: IN_ORDER head, or -1. */
export function judgeChain(r: OracleRing, position: number, expectedHead: number): Verdict {
  const bad = (rule: string): Verdict => ({ ok: false, rule });
  const slot = position % r.size;
  const head = r.bytes.getUint16(at(r, r.avail + 4 + 2 * slot), true);
  if (head >= r.size) return bad('split-avail-head-out-of-range');
  if (expectedHead >= 0 && head !== expectedHead) return bad('split-in-order-violation');
  const readable: [number, number][] = [];
  const writable: [number, number][] = [];
  let total = 0;
  let count = 0;
  let slots = 0;
  const lapses: string[] = [];

  // Returns a rule id when the data descriptor is bad.
  const data = (d: RawD): string | undefined => {
    if (d.len === 0) return 'split-desc-zero-length';
    if (!inMemory(r, d.addr, d.len)) return 'split-desc-out-of-memory';
    if (onRing(r, d.addr, d.len)) return 'split-buffer-overlaps-ring';
    if (d.flags & 2) writable.push([Number(d.addr), d.len]);
    else if (writable.length > 0) return 'split-write-before-read';
    else readable.push([Number(d.addr), d.len]);
    count++;
    total += d.len;
    if (total > 2 ** 32) return 'split-chain-loop';
    return undefined;
  };

  const visited = new Set<number>();
  let i = head;
  for (;;) {
    if (visited.has(i)) return bad('split-chain-loop');
    visited.add(i);
    slots++;
    const d = readDesc(r, r.desc + 16 * i);
    if (d.flags & 4) {
      if (!r.features.indirect) lapses.push('split-indirect-not-negotiated');
      if (d.flags & 1) lapses.push('split-indirect-with-next');
      if (d.len === 0 || d.len % 16 !== 0) return bad('split-indirect-bad-length');
      if (!inMemory(r, d.addr, d.len)) return bad('split-desc-out-of-memory');
      if (onRing(r, d.addr, d.len)) return bad('split-buffer-overlaps-ring');
      const table = Number(d.addr);
      const n = d.len / 16;
      const seen = new Set<number>();
      let j = 0;
      for (;;) {
        if (seen.has(j)) return bad('split-chain-loop');
        seen.add(j);
        if (count === r.size) lapses.push('split-chain-too-long');
        const e = readDesc(r, table + 16 * j);
        if (e.flags & 4) return bad('split-indirect-nested');
        const problem = data(e);
        if (problem) return bad(problem);
        if (!(e.flags & 1)) break;
        if (e.next >= n) return bad('split-desc-next-out-of-range');
        if (r.features.inOrder && e.next !== j + 1 && !seen.has(e.next)) return bad('split-in-order-violation');
        j = e.next;
      }
      break;
    }
    const problem = data(d);
    if (problem) return bad(problem);
    if (!(d.flags & 1)) break;
    if (d.next >= r.size) return bad('split-desc-next-out-of-range');
    if (r.features.inOrder && d.next !== (i + 1) % r.size && !visited.has(d.next)) return bad('split-in-order-violation');
    i = d.next;
  }
  return { ok: true, readable, writable, slots, head, lapses };
}
