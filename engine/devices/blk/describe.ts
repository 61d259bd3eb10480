/**
 * One-line trace summary of a blk request chain ("OUT sector 2048 len 4096", "DISCARD 2 segments"), from
 * the engine/decode blk request decoder and summary.
 *
 * The decoder takes lengths from the buffers it is given and reads only their first bytes (header, range
 * segments) before completion. So the buffers are views of two zero-filled scratch buffers kept across
 * calls — not a fresh allocation of the request's whole size for every chain, which made `--trace` cost
 * more than the I/O for large requests (and tried to allocate gigabytes for hostile ones).
 */
import { decodeBlkRequest } from '../../decode/blk-request';
import { summarizeBlk } from '../../decode/summary';
import { type GuestMemory } from '../../memory';
import { type Chain } from '../../queue/types';
import { BLK_REQ_HEADER_SIZE, BLK_SEGMENT_SIZE } from '../../spec-tables';

/** Readable bytes copied for the decoder: the header and up to 64 segments (payload bytes are not needed). */
const READ_AT_MOST = BLK_REQ_HEADER_SIZE + 64 * BLK_SEGMENT_SIZE;
/** Largest chain described (bigger ones are refused before any I/O anyway). */
const DESCRIBE_AT_MOST = 256 << 20;

let readScratch: Uint8Array = new Uint8Array(0);
let zeros: Uint8Array = new Uint8Array(0);

/** A zero-filled buffer of at least `n` bytes (grown by doubling; untouched pages cost no memory). */
function grow(buf: Uint8Array, n: number): Uint8Array {
  if (buf.length >= n) return buf;
  return new Uint8Array(Math.max(n, Math.min(DESCRIBE_AT_MOST, buf.length * 2), 4096));
}

export function describeBlkChain(mem: GuestMemory, chain: Chain): string {
  if (chain.readableBytes > DESCRIBE_AT_MOST || chain.writableBytes > DESCRIBE_AT_MOST) {
    return `${chain.readableBytes} readable + ${chain.writableBytes} writable bytes (too large to decode)`;
  }
  readScratch = grow(readScratch, chain.readableBytes);
  zeros = grow(zeros, chain.writableBytes);
  const head = Math.min(chain.readableBytes, READ_AT_MOST);
  const readable = readScratch.subarray(0, chain.readableBytes);
  let at = 0;
  try {
    for (const s of chain.readable) {
      if (at >= head) break;
      const n = Math.min(s.len, head - at);
      mem.readInto(s.addr, readable.subarray(at, at + n));
      at += n;
    }
    return summarizeBlk(decodeBlkRequest(readable, zeros.subarray(0, chain.writableBytes), { completed: false }));
  } finally {
    readScratch.fill(0, 0, at); // the scratch stays zero beyond what the next call fills in
  }
}
