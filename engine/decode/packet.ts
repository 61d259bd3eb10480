import { decodeArp } from '../wire/arp';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_QINQ, ETHERTYPE_VLAN, decodeEthernet, decodeVlan } from '../wire/ethernet';
import { decodeIcmp } from '../wire/icmp';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, type IpLayerResult, decodeIpv4 } from '../wire/ipv4';
import { decodeIpv6 } from '../wire/ipv6';
import { decodeNetHeader } from '../wire/net-header';
import { decodeTcp } from '../wire/tcp';
import { type DecodedLayer } from '../wire/types';
import { decodeUdp } from '../wire/udp';

export interface PacketOptions {
  /** Size of the virtio_net_hdr in front of the frame (netHeaderSize(features)); 0 or absent: a bare frame. */
  readonly headerSize?: number;
}

/** At most this many VLAN tags are decoded (802.1ad + 802.1Q). */
const MAX_VLAN_TAGS = 2;

/**
 * Decodes a packet as a virtio device sees it: virtio_net_hdr, Ethernet (+ VLAN tags), then ARP, IPv4 or IPv6,
 * then ICMP/ICMPv6, UDP or TCP. Never throws; stops at the first layer it cannot go past. Field offsets are
 * relative to the start of `bytes` (the header, if any).
 */
export function decodePacket(bytes: Uint8Array, opts: PacketOptions = {}): DecodedLayer[] {
  const layers: DecodedLayer[] = [];
  let offset = 0;
  const hdrSize = opts.headerSize ?? 0;
  if (hdrSize > 0) {
    const hdr = decodeNetHeader(bytes, hdrSize);
    layers.push(hdr);
    if (hdr.error) return layers;
    offset = hdrSize;
  }

  const eth = decodeEthernet(bytes, offset);
  layers.push(eth.layer);
  let next = eth.next;
  for (let i = 0; i < MAX_VLAN_TAGS && next && (next.type === ETHERTYPE_VLAN || next.type === ETHERTYPE_QINQ); i++) {
    const tag = decodeVlan(bytes, next.offset, bytes.length, next.type);
    layers.push(tag.layer);
    next = tag.next;
  }
  if (!next) return layers;

  let ip: IpLayerResult;
  switch (next.type) {
    case ETHERTYPE_ARP:
      layers.push(decodeArp(bytes, next.offset).layer);
      return layers;
    case ETHERTYPE_IPV4:
      ip = decodeIpv4(bytes, next.offset);
      break;
    case ETHERTYPE_IPV6:
      ip = decodeIpv6(bytes, next.offset);
      break;
    default:
      return layers;
  }
  layers.push(ip.layer);
  if (!ip.next || ip.end === undefined) return layers;

  const { type, offset: l4 } = ip.next;
  if (type === IPPROTO_ICMP && ip.ip?.version === 4) layers.push(decodeIcmp(bytes, l4, ip.end, ip.ip).layer);
  else if (type === IPPROTO_ICMPV6 && ip.ip?.version === 6) layers.push(decodeIcmp(bytes, l4, ip.end, ip.ip).layer);
  else if (type === IPPROTO_UDP) layers.push(decodeUdp(bytes, l4, ip.end, ip.ip).layer);
  else if (type === IPPROTO_TCP) layers.push(decodeTcp(bytes, l4, ip.end, ip.ip).layer);
  return layers;
}

/** All layers' values in one record (for breakpoint conditions); later layers do not override earlier keys. */
export function layerValues(layers: readonly DecodedLayer[]): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const l of layers) for (const [k, v] of Object.entries(l.values)) if (!(k in out)) out[k] = v;
  return out;
}

/** The first error of any layer (truncation or malformation), if any. */
export function firstError(layers: readonly DecodedLayer[]): string | undefined {
  return layers.find((l) => l.error)?.error;
}
