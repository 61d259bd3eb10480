/**
 * Wire formats, one module each: the constants, a builder (driver side and device side alike) and a decoder
 * (tables of label, size, convert; never throwing) for every header the engine reads or writes.
 */
export * from './types';
export { type Conv, type LayerResult, type Row, type Value, LayerBuilder, big, num } from './layer';
export * from './hex';
export * from './names';
export * from './address';
export * from './checksum';
export * from './net-header';
export * from './ethernet';
export * from './arp';
export * from './ipv4';
export * from './ipv6';
export * from './icmp';
export * from './udp';
export * from './tcp';
