/**
 * Payload decoders: pure functions over bytes, tables of (label, size, convert), never throwing. The virtio
 * payloads (blk request, net control command) live here; the network headers (virtio_net_hdr, Ethernet, ARP,
 * IP, ICMP, UDP, TCP) live in engine/wire and are re-exported, so that callers find every decoder in one place.
 */
export * from '../wire/types';
export * from '../wire/checksum';
export { type LayerResult } from '../wire/layer';
export { formatIpv4, formatIpv6, formatMac } from '../wire/address';
export { decodeNetHeader } from '../wire/net-header';
export { decodeEthernet, decodeVlan, etherTypeName } from '../wire/ethernet';
export { decodeArp } from '../wire/arp';
export { type IpContext, type IpLayerResult, decodeIpv4, ipProtocolName } from '../wire/ipv4';
export { decodeIpv6 } from '../wire/ipv6';
export { decodeIcmp } from '../wire/icmp';
export { decodeUdp } from '../wire/udp';
export { decodeTcp, tcpFlagNames } from '../wire/tcp';
export * from './blk-request';
export * from './net-ctrl';
export * from './packet';
export * from './summary';
export { fastFrameSummary } from './fast-summary';
