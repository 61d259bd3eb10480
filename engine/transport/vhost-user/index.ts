/** The vhost-user back end: a Unix-socket server that lets a front end (QEMU, DPDK virtio_user) drive a device. */
export { VhostUserServer, VhostUserError, type VhostUserServerOptions } from './server';
export { VhostUserSession, DEFAULT_PROTOCOL_FEATURES, VHOST_USER_MASKED_FEATURES, type SessionOptions } from './session';
export { VhostUserConnection, type FramedMessage, MAX_KEPT_PAYLOAD } from './connection';
export { MemoryTable, MAX_MEM_SLOTS } from './memory-table';
export { Vring, type VringState as VringStatus, DRAIN_TIMEOUT_MS } from './vring';
export * as vhostUserCodec from './codec';
export { loadNative, isNativeLoadError, type NativeFd, type NativeLoadError } from './native';
