/** Payload decoders: pure functions over bytes, tables of (label, size, convert), never throwing. */
export * from './types';
export * from './checksum';
export { formatIpv4, formatIpv6, formatMac } from './layer';
export * from './blk-request';
export * from './net-header';
export * from './ethernet';
export * from './arp';
export * from './ipv4';
export * from './ipv6';
export * from './icmp';
export * from './udp';
export * from './tcp';
export * from './net-ctrl';
export * from './packet';
export * from './summary';
