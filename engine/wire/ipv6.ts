/**
 * IPv6 (RFC 8200): extension headers, building a packet in an Ethernet frame, and the decoder (walking
 * extension headers) for the Variables view.
 */
import { ETHERTYPE_IPV6, ethernetFrame } from './ethernet';
import { hex } from './hex';
import { type IpContext, type IpLayerResult, ipProtocolName } from './ipv4';
import { LayerBuilder, type Row, num } from './layer';

/** IPv6 extension headers the decoder walks (RFC 8200 §4): hop-by-hop, routing, fragment, destination options. */
export const IPV6_EXTENSION_HEADERS: readonly number[] = [0, 43, 44, 60];

export const IPV6_HEADER_LEN = 40;

/** The addresses and header fields of an IPv6 packet in an Ethernet frame. */
export interface Ipv6Options {
  srcMac: Uint8Array;
  dstMac: Uint8Array;
  src: Uint8Array;
  dst: Uint8Array;
  nextHeader: number;
  hopLimit: number;
  trafficClass?: number;
}

/** An Ethernet frame carrying an IPv6 packet (no extension headers); `minLength` pads it. */
export function ipv6Frame(o: Ipv6Options, payload: Uint8Array, minLength = 0): Uint8Array {
  const ip = new Uint8Array(IPV6_HEADER_LEN + payload.length);
  const v = new DataView(ip.buffer);
  v.setUint32(0, (6 << 28) | ((o.trafficClass ?? 0) << 20));
  v.setUint16(4, payload.length);
  ip[6] = o.nextHeader;
  ip[7] = o.hopLimit;
  ip.set(o.src.subarray(0, 16), 8);
  ip.set(o.dst.subarray(0, 16), 24);
  ip.set(payload, IPV6_HEADER_LEN);
  return ethernetFrame(o.dstMac, o.srcMac, ETHERTYPE_IPV6, ip, minLength);
}

const HEADER: readonly Row[] = [
  { label: 'version / traffic class / flow label', at: 0, size: 4, conv: 'u32be', show: num((v) => `version ${Math.floor(v / 0x10000000)}, class ${(v >> 20) & 0xff}, flow ${hex(v & 0xfffff)}`) },
  { label: 'payload length', key: 'len', at: 4, size: 2, conv: 'u16be' },
  { label: 'next header', at: 6, size: 1, conv: 'u8', show: num((v) => `${ipProtocolName(v)} (${v})`) },
  { label: 'hop limit', key: 'hlim', at: 7, size: 1, conv: 'u8' },
  { label: 'source', key: 'src', at: 8, size: 16, conv: 'ipv6' },
  { label: 'destination', key: 'dst', at: 24, size: 16, conv: 'ipv6' },
];

/** At most this many extension headers are walked (bounds the loop on hostile input). */
const MAX_EXTENSIONS = 8;

/**
 * IPv6 (RFC 8200) with extension headers (hop-by-hop, routing, fragment, destination options):
 * `pkt.ip6.src/dst` (RFC 5952 text), `pkt.ip6.next` (upper-layer protocol name after the extensions),
 * `pkt.ip6.hlim/len`.
 */
export function decodeIpv6(bytes: Uint8Array, offset: number, end = bytes.length): IpLayerResult {
  const b = new LayerBuilder('IPv6', bytes, end, 'pkt.ip6.');
  const { complete, v } = b.rows(offset, HEADER);
  const first = v['version / traffic class / flow label'] as number | undefined;
  if (first !== undefined && Math.floor(first / 0x10000000) !== 6) b.fail(`version ${Math.floor(first / 0x10000000)} in an IPv6 header`);
  if (!complete) return { layer: b.build() };

  const payloadEnd0 = offset + 40 + (v['payload length'] as number);
  if (payloadEnd0 > b.end) b.truncated();
  const payloadEnd = Math.min(payloadEnd0, b.end);
  let next = v['next header'] as number;
  let at = offset + 40;
  let fragmented = false;
  for (let i = 0; i < MAX_EXTENSIONS && IPV6_EXTENSION_HEADERS.includes(next); i++) {
    if (at + 8 > payloadEnd) {
      b.truncated(payloadEnd);
      return { layer: b.build() };
    }
    const len = next === 44 ? 8 : (bytes[at + 1]! + 1) * 8;
    if (next === 44) fragmented = ((bytes[at + 2]! << 8) | bytes[at + 3]!) >> 3 !== 0;
    b.add(`extension: ${ipProtocolName(next)}`, `${len} bytes, next ${ipProtocolName(bytes[at]!)}`, at, Math.min(len, payloadEnd - at), next);
    next = bytes[at]!;
    at += len;
  }
  b.set('next', ipProtocolName(next));
  b.add('payload', `${Math.max(0, payloadEnd - at)} bytes of ${ipProtocolName(next)}`, Math.min(at, payloadEnd), Math.max(0, payloadEnd - at), next);
  if (at > payloadEnd) {
    b.truncated(payloadEnd);
    return { layer: b.build() };
  }
  if (fragmented) return { layer: b.build() };
  const ip: IpContext = { version: 6, src: bytes.slice(offset + 8, offset + 24), dst: bytes.slice(offset + 24, offset + 40), protocol: next, complete: payloadEnd0 <= b.end };
  return { layer: b.build(), next: { type: next, offset: at }, end: payloadEnd, ip };
}
