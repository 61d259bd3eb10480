/**
 * struct virtio_net_hdr (§5.1.6), the header in front of every frame on a virtio-net queue: its flags and GSO
 * types, its size for the negotiated features, reading and writing it (device and driver side alike), a one-line
 * rendering for the trace, and the decoder for the Variables view (fields from the spec table NET_HDR_FIELDS).
 */
import { hasFeature } from '../spec-tables/features';
import { NET_HDR_FIELDS, formatGsoType } from '../spec-tables/net';
import { hex } from './hex';
import { LayerBuilder, big } from './layer';
import { type DecodedLayer } from './types';

export const HDR_F = { NEEDS_CSUM: 1, DATA_VALID: 2, RSC_INFO: 4 } as const;
export const GSO = { NONE: 0, TCPV4: 1, UDP: 3, TCPV6: 4, UDP_L4: 5, ECN: 0x80 } as const;
/** Tunnel bits of gso_type (UDP_TUNNEL_IPV4/IPV6). */
export const GSO_TUNNEL_MASK = 0x60;
/** Offset of num_buffers; present in every modern header and in legacy ones with MRG_RXBUF. */
export const NUM_BUFFERS_OFFSET = 10;
/** Header lengths of the other layouts: a header descriptor of one of these lengths is a size mismatch. */
export const KNOWN_HEADER_SIZES = [10, 12, 20, 24, 32] as const;

/** The fields every layout has (num_buffers only with MRG_RXBUF in legacy ones). */
export interface NetHdr {
  flags: number;
  gsoType: number;
  hdrLen: number;
  gsoSize: number;
  csumStart: number;
  csumOffset: number;
  /** undefined when the layout has no num_buffers (legacy without MRG_RXBUF). */
  numBuffers: number | undefined;
}

/** Size of the legacy header without MRG_RXBUF (no num_buffers). */
export const NET_HDR_LEGACY_SIZE = 10;

/**
 * Size of virtio_net_hdr for a negotiated feature set (§5.1.6, digest §3.3): legacy (no VERSION_1) 10, or 12
 * with MRG_RXBUF; modern 12, 20 with HASH_REPORT, 24 with a UDP-tunnel GSO feature, 32 with OUT_NET_HEADER or IPSEC.
 */
export function netHeaderSize(features: bigint): number {
  const has = (n: string): boolean => hasFeature('net', features, n);
  if (!has('VERSION_1')) return has('MRG_RXBUF') ? 12 : NET_HDR_LEGACY_SIZE;
  if (has('OUT_NET_HEADER') || has('IPSEC')) return 32;
  if (has('HOST_UDP_TUNNEL_GSO') || has('GUEST_UDP_TUNNEL_GSO')) return 24;
  if (has('HASH_REPORT')) return 20;
  return 12;
}

/** The header layout for a negotiated feature set. */
export interface HeaderLayout {
  size: number;
  hasNumBuffers: boolean;
}

export function headerLayout(features: bigint): HeaderLayout {
  const size = netHeaderSize(features);
  return { size, hasNumBuffers: size > NUM_BUFFERS_OFFSET };
}

/** Reads a header from its first `layout.size` bytes (zero-filled if shorter). */
export function parseNetHdr(b: Uint8Array, layout: HeaderLayout): NetHdr {
  const u16 = (o: number) => (o + 1 < b.length ? b[o]! | (b[o + 1]! << 8) : 0);
  return {
    flags: b[0] ?? 0,
    gsoType: b[1] ?? 0,
    hdrLen: u16(2),
    gsoSize: u16(4),
    csumStart: u16(6),
    csumOffset: u16(8),
    numBuffers: layout.hasNumBuffers ? u16(NUM_BUFFERS_OFFSET) : undefined,
  };
}

/**
 * Encodes a header in `size` bytes, little-endian; a field that does not fit whole is left out (a driver fault plan
 * may ask for a short header), and fields beyond num_buffers (hash report, tunnel offsets) are 0.
 */
export function encodeNetHdr(h: Partial<NetHdr>, size: number): Uint8Array {
  const b = new Uint8Array(size);
  const put16 = (o: number, v: number) => {
    if (o + 1 >= size) return;
    b[o] = v & 0xff;
    b[o + 1] = (v >> 8) & 0xff;
  };
  b[0] = h.flags ?? 0;
  b[1] = h.gsoType ?? 0;
  put16(2, h.hdrLen ?? 0);
  put16(4, h.gsoSize ?? 0);
  put16(6, h.csumStart ?? 0);
  put16(8, h.csumOffset ?? 0);
  put16(NUM_BUFFERS_OFFSET, h.numBuffers ?? 0);
  return b;
}

/** `NEEDS_CSUM 34+16 gso TCPV4 mss 1448 hdr_len 66`; fields at their defaults are left out. */
export function formatNetHdr(h: NetHdr): string {
  // The header of a plain frame (every traced frame of a data path without offloads): no table walk.
  if (h.flags === 0 && h.gsoType === GSO.NONE && !h.hdrLen) return h.numBuffers !== undefined && h.numBuffers !== 0 ? `num_buffers ${h.numBuffers}` : 'no offload';
  const parts: string[] = [];
  const flagNames = [
    [HDR_F.NEEDS_CSUM, 'NEEDS_CSUM'],
    [HDR_F.DATA_VALID, 'DATA_VALID'],
    [HDR_F.RSC_INFO, 'RSC_INFO'],
  ] as const;
  for (const [v, n] of flagNames) if (h.flags & v) parts.push(n);
  const unknown = h.flags & ~0x07;
  if (unknown) parts.push(`flags ${hex(unknown)}`);
  if (h.flags & HDR_F.NEEDS_CSUM) parts.push(`csum ${h.csumStart}+${h.csumOffset}`);
  if (h.gsoType !== GSO.NONE) parts.push(`gso ${formatGsoType(h.gsoType)} mss ${h.gsoSize}`);
  if (h.hdrLen) parts.push(`hdr_len ${h.hdrLen}`);
  if (h.numBuffers !== undefined && h.numBuffers !== 0) parts.push(`num_buffers ${h.numBuffers}`);
  return parts.length ? parts.join(' ') : 'no offload';
}

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
