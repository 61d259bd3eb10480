/**
 * One-line trace summary of a blk request chain ("OUT sector 2048 len 4096", "DISCARD 2 segments"), from
 * the engine/decode blk request decoder and summary.
 *
 * The decoder takes lengths from the buffers it is given and reads only their first bytes (header, range
 * segments) before completion. So the buffers are views of two zero-filled scratch buffers kept across
 * calls — not a fresh allocation of the request's whole size for every chain, which made `--trace` cost
 * more than the I/O for large requests (and tried to allocate gigabytes for hostile ones).
 *
 * The requests that make up the traffic (IN, OUT, FLUSH, GET_ID... every type but the segment ones, with a whole
 * header) are summarised from the 16-byte header and the chain's lengths (`headerSummary`), the same text the
 * decoder's path gives (test/engine/devices/blk/describe.test.ts holds the two equal): building the decoder's
 * fields and values for every request was about 37 µs of each 4 KiB write a debug session traced (issue 13,
 * figure 2), before the device touched the request.
 */
import { decodeBlkRequest } from '../../decode/blk-request';
import { summarizeBlk } from '../../decode/summary';
import { type GuestMemory } from '../../memory';
import { type Chain } from '../../queue/types';
import { BLK_REQ_HEADER_SIZE, BLK_SEGMENT_SIZE, BLK_T_BARRIER, blkRequestType } from '../../spec-tables';

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

/** Types whose summary comes from their segments (the decoder's SEGMENTED): decoded. */
const SEGMENTED = new Set(['DISCARD', 'WRITE_ZEROES', 'SECURE_ERASE']);
const header = new Uint8Array(BLK_REQ_HEADER_SIZE);
const headerView = new DataView(header.buffer);

/**
 * summarizeBlk(decodeBlkRequest(...)) of a request that is not completed, from its header alone; undefined when
 * the decoder has more to say (segments, an unknown type, a header cut short) or when a byte the decoder's path
 * reads is outside guest memory (it throws there, and so must this path).
 */
function headerSummary(mem: GuestMemory, chain: Chain): string | undefined {
  if (chain.readableBytes < BLK_REQ_HEADER_SIZE) return undefined;
  // The decoder's path reads the first READ_AT_MOST readable bytes: all of them must be readable here too.
  let at = 0;
  for (const s of chain.readable) {
    if (at >= READ_AT_MOST) break;
    const n = Math.min(s.len, READ_AT_MOST - at);
    if (!mem.find(s.addr, n) && !mem.isValid(s.addr, n)) return undefined;
    if (at < BLK_REQ_HEADER_SIZE) mem.readInto(s.addr, header.subarray(at, Math.min(BLK_REQ_HEADER_SIZE, at + n)));
    at += n;
  }
  const rawType = headerView.getUint32(0, true);
  const barrier = rawType >= BLK_T_BARRIER;
  const info = blkRequestType(barrier ? rawType - BLK_T_BARRIER : rawType);
  if (!info || SEGMENTED.has(info.short)) return undefined;
  const type = info.short;
  let s = type;
  if (type === 'IN' || type === 'OUT' || type.startsWith('ZONE_')) {
    const lo = headerView.getUint32(8, true);
    const hi = headerView.getUint32(12, true);
    s += ` sector ${hi < 0x20_0000 ? hi * 0x1_0000_0000 + lo : ((BigInt(hi) << 32n) + BigInt(lo)).toString()}`;
  }
  if (type === 'IN' || type === 'OUT' || type === 'ZONE_APPEND' || type === 'ZONE_REPORT') {
    const readData = chain.readableBytes - BLK_REQ_HEADER_SIZE;
    const writeData = Math.max(0, chain.writableBytes - 1);
    s += ` len ${info.data === 'writable' ? writeData : info.data === 'readable' ? readData : readData + writeData}`;
  }
  return barrier ? s + ' BARRIER' : s;
}

export function describeBlkChain(mem: GuestMemory, chain: Chain): string {
  if (chain.readableBytes > DESCRIBE_AT_MOST || chain.writableBytes > DESCRIBE_AT_MOST) {
    return `${chain.readableBytes} readable + ${chain.writableBytes} writable bytes (too large to decode)`;
  }
  const quick = headerSummary(mem, chain);
  if (quick !== undefined) return quick;
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
