/**
 * The `req.*` values a breakpoint condition sees for a virtio-blk chain, read from the 16-byte request header
 * alone. A conditional breakpoint on a request queue evaluates its condition for every chain, and decoding the
 * chain as the Chain scope shows it (kinds/blk.ts `decodeChain`) copies up to 64 KiB of a write's payload out of
 * guest memory and formats part of it, none of which a value depends on: in figure 2 of issue 13 (a session
 * whose breakpoint never matches) that was a sixth of the adapter's busy time.
 *
 * The values are those of `decodeBlkRequest` over the bytes `decodeChain` hands it (the readable part, at most
 * DECODE_READABLE_MAX bytes, and no writable part): `req.len` counts that many readable bytes past the header
 * (0 for IN, whose data is writable). Requests whose values need more than the header — DISCARD, WRITE_ZEROES
 * and SECURE_ERASE (segments), an unknown type, a header cut short — return undefined and are decoded whole, so
 * the values are the decoder's own; test/adapter/blk-condition.test.ts holds the two equal.
 */
import { BLK_REQ_HEADER_SIZE, BLK_T_BARRIER, blkRequestType, type Chain, type GuestMemory } from '../../../engine';

/** Readable bytes `decodeChain` copies for the decoder (and so the most `req.len` counts, with the header). */
export const DECODE_READABLE_MAX = 64 * 1024;

/** Types whose values come from their segments (the decoder's SEGMENTED): decoded whole. */
const SEGMENTED = new Set(['DISCARD', 'WRITE_ZEROES', 'SECURE_ERASE']);

const header = new Uint8Array(BLK_REQ_HEADER_SIZE);
const view = new DataView(header.buffer);

/** Reads the header into `header`; false when the readable part is shorter or guest memory refuses a read. */
function readHeader(mem: GuestMemory, chain: Chain): boolean {
  if (chain.readableBytes < BLK_REQ_HEADER_SIZE) return false;
  let at = 0;
  try {
    for (const s of chain.readable) {
      if (at >= BLK_REQ_HEADER_SIZE) break;
      const n = Math.min(s.len, BLK_REQ_HEADER_SIZE - at);
      mem.readInto(s.addr, header.subarray(at, at + n));
      at += n;
    }
  } catch {
    return false;
  }
  return at === BLK_REQ_HEADER_SIZE;
}

/** The condition values of a blk request chain, or undefined: decode the chain instead. */
export function blkConditionValues(mem: GuestMemory, chain: Chain): Map<string, string | number | boolean> | undefined {
  if (!readHeader(mem, chain)) return undefined;
  const rawType = view.getUint32(0, true);
  const barrier = rawType >= BLK_T_BARRIER;
  const typeValue = barrier ? rawType - BLK_T_BARRIER : rawType;
  const info = blkRequestType(typeValue);
  if (!info || SEGMENTED.has(info.short)) return undefined;
  const lo = view.getUint32(8, true);
  const hi = view.getUint32(12, true);
  // engine/wire/layer.ts big(): a number while exact, else the decimal string.
  const sector = hi < 0x20_0000 ? hi * 0x1_0000_0000 + lo : ((BigInt(hi) << 32n) + BigInt(lo)).toString();
  const readData = Math.min(chain.readableBytes, DECODE_READABLE_MAX) - BLK_REQ_HEADER_SIZE;
  const values = new Map<string, string | number | boolean>([
    ['req.type', info.short],
    ['req.type_value', typeValue],
    ['req.sector', sector],
    ['req.len', info.data === 'writable' ? 0 : readData],
  ]);
  if (barrier) values.set('req.barrier', true);
  return values;
}
