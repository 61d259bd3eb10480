import { NET_HDR_FIELDS } from '../spec';
import { LayerBuilder, big } from './layer';
import { type DecodedLayer } from './types';

/** Fields whose value is a name (flags, gso type, hash type) rather than a number. */
const NAMED = new Set(['flags', 'gso_type', 'hash_report']);

/**
 * Decodes a virtio_net_hdr of `size` bytes (12, 20, 24, 32, or 10 for legacy without MRG_RXBUF; see
 * netHeaderSize) at `offset`, reading fields from the spec table NET_HDR_FIELDS. Values: `pkt.hdr.flags`
 * ("NEEDS_CSUM | DATA_VALID" or "0"), `pkt.hdr.gso_type` ("TCPV4 | ECN"), `pkt.hdr.hash_report` ("TCPv4"), and
 * numbers for the other fields by their spec names (`pkt.hdr.num_buffers`).
 */
export function decodeNetHeader(bytes: Uint8Array, size: number, offset = 0): DecodedLayer {
  const b = new LayerBuilder('virtio_net_hdr', bytes, bytes.length, 'pkt.hdr.');
  for (const f of NET_HDR_FIELDS) {
    if (f.offset + f.size > size) break;
    const at = offset + f.offset;
    if (!b.need(at, f.size)) break;
    let v = 0n;
    for (let i = f.size - 1; i >= 0; i--) v = (v << 8n) | BigInt(b.u8(at + i));
    const text = f.decode ? f.decode(v) : String(v);
    const raw = NAMED.has(f.name) ? text : big(v);
    b.add(f.name, NAMED.has(f.name) && text !== String(v) ? `${text} (${v})` : text, at, f.size, raw);
    if (!f.name.startsWith('padding')) b.set(f.name, raw);
  }
  return b.build();
}
