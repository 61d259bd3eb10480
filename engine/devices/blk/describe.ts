/**
 * One-line trace summary of a blk request chain ("OUT sector 2048 len 4096", "DISCARD 2 segments"), from
 * the engine/decode blk request decoder and summary.
 */
import { decodeBlkRequest } from '../../decode/blk-request';
import { summarizeBlk } from '../../decode/summary';
import { type GuestMemory } from '../../memory';
import { gather } from '../../queue/chain-io';
import { type Chain } from '../../queue/types';
import { BLK_REQ_HEADER_SIZE, BLK_SEGMENT_SIZE } from '../../spec';

/** Readable bytes copied for the decoder: the header and up to 64 segments (payload bytes are not needed). */
const READ_AT_MOST = BLK_REQ_HEADER_SIZE + 64 * BLK_SEGMENT_SIZE;

export function describeBlkChain(mem: GuestMemory, chain: Chain): string {
  // The decoder takes lengths from the buffers it is given; only their first bytes are filled in.
  const readable = new Uint8Array(chain.readableBytes);
  readable.set(gather(mem, chain.readable, 0, Math.min(chain.readableBytes, READ_AT_MOST)));
  const writable = new Uint8Array(chain.writableBytes);
  return summarizeBlk(decodeBlkRequest(readable, writable, { completed: false }));
}
