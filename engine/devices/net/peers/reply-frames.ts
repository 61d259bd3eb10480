/**
 * Builders for the frames the responder sends: ARP replies (RFC 826), ICMP echo replies (RFC 792),
 * ICMPv6 echo replies (RFC 4443 §4.2) and neighbour advertisements (RFC 4861 §4.4). Each returns a whole
 * Ethernet frame with correct checksums, padded to the 60-byte Ethernet minimum as a NIC would.
 */
import { internetChecksum, pseudoHeaderSumV6, transportChecksum } from '../../../decode/checksum';
import {
  ARP_HTYPE_ETHERNET, ARP_OP_REPLY, ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6, ICMP_ECHO_REPLY, ICMPV6_ECHO_REPLY,
  ICMPV6_NEIGHBOR_ADVERTISEMENT, IPPROTO_ICMPV6,
} from '../../../spec';

export const ETH_HEADER_LEN = 14;
/** Smallest Ethernet frame without FCS (ETH_ZLEN). */
export const ETH_MIN_FRAME = 60;
/** TTL and hop limit of our IP packets (Linux's default). */
export const DEFAULT_TTL = 64;

function ethernetFrame(dst: Uint8Array, src: Uint8Array, type: number, payloadLen: number): Uint8Array {
  const frame = new Uint8Array(Math.max(ETH_MIN_FRAME, ETH_HEADER_LEN + payloadLen));
  frame.set(dst.subarray(0, 6), 0);
  frame.set(src.subarray(0, 6), 6);
  frame[12] = type >> 8;
  frame[13] = type & 0xff;
  return frame;
}

export interface ArpReplyFields {
  /** Our MAC: the Ethernet source and the ARP sender hardware address. */
  ourMac: Uint8Array;
  /** The address we answer for (the request's target protocol address). */
  ourIp: Uint8Array;
  /** The asker: its hardware and protocol addresses (the request's sender fields). */
  askerMac: Uint8Array;
  askerIp: Uint8Array;
}

/** ARP reply for Ethernet/IPv4 (htype 1, ptype 0x0800, oper 2). */
export function buildArpReply(f: ArpReplyFields): Uint8Array {
  const frame = ethernetFrame(f.askerMac, f.ourMac, ETHERTYPE_ARP, 28);
  const v = new DataView(frame.buffer);
  const a = ETH_HEADER_LEN;
  v.setUint16(a, ARP_HTYPE_ETHERNET);
  v.setUint16(a + 2, ETHERTYPE_IPV4);
  frame[a + 4] = 6;
  frame[a + 5] = 4;
  v.setUint16(a + 6, ARP_OP_REPLY);
  frame.set(f.ourMac.subarray(0, 6), a + 8);
  frame.set(f.ourIp.subarray(0, 4), a + 14);
  frame.set(f.askerMac.subarray(0, 6), a + 18);
  frame.set(f.askerIp.subarray(0, 4), a + 24);
  return frame;
}

export interface Ipv4Fields {
  srcMac: Uint8Array;
  dstMac: Uint8Array;
  srcIp: Uint8Array;
  dstIp: Uint8Array;
  protocol: number;
  identification: number;
  tos?: number;
  ttl?: number;
}

/** IPv4 packet (20-byte header, no options, not fragmented) carrying `payload`, header checksum filled. */
export function buildIpv4Frame(f: Ipv4Fields, payload: Uint8Array): Uint8Array {
  const total = 20 + payload.length;
  const frame = ethernetFrame(f.dstMac, f.srcMac, ETHERTYPE_IPV4, total);
  const v = new DataView(frame.buffer);
  const ip = ETH_HEADER_LEN;
  frame[ip] = 0x45;
  frame[ip + 1] = f.tos ?? 0;
  v.setUint16(ip + 2, total);
  v.setUint16(ip + 4, f.identification & 0xffff);
  v.setUint16(ip + 6, 0);
  frame[ip + 8] = f.ttl ?? DEFAULT_TTL;
  frame[ip + 9] = f.protocol;
  frame.set(f.srcIp.subarray(0, 4), ip + 12);
  frame.set(f.dstIp.subarray(0, 4), ip + 16);
  v.setUint16(ip + 10, internetChecksum(frame.subarray(ip, ip + 20)));
  frame.set(payload, ip + 20);
  return frame;
}

/**
 * ICMP echo reply to `request` (the whole ICMP message of the echo request): same identifier, sequence
 * number and data, type 0, checksum recomputed.
 */
export function icmpEchoReplyMessage(request: Uint8Array): Uint8Array {
  const msg = Uint8Array.from(request);
  msg[0] = ICMP_ECHO_REPLY;
  msg[1] = 0;
  msg[2] = 0;
  msg[3] = 0;
  const sum = internetChecksum(msg);
  msg[2] = sum >> 8;
  msg[3] = sum & 0xff;
  return msg;
}

export interface Ipv6Fields {
  srcMac: Uint8Array;
  dstMac: Uint8Array;
  srcIp: Uint8Array;
  dstIp: Uint8Array;
  hopLimit: number;
  trafficClass?: number;
}

/**
 * ICMPv6 checksum over the pseudo-header (RFC 8200 §8.1) and `message`: with the checksum field zero, the value
 * to store; with the transmitted value in place, 0 when it is correct.
 */
export function icmpv6Checksum(src: Uint8Array, dst: Uint8Array, message: Uint8Array): number {
  return transportChecksum(pseudoHeaderSumV6(src, dst, IPPROTO_ICMPV6, message.length), message);
}

/** IPv6 packet carrying an ICMPv6 `message` whose checksum this fills in. */
export function buildIcmpv6Frame(f: Ipv6Fields, message: Uint8Array): Uint8Array {
  const frame = ethernetFrame(f.dstMac, f.srcMac, ETHERTYPE_IPV6, 40 + message.length);
  const v = new DataView(frame.buffer);
  const ip = ETH_HEADER_LEN;
  v.setUint32(ip, (6 << 28) | ((f.trafficClass ?? 0) << 20));
  v.setUint16(ip + 4, message.length);
  frame[ip + 6] = IPPROTO_ICMPV6;
  frame[ip + 7] = f.hopLimit;
  frame.set(f.srcIp.subarray(0, 16), ip + 8);
  frame.set(f.dstIp.subarray(0, 16), ip + 24);
  const msg = Uint8Array.from(message);
  msg[2] = 0;
  msg[3] = 0;
  const sum = icmpv6Checksum(f.srcIp, f.dstIp, msg);
  msg[2] = sum >> 8;
  msg[3] = sum & 0xff;
  frame.set(msg, ip + 40);
  return frame;
}

/** ICMPv6 echo reply message for an echo request message: same identifier, sequence and data. */
export function icmpv6EchoReplyMessage(request: Uint8Array): Uint8Array {
  const msg = Uint8Array.from(request);
  msg[0] = ICMPV6_ECHO_REPLY;
  msg[1] = 0;
  return msg;
}

/**
 * Neighbour advertisement message (RFC 4861 §4.4): flags Solicited and Override, not Router, with the
 * target link-layer address option (type 2) carrying `mac`.
 */
export function neighborAdvertisementMessage(target: Uint8Array, mac: Uint8Array, solicited: boolean): Uint8Array {
  const msg = new Uint8Array(32);
  msg[0] = ICMPV6_NEIGHBOR_ADVERTISEMENT;
  msg[4] = (solicited ? 0x40 : 0) | 0x20;
  msg.set(target.subarray(0, 16), 8);
  msg[24] = 2; // target link-layer address
  msg[25] = 1; // length in units of 8 bytes
  msg.set(mac.subarray(0, 6), 26);
  return msg;
}
