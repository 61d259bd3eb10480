/** The VIRTIO knowledge tables: the single source of truth for names, values, layouts and sections. */
export * from './feature-types';
export * from './features';
export * from './status';
export * from './ring';
export * from './named';
export * from './config';
export * from './blk';
export * from './net';
export * from './device-ids';
export * from './register';
export * from './pci';
export * from './mmio';
export * from './constants';
export * from './gating';
// virtio_net_hdr's size per features lives with its encoder and decoder; re-exported for the tables' users.
export { NET_HDR_LEGACY_SIZE, netHeaderSize } from '../wire/net-header';
