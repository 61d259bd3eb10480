/**
 * struct virtio_net_hdr on the device side (§5.1.6): its size for the negotiated features, reading it
 * from a transmit chain, writing it into a receive buffer, and a one-line rendering for the trace.
 */
import { formatGsoType, netHeaderSize } from '../../spec';
import { NET_F } from './net-features';

export const HDR_F = { NEEDS_CSUM: 1, DATA_VALID: 2, RSC_INFO: 4 } as const;
export const GSO = { NONE: 0, TCPV4: 1, UDP: 3, TCPV6: 4, UDP_L4: 5, ECN: 0x80 } as const;
/** Tunnel bits of gso_type (UDP_TUNNEL_IPV4/IPV6). */
export const GSO_TUNNEL_MASK = 0x60;
/** Offset of num_buffers; present in every modern header and in legacy ones with MRG_RXBUF. */
export const NUM_BUFFERS_OFFSET = 10;
/** Header lengths of the other layouts: a header descriptor of one of these lengths is a size mismatch. */
export const KNOWN_HEADER_SIZES = [10, 12, 20, 24, 32] as const;

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

/** The header layout for a negotiated feature set. */
export interface HeaderLayout {
  size: number;
  hasNumBuffers: boolean;
}

export function headerLayout(features: bigint): HeaderLayout {
  const size = netHeaderSize(features);
  return { size, hasNumBuffers: size > NUM_BUFFERS_OFFSET };
}

/** Whether the feature bit `n` is in `features`. */
export const hasBit = (features: bigint, n: number): boolean => (features & (1n << BigInt(n))) !== 0n;

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

/** Encodes a header in `layout.size` bytes; fields beyond num_buffers (hash report, tunnel offsets) are 0. */
export function encodeNetHdr(h: Partial<NetHdr>, layout: HeaderLayout): Uint8Array {
  const b = new Uint8Array(layout.size);
  const put16 = (o: number, v: number) => {
    b[o] = v & 0xff;
    b[o + 1] = (v >> 8) & 0xff;
  };
  b[0] = h.flags ?? 0;
  b[1] = h.gsoType ?? 0;
  put16(2, h.hdrLen ?? 0);
  put16(4, h.gsoSize ?? 0);
  put16(6, h.csumStart ?? 0);
  put16(8, h.csumOffset ?? 0);
  if (layout.hasNumBuffers) put16(NUM_BUFFERS_OFFSET, h.numBuffers ?? 0);
  return b;
}

/** The HOST_* feature a transmit gso_type base value needs, or undefined for an undefined type. */
export function hostFeatureForGso(base: number): number | undefined {
  switch (base) {
    case GSO.TCPV4:
      return NET_F.HOST_TSO4;
    case GSO.TCPV6:
      return NET_F.HOST_TSO6;
    case GSO.UDP:
      return NET_F.HOST_UFO;
    case GSO.UDP_L4:
      return NET_F.HOST_USO;
    default:
      return undefined;
  }
}

/** `NEEDS_CSUM 34+16 gso TCPV4 mss 1448 hdr_len 66`; fields at their defaults are left out. */
export function formatNetHdr(h: NetHdr): string {
  const parts: string[] = [];
  const flagNames = [
    [HDR_F.NEEDS_CSUM, 'NEEDS_CSUM'],
    [HDR_F.DATA_VALID, 'DATA_VALID'],
    [HDR_F.RSC_INFO, 'RSC_INFO'],
  ] as const;
  for (const [v, n] of flagNames) if (h.flags & v) parts.push(n);
  const unknown = h.flags & ~0x07;
  if (unknown) parts.push(`flags 0x${unknown.toString(16)}`);
  if (h.flags & HDR_F.NEEDS_CSUM) parts.push(`csum ${h.csumStart}+${h.csumOffset}`);
  if (h.gsoType !== GSO.NONE) parts.push(`gso ${formatGsoType(h.gsoType)} mss ${h.gsoSize}`);
  if (h.hdrLen) parts.push(`hdr_len ${h.hdrLen}`);
  if (h.numBuffers !== undefined && h.numBuffers !== 0) parts.push(`num_buffers ${h.numBuffers}`);
  return parts.length ? parts.join(' ') : 'no offload';
}
