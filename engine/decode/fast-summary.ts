import { formatIpv4 } from '../wire/address';
import { ETHERTYPE_IPV4 } from '../wire/ethernet';
import { ICMP_TYPES } from '../wire/icmp';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, ipProtocolName } from '../wire/ipv4';
import { inetName } from '../wire/names';
import { tcpFlagNames } from '../wire/tcp';

const ETH = 14;
/** Most TCP options the full decoder walks (engine/wire/tcp.ts). */
const MAX_TCP_OPTIONS = 40;

const u16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;
const u32 = (b: Uint8Array, o: number): number => u16(b, o) * 0x10000 + u16(b, o + 2);

/**
 * The one-line summary of a bare Ethernet frame (no virtio_net_hdr) read straight from the bytes, without
 * building the decoded layers: only for the frames a data path carries in bulk — untagged IPv4 with ICMP echo,
 * UDP or TCP (or any other protocol, shown as IPv4), whole and well-formed. Anything else (VLAN tags, ARP,
 * IPv6, truncated or malformed headers, other ICMP messages) returns undefined: the caller then summarises
 * `decodePacket`'s layers, so the text is always exactly `summarizePacket(decodePacket(frame))`.
 */
export function fastFrameSummary(f: Uint8Array): string | undefined {
  const n = f.length;
  if (n < ETH + 20 || u16(f, 12) !== ETHERTYPE_IPV4) return undefined;
  const vihl = f[ETH]!;
  const ihl = (vihl & 15) * 4;
  const total = u16(f, ETH + 2);
  // Any of these makes the decoder report an error (or a truncation): leave it to the decoder.
  if (vihl >> 4 !== 4 || ihl < 20 || ETH + ihl > n || total < ihl || ETH + total > n) return undefined;
  const proto = f[ETH + 9]!;
  const src = formatIpv4(f, ETH + 12);
  const dst = formatIpv4(f, ETH + 16);
  const fragment = u16(f, ETH + 6) & 0x1fff;
  if (fragment !== 0 || (proto !== IPPROTO_ICMP && proto !== IPPROTO_UDP && proto !== IPPROTO_TCP)) {
    return `IPv4 ${src} > ${dst} ${ipProtocolName(proto)}`;
  }
  const l4 = ETH + ihl;
  const end = ETH + total;
  if (proto === IPPROTO_UDP) {
    if (l4 + 8 > end) return undefined;
    const len = u16(f, l4 + 4);
    if (len < 8 || l4 + len > end) return undefined;
    return `UDP ${src}:${u16(f, l4)} > ${dst}:${u16(f, l4 + 2)} len ${len}`;
  }
  if (proto === IPPROTO_TCP) {
    if (l4 + 20 > end) return undefined;
    const word = u16(f, l4 + 12);
    const hlen = (word >> 12) * 4;
    if (hlen < 20 || l4 + hlen > end || !tcpOptionsWellFormed(f, l4 + 20, l4 + hlen)) return undefined;
    const flags = tcpFlagNames(word & 0x1ff);
    let s = `TCP ${src}:${u16(f, l4)} > ${dst}:${u16(f, l4 + 2)} [${flags}] seq ${u32(f, l4 + 4)}`;
    if (flags.includes('ACK')) s += ` ack ${u32(f, l4 + 8)}`;
    const payload = end - l4 - hlen;
    if (payload) s += ` len ${payload}`;
    return s;
  }
  // ICMP: only the echo-shaped messages (echo, timestamp), whose body is identifier + sequence number.
  if (l4 + 8 > end) return undefined;
  const type = f[l4]!;
  if (type !== 0 && type !== 8 && type !== 13 && type !== 14) return undefined;
  return `ICMP ${inetName(ICMP_TYPES, type)} ${src} > ${dst} id ${u16(f, l4 + 4)} seq ${u16(f, l4 + 6)}`;
}

/** The same walk as the TCP decoder's option list: false where it would report a bad option length. */
function tcpOptionsWellFormed(f: Uint8Array, from: number, to: number): boolean {
  let at = from;
  for (let i = 0; i < MAX_TCP_OPTIONS && at < to; i++) {
    const kind = f[at]!;
    if (kind === 0) return true;
    if (kind === 1) {
      at += 1;
      continue;
    }
    const len = at + 1 < to ? f[at + 1]! : 0;
    if (len < 2 || at + len > to) return false;
    at += len;
  }
  return true;
}
