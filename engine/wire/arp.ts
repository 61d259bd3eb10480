/**
 * ARP for Ethernet/IPv4 (RFC 826): opcodes, building requests and replies, reading the fields of a received
 * frame, and the decoder for the Variables view.
 */
import { formatIpv4, formatMac } from './address';
import { BROADCAST_MAC, ETH_HEADER_LEN, ETHERTYPE_ARP, ETHERTYPE_IPV4, etherType, etherTypeName, ethernetFrame } from './ethernet';
import { hex, hexBytes } from './hex';
import { LayerBuilder, type LayerResult, type Row, num } from './layer';
import { inetName, nameTable } from './names';

export const ARP_OP_REQUEST = 1;
export const ARP_OP_REPLY = 2;
export const ARP_OPS = nameTable({
  [ARP_OP_REQUEST]: 'request', [ARP_OP_REPLY]: 'reply',
});
export const ARP_HTYPE_ETHERNET = 1;
/** An ARP packet for Ethernet/IPv4 (hardware size 6, protocol size 4). */
export const ARP_PACKET_LEN = 28;

/** The fields of an Ethernet/IPv4 ARP packet. */
export interface ArpFields {
  op: number;
  /** Sender hardware and protocol address. */
  sha: Uint8Array;
  spa: Uint8Array;
  /** Target hardware and protocol address (tha is zero in a request). */
  tha: Uint8Array;
  tpa: Uint8Array;
}

/** The 28-byte ARP packet (htype 1, ptype IPv4). */
export function arpPacket(f: ArpFields): Uint8Array {
  const a = new Uint8Array(ARP_PACKET_LEN);
  a.set([0, ARP_HTYPE_ETHERNET, ETHERTYPE_IPV4 >> 8, ETHERTYPE_IPV4 & 0xff, 6, 4, f.op >> 8, f.op & 0xff]);
  a.set(f.sha.subarray(0, 6), 8);
  a.set(f.spa.subarray(0, 4), 14);
  a.set(f.tha.subarray(0, 6), 18);
  a.set(f.tpa.subarray(0, 4), 24);
  return a;
}

/** A broadcast "who has `targetIp`, tell `srcIp`". */
export function arpRequest(srcMac: Uint8Array, srcIp: Uint8Array, targetIp: Uint8Array): Uint8Array {
  const packet = arpPacket({ op: ARP_OP_REQUEST, sha: srcMac, spa: srcIp, tha: new Uint8Array(6), tpa: targetIp });
  return ethernetFrame(BROADCAST_MAC, srcMac, ETHERTYPE_ARP, packet);
}

/** "`ourIp` is at `ourMac`", sent to the asker; `minLength` pads the frame (ETH_MIN_FRAME as a NIC does). */
export function arpReply(ourMac: Uint8Array, ourIp: Uint8Array, toMac: Uint8Array, toIp: Uint8Array, minLength = 0): Uint8Array {
  const packet = arpPacket({ op: ARP_OP_REPLY, sha: ourMac, spa: ourIp, tha: toMac, tpa: toIp });
  return ethernetFrame(toMac, ourMac, ETHERTYPE_ARP, packet, minLength);
}

/**
 * The fields of the Ethernet/IPv4 ARP packet in an untagged `frame`, or undefined when the frame is not ARP,
 * is too short, or carries other address types.
 */
export function readArp(frame: Uint8Array): ArpFields | undefined {
  const a = ETH_HEADER_LEN;
  if (etherType(frame) !== ETHERTYPE_ARP || frame.length < a + ARP_PACKET_LEN) return undefined;
  const u16 = (o: number): number => (frame[a + o]! << 8) | frame[a + o + 1]!;
  if (u16(0) !== ARP_HTYPE_ETHERNET || u16(2) !== ETHERTYPE_IPV4 || frame[a + 4] !== 6 || frame[a + 5] !== 4) return undefined;
  return {
    op: u16(6),
    sha: frame.slice(a + 8, a + 14),
    spa: frame.slice(a + 14, a + 18),
    tha: frame.slice(a + 18, a + 24),
    tpa: frame.slice(a + 24, a + 28),
  };
}

const FIXED: readonly Row[] = [
  { label: 'hardware type', key: 'htype', at: 0, size: 2, conv: 'u16be', show: num((v) => (v === ARP_HTYPE_ETHERNET ? '1 (Ethernet)' : String(v))) },
  { label: 'protocol type', at: 2, size: 2, conv: 'u16be', show: num((v) => `${hex(v, 4)} (${etherTypeName(v)})`) },
  { label: 'hardware size', at: 4, size: 1, conv: 'u8' },
  { label: 'protocol size', at: 5, size: 1, conv: 'u8' },
  { label: 'opcode', at: 6, size: 2, conv: 'u16be', show: num((v) => `${inetName(ARP_OPS, v)} (${v})`) },
];

/**
 * ARP (RFC 826): `pkt.arp.op` ("request", "reply" or the number), `pkt.arp.sha/spa/tha/tpa` (MAC and IPv4 text
 * for Ethernet/IPv4; hex bytes for other address sizes).
 */
export function decodeArp(bytes: Uint8Array, offset: number, end = bytes.length): LayerResult {
  const b = new LayerBuilder('ARP', bytes, end, 'pkt.arp.');
  const { complete, v } = b.rows(offset, FIXED);
  if (!complete) return { layer: b.build() };
  const op = v.opcode as number;
  b.set('op', inetName(ARP_OPS, op));
  const hlen = v['hardware size'] as number;
  const plen = v['protocol size'] as number;
  const ipv4 = v['protocol type'] === ETHERTYPE_IPV4 && plen === 4;
  const showHw = (at: number): string => (hlen === 6 ? formatMac(bytes, at) : hexBytes(bytes, at, at + hlen));
  const showProto = (at: number): string => (ipv4 ? formatIpv4(bytes, at) : hexBytes(bytes, at, at + plen));
  const parts: [string, string, number, (at: number) => string][] = [
    ['sender hardware address', 'sha', hlen, showHw],
    ['sender protocol address', 'spa', plen, showProto],
    ['target hardware address', 'tha', hlen, showHw],
    ['target protocol address', 'tpa', plen, showProto],
  ];
  let at = offset + 8;
  for (const [label, key, size, show] of parts) {
    if (!b.need(at, size)) break;
    const text = show(at);
    b.add(label, text, at, size, text);
    b.set(key, text);
    at += size;
  }
  return { layer: b.build() };
}
