import { type GuestMemory } from '../memory';
import { type Chain, type Segment } from './types';

/**
 * Reading and writing a chain's buffers. The device only ever reads readable segments and writes
 * writable ones (§2.7.4.1 / S4), so these helpers are the only way device code touches payloads.
 */

/** Copies up to `max` bytes of the chain's readable part, starting `skip` bytes in. */
export function readChain(mem: GuestMemory, chain: Chain, skip = 0, max = chain.readableBytes): Uint8Array {
  return gather(mem, chain.readable, skip, Math.max(0, Math.min(max, chain.readableBytes - skip)));
}

/** Writes `data` into the chain's writable part starting `offset` bytes in; returns bytes written. */
export function writeChain(mem: GuestMemory, chain: Chain, data: Uint8Array, offset = 0): number {
  return scatter(mem, chain.writable, data, offset);
}

export function gather(mem: GuestMemory, segs: readonly Segment[], skip: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  // The common case, all of it in one segment (a net frame after its header, a blk header): no subarray view.
  let k = 0;
  while (k < segs.length && skip >= segs[k]!.len) skip -= segs[k++]!.len;
  const one = segs[k];
  if (one !== undefined && skip + len <= one.len) {
    if (len > 0) mem.readInto(one.addr + skip, out);
    return out;
  }
  let o = 0;
  for (; k < segs.length; k++) {
    const s = segs[k]!;
    if (o >= len) break;
    if (skip >= s.len) {
      skip -= s.len;
      continue;
    }
    const n = Math.min(s.len - skip, len - o);
    mem.readInto(s.addr + skip, out.subarray(o, o + n));
    o += n;
    skip = 0;
  }
  return out;
}

export function scatter(mem: GuestMemory, segs: readonly Segment[], data: Uint8Array, offset: number): number {
  // The common case, all of it in one segment (a net header or a received frame into its buffer): no subarray view.
  let k = 0;
  while (k < segs.length && offset >= segs[k]!.len) offset -= segs[k++]!.len;
  const one = segs[k];
  if (one !== undefined && offset + data.length <= one.len) {
    if (data.length > 0) mem.write(one.addr + offset, data);
    return data.length;
  }
  let o = 0;
  for (; k < segs.length; k++) {
    const s = segs[k]!;
    if (o >= data.length) break;
    const n = Math.min(s.len - offset, data.length - o);
    mem.write(s.addr + offset, data.subarray(o, o + n));
    o += n;
    offset = 0;
  }
  return o;
}

/** Splits segments at a byte offset: [first `at` bytes, the rest]. */
export function splitSegments(segs: readonly Segment[], at: number): [Segment[], Segment[]] {
  const a: Segment[] = [];
  const b: Segment[] = [];
  for (const s of segs) {
    if (at >= s.len) {
      a.push(s);
      at -= s.len;
    } else if (at > 0) {
      a.push({ addr: s.addr, len: at });
      b.push({ addr: s.addr + at, len: s.len - at });
      at = 0;
    } else b.push(s);
  }
  return [a, b];
}
