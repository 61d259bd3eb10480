import { ARP_HTYPE_ETHERNET, ARP_OPS, ETHERTYPE_IPV4, inetName } from '../spec';
import { type LayerResult, etherTypeName } from './ethernet';
import { LayerBuilder, type Row, formatIpv4, formatMac, hex, hexBytes, num } from './layer';

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
