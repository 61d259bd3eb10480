/**
 * IPv4 (RFC 791): protocol numbers, building a packet in an Ethernet frame (header checksum filled), and the
 * decoder (header checksum checked) for the Variables view.
 */
import { ipv4HeaderChecksum, verifyIpv4HeaderChecksum } from './checksum';
import { ETHERTYPE_IPV4, ethernetFrame } from './ethernet';
import { hex, hexBytes } from './hex';
import { LayerBuilder, type LayerResult, type Row, num } from './layer';
import { inetName, nameTable } from './names';

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;

/** IP protocol / IPv6 next-header numbers shown by name. */
export const IP_PROTOCOLS = nameTable({
  0: 'HOPOPT', [IPPROTO_ICMP]: 'ICMP', 2: 'IGMP', 4: 'IPIP', [IPPROTO_TCP]: 'TCP', [IPPROTO_UDP]: 'UDP', 41: 'IPv6',
  43: 'IPv6-Route', 44: 'IPv6-Frag', 47: 'GRE', 50: 'ESP', 51: 'AH', [IPPROTO_ICMPV6]: 'ICMPv6', 59: 'IPv6-NoNxt',
  60: 'IPv6-Opts', 132: 'SCTP',
});

export const IPV4_HEADER_LEN = 20;
/** TTL (and IPv6 hop limit) of the packets we build: Linux's default. */
export const DEFAULT_TTL = 64;

/** The addresses and header fields of an IPv4 packet in an Ethernet frame. */
export interface Ipv4Options {
  srcMac: Uint8Array;
  dstMac: Uint8Array;
  src: Uint8Array;
  dst: Uint8Array;
  protocol: number;
  /** Identification; default 0. */
  id?: number;
  ttl?: number;
  tos?: number;
  /** Set the DF flag (as Linux does for its own datagrams); default false. */
  dontFragment?: boolean;
}

/** An IPv4 packet (20-byte header, no options, not fragmented) carrying `payload`, header checksum filled. */
export function ipv4Packet(o: Omit<Ipv4Options, 'srcMac' | 'dstMac'>, payload: Uint8Array): Uint8Array {
  const ip = new Uint8Array(IPV4_HEADER_LEN + payload.length);
  ip[0] = 0x45;
  ip[1] = o.tos ?? 0;
  ip[2] = ip.length >> 8;
  ip[3] = ip.length & 0xff;
  ip[4] = ((o.id ?? 0) >> 8) & 0xff;
  ip[5] = (o.id ?? 0) & 0xff;
  ip[6] = o.dontFragment ? 0x40 : 0;
  ip[8] = o.ttl ?? DEFAULT_TTL;
  ip[9] = o.protocol;
  ip.set(o.src.subarray(0, 4), 12);
  ip.set(o.dst.subarray(0, 4), 16);
  const c = ipv4HeaderChecksum(ip, 0);
  ip[10] = c >> 8;
  ip[11] = c & 0xff;
  ip.set(payload, IPV4_HEADER_LEN);
  return ip;
}

/** An Ethernet frame carrying an IPv4 packet; `minLength` pads it (ETH_MIN_FRAME as a NIC does). */
export function ipv4Frame(o: Ipv4Options, payload: Uint8Array, minLength = 0): Uint8Array {
  return ethernetFrame(o.dstMac, o.srcMac, ETHERTYPE_IPV4, ipv4Packet(o, payload), minLength);
}

/** `TCP`, `UDP`, `ICMP`... or the number as text. */
export function ipProtocolName(p: number): string {
  return inetName(IP_PROTOCOLS, p);
}

/** Pseudo-header context a transport decoder needs to verify its checksum. */
export interface IpContext {
  readonly version: 4 | 6;
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  /** Transport protocol / final next header. */
  readonly protocol: number;
  /** The whole IP payload is present (false: the frame was cut short). */
  readonly complete: boolean;
}

/** Result of an IP layer: next is the transport protocol, `end` where the IP payload ends, `ip` for checksums. */
export interface IpLayerResult extends LayerResult {
  readonly end?: number;
  readonly ip?: IpContext;
}

const HEADER: readonly Row[] = [
  { label: 'version / IHL', at: 0, size: 1, conv: 'u8', show: num((v) => `version ${v >> 4}, header ${(v & 15) * 4} bytes`) },
  { label: 'DSCP / ECN', at: 1, size: 1, conv: 'u8', show: num((v) => `DSCP ${v >> 2}, ECN ${v & 3}`) },
  { label: 'total length', key: 'len', at: 2, size: 2, conv: 'u16be' },
  { label: 'identification', key: 'id', at: 4, size: 2, conv: 'u16be', show: num((v) => `${hex(v, 4)} (${v})`) },
  { label: 'flags / fragment offset', at: 6, size: 2, conv: 'u16be', show: num(fragText) },
  { label: 'TTL', key: 'ttl', at: 8, size: 1, conv: 'u8' },
  { label: 'protocol', at: 9, size: 1, conv: 'u8', show: num((v) => `${ipProtocolName(v)} (${v})`) },
  { label: 'header checksum', at: 10, size: 2, conv: 'u16be', show: num((v) => hex(v, 4)) },
  { label: 'source', key: 'src', at: 12, size: 4, conv: 'ipv4' },
  { label: 'destination', key: 'dst', at: 16, size: 4, conv: 'ipv4' },
];

function fragText(v: number): string {
  const flags = [v & 0x4000 ? 'DF' : '', v & 0x2000 ? 'MF' : '', v & 0x8000 ? 'reserved' : ''].filter(Boolean);
  return `${flags.join(' ') || 'none'}, offset ${(v & 0x1fff) * 8}`;
}

/**
 * IPv4 (RFC 791) with header checksum check: `pkt.ip.src/dst/proto` ("ICMP", "TCP", "UDP" or the number),
 * `pkt.ip.ttl/len/id`, `pkt.ip.checksum_ok`, `pkt.ip.df/mf/frag`. The payload ends at total length (Ethernet
 * padding ignored); a shorter frame reports `truncated at byte N`. Non-first fragments are not decoded further.
 */
export function decodeIpv4(bytes: Uint8Array, offset: number, end = bytes.length): IpLayerResult {
  const b = new LayerBuilder('IPv4', bytes, end, 'pkt.ip.');
  const { complete, v } = b.rows(offset, HEADER);
  const first = v['version / IHL'] as number | undefined;
  if (first !== undefined && first >> 4 !== 4) b.fail(`version ${first >> 4} in an IPv4 header`);
  if (!complete) return { layer: b.build() };

  const ihl = ((first as number) & 15) * 4;
  const total = v['total length'] as number;
  const frag = v['flags / fragment offset'] as number;
  const proto = v.protocol as number;
  b.set('proto', ipProtocolName(proto));
  b.set('df', (frag & 0x4000) !== 0);
  b.set('mf', (frag & 0x2000) !== 0);
  b.set('frag', (frag & 0x1fff) * 8);
  if (ihl < 20) {
    b.fail(`header length ${ihl} is below 20 bytes`);
    return { layer: b.build() };
  }
  if (ihl > 20 && b.need(offset + 20, ihl - 20)) b.add('options', hexBytes(bytes, offset + 20, offset + ihl), offset + 20, ihl - 20);
  if (offset + ihl > b.end) return { layer: b.build() };

  const ok = verifyIpv4HeaderChecksum(bytes, offset);
  b.set('checksum_ok', ok);
  b.add('header checksum status', ok ? 'correct' : `incorrect, expected ${hex(ipv4HeaderChecksum(bytes, offset), 4)}`, offset + 10, 2, ok);

  if (total < ihl) {
    b.fail(`total length ${total} is below the header length ${ihl}`);
    return { layer: b.build() };
  }
  if (offset + total > b.end) b.truncated();
  const payloadEnd = Math.min(offset + total, b.end);
  b.add('payload', `${payloadEnd - offset - ihl} bytes`, offset + ihl, payloadEnd - offset - ihl);
  if ((frag & 0x1fff) !== 0) return { layer: b.build() };
  const ip: IpContext = { version: 4, src: bytes.slice(offset + 12, offset + 16), dst: bytes.slice(offset + 16, offset + 20), protocol: proto, complete: offset + total <= b.end };
  return { layer: b.build(), next: { type: proto, offset: offset + ihl }, end: payloadEnd, ip };
}
