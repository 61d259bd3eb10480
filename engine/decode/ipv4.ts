import { IP_PROTOCOLS, inetName } from '../spec';
import { ipv4HeaderChecksum, verifyIpv4HeaderChecksum } from './checksum';
import { type LayerResult } from './ethernet';
import { LayerBuilder, type Row, hex, hexBytes, num } from './layer';

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
