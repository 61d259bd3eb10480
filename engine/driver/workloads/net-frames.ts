/**
 * Frames the reference net driver sends and recognises, built the way a guest network stack builds them:
 * Ethernet II, ARP (RFC 826), IPv4 (RFC 791) with ICMP echo (RFC 792) and UDP (RFC 768). Checksums come
 * from engine/decode/checksum.ts; with `partial` the transport checksum is left to the device
 * (VIRTIO_NET_HDR_F_NEEDS_CSUM: the field holds the pseudo-header sum, csum_start/csum_offset say where).
 */
import { ipv4HeaderChecksum, internetChecksum, onesComplementSum, pseudoHeaderSumV4 } from '../../decode/checksum';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
/** IEEE 802 local experimental EtherType: nobody answers it (flood traffic). */
export const ETHERTYPE_EXPERIMENTAL = 0x88b5;
export const BROADCAST_MAC = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

export function parseIpv4(text: string): Uint8Array {
  const parts = text.split('.').map((p) => Number(p));
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`bad IPv4 address "${text}"`);
  return Uint8Array.from(parts);
}

export function formatIpv4(b: Uint8Array, o = 0): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

export function ethernetFrame(dst: Uint8Array, src: Uint8Array, type: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(14 + payload.length);
  f.set(dst.subarray(0, 6), 0);
  f.set(src.subarray(0, 6), 6);
  f[12] = type >> 8;
  f[13] = type & 0xff;
  f.set(payload, 14);
  return f;
}

/** Inserts an 802.1Q tag with VLAN id `vid` after the MAC addresses. */
export function vlanTag(frame: Uint8Array, vid: number): Uint8Array {
  const f = new Uint8Array(frame.length + 4);
  f.set(frame.subarray(0, 12), 0);
  f[12] = 0x81;
  f[13] = 0x00;
  f[14] = (vid >> 8) & 0x0f;
  f[15] = vid & 0xff;
  f.set(frame.subarray(12), 16);
  return f;
}

export function arpRequest(srcMac: Uint8Array, srcIp: Uint8Array, targetIp: Uint8Array): Uint8Array {
  const a = new Uint8Array(28);
  a.set([0, 1, 0x08, 0x00, 6, 4, 0, 1]);
  a.set(srcMac, 8);
  a.set(srcIp, 14);
  a.set(targetIp, 24);
  return ethernetFrame(BROADCAST_MAC, srcMac, ETHERTYPE_ARP, a);
}

/** The sender MAC of an ARP reply telling where `ip` is, or undefined. */
export function arpReplyFor(frame: Uint8Array, ip: Uint8Array): Uint8Array | undefined {
  if (frame.length < 42 || ((frame[12]! << 8) | frame[13]!) !== ETHERTYPE_ARP) return undefined;
  if (frame[20] !== 0 || frame[21] !== 2) return undefined;
  for (let i = 0; i < 4; i++) if (frame[28 + i] !== ip[i]) return undefined;
  return frame.slice(22, 28);
}

export interface Ipv4Options {
  srcMac: Uint8Array;
  dstMac: Uint8Array;
  src: Uint8Array;
  dst: Uint8Array;
  protocol: number;
  id?: number;
  ttl?: number;
}

export function ipv4Frame(o: Ipv4Options, l4: Uint8Array): Uint8Array {
  const ip = new Uint8Array(20 + l4.length);
  ip[0] = 0x45;
  ip[2] = ip.length >> 8;
  ip[3] = ip.length & 0xff;
  ip[4] = ((o.id ?? 0) >> 8) & 0xff;
  ip[5] = (o.id ?? 0) & 0xff;
  ip[6] = 0x40; // DF
  ip[8] = o.ttl ?? 64;
  ip[9] = o.protocol;
  ip.set(o.src, 12);
  ip.set(o.dst, 16);
  const c = ipv4HeaderChecksum(ip, 0);
  ip[10] = c >> 8;
  ip[11] = c & 0xff;
  ip.set(l4, 20);
  return ethernetFrame(o.dstMac, o.srcMac, ETHERTYPE_IPV4, ip);
}

/** ICMP echo request (type 8); the checksum is always complete (ICMP has no partial checksum). */
export function icmpEchoRequest(o: Omit<Ipv4Options, 'protocol'>, ident: number, seq: number, payload: Uint8Array): Uint8Array {
  const m = new Uint8Array(8 + payload.length);
  m[0] = 8;
  m[4] = ident >> 8;
  m[5] = ident & 0xff;
  m[6] = seq >> 8;
  m[7] = seq & 0xff;
  m.set(payload, 8);
  const c = internetChecksum(m);
  m[2] = c >> 8;
  m[3] = c & 0xff;
  return ipv4Frame({ ...o, protocol: 1, id: seq }, m);
}

/** True when `frame` is an ICMP echo reply (type 0) with this identifier and sequence number. */
export function isIcmpEchoReply(frame: Uint8Array, ident: number, seq: number): boolean {
  if (frame.length < 42 || ((frame[12]! << 8) | frame[13]!) !== ETHERTYPE_IPV4 || frame[23] !== 1) return false;
  const l4 = 14 + (frame[14]! & 0x0f) * 4;
  if (frame.length < l4 + 8 || frame[l4] !== 0) return false;
  return ((frame[l4 + 4]! << 8) | frame[l4 + 5]!) === ident && ((frame[l4 + 6]! << 8) | frame[l4 + 7]!) === seq;
}

export interface UdpFrame {
  frame: Uint8Array;
  /** For NEEDS_CSUM: where checksumming starts and where the checksum goes (relative to csumStart). */
  csumStart: number;
  csumOffset: number;
}

/**
 * A UDP datagram in IPv4. With `partial` the UDP checksum field holds the (non-complemented) pseudo-header
 * sum for the device to complete, as a driver using VIRTIO_NET_F_CSUM leaves it.
 */
export function udpFrame(o: Omit<Ipv4Options, 'protocol'>, sport: number, dport: number, payload: Uint8Array, partial = false): UdpFrame {
  const u = new Uint8Array(8 + payload.length);
  u[0] = sport >> 8;
  u[1] = sport & 0xff;
  u[2] = dport >> 8;
  u[3] = dport & 0xff;
  u[4] = u.length >> 8;
  u[5] = u.length & 0xff;
  u.set(payload, 8);
  const pseudo = pseudoHeaderSumV4(o.src, o.dst, 17, u.length);
  const c = partial ? pseudo : ~onesComplementSum(u, 0, u.length, pseudo) & 0xffff || 0xffff;
  u[6] = c >> 8;
  u[7] = c & 0xff;
  return { frame: ipv4Frame({ ...o, protocol: 17 }, u), csumStart: 34, csumOffset: 6 };
}

/**
 * A TCP segment in IPv4 (ACK|PSH, window 65535). With `partial` the checksum field holds the pseudo-header
 * sum (NEEDS_CSUM / GSO); otherwise the full checksum.
 */
export function tcpFrame(o: Omit<Ipv4Options, 'protocol'>, sport: number, dport: number, seq: number, payload: Uint8Array, partial = false): UdpFrame {
  const t = new Uint8Array(20 + payload.length);
  t[0] = sport >> 8;
  t[1] = sport & 0xff;
  t[2] = dport >> 8;
  t[3] = dport & 0xff;
  t[4] = seq >>> 24;
  t[5] = (seq >>> 16) & 0xff;
  t[6] = (seq >>> 8) & 0xff;
  t[7] = seq & 0xff;
  t[12] = 5 << 4;
  t[13] = 0x18;
  t[14] = 0xff;
  t[15] = 0xff;
  t.set(payload, 20);
  const pseudo = pseudoHeaderSumV4(o.src, o.dst, 6, t.length);
  const c = partial ? pseudo : ~onesComplementSum(t, 0, t.length, pseudo) & 0xffff;
  t[16] = c >> 8;
  t[17] = c & 0xff;
  return { frame: ipv4Frame({ ...o, protocol: 6 }, t), csumStart: 34, csumOffset: 16 };
}

/** Sender MAC and IP of an ARP request asking for `ip`, or undefined. */
export function arpRequestFor(frame: Uint8Array, ip: Uint8Array): { mac: Uint8Array; ip: Uint8Array } | undefined {
  if (frame.length < 42 || ((frame[12]! << 8) | frame[13]!) !== ETHERTYPE_ARP) return undefined;
  if (frame[20] !== 0 || frame[21] !== 1) return undefined;
  for (let i = 0; i < 4; i++) if (frame[38 + i] !== ip[i]) return undefined;
  return { mac: frame.slice(22, 28), ip: frame.slice(28, 32) };
}

export function arpReply(ourMac: Uint8Array, ourIp: Uint8Array, toMac: Uint8Array, toIp: Uint8Array): Uint8Array {
  const a = new Uint8Array(28);
  a.set([0, 1, 0x08, 0x00, 6, 4, 0, 2]);
  a.set(ourMac, 8);
  a.set(ourIp, 14);
  a.set(toMac, 18);
  a.set(toIp, 24);
  return ethernetFrame(toMac, ourMac, ETHERTYPE_ARP, a);
}

/** The echo reply to an ICMP echo request addressed to `ourIp` (IPv4 without options), or undefined. */
export function icmpEchoReplyTo(frame: Uint8Array, ourMac: Uint8Array, ourIp: Uint8Array): Uint8Array | undefined {
  if (frame.length < 42 || ((frame[12]! << 8) | frame[13]!) !== ETHERTYPE_IPV4 || frame[14] !== 0x45 || frame[23] !== 1) return undefined;
  for (let i = 0; i < 4; i++) if (frame[30 + i] !== ourIp[i]) return undefined;
  const total = (frame[16]! << 8) | frame[17]!;
  if (total < 28 || 14 + total > frame.length || frame[34] !== 8) return undefined;
  const m = frame.slice(34, 14 + total);
  m[0] = 0;
  m[2] = m[3] = 0;
  const c = internetChecksum(m);
  m[2] = c >> 8;
  m[3] = c & 0xff;
  return ipv4Frame({ srcMac: ourMac, dstMac: frame.slice(6, 12), src: ourIp, dst: frame.slice(26, 30), protocol: 1 }, m);
}
