/** virtio-net: the device, its options and counters, and the wire contract peers speak. */
export { NetDevice, NET_DEVICE_ID, type NetDeviceOptions } from './net-device';
export { NET_F, defaultNetOffered } from './net-features';
export { type NetStats } from './net-stats';
export { type Duplex, DEFAULT_MAC } from './net-config';
export { type EthernetPort, connect, connectWithTap, dropFrame } from './ethernet-port';
