/**
 * The vhost-user protocol (QEMU docs/interop/vhost-user.rst), declared once: request ids, header flags,
 * protocol feature bits, payload structures and, per request, the payload it carries, the reply it gets and
 * the protocol feature it needs. The back end (engine/transport/vhost-user) and its tests use these tables;
 * nothing here has behaviour.
 *
 * Wire format: a 12-byte header `{u32 request; u32 flags; u32 size}` in native (little-endian) byte order,
 * then `size` payload bytes; file descriptors travel as SCM_RIGHTS ancillary data with the message.
 */

/** Bytes of the message header. */
export const VHOST_USER_HEADER_SIZE = 12;
/** Header flags bits 0–1: the protocol version, always 1. */
export const VHOST_USER_VERSION = 0x1;
export const VHOST_USER_VERSION_MASK = 0x3;
/** Header flag bit 2: set on every reply from the back end. */
export const VHOST_USER_REPLY_MASK = 1 << 2;
/** Header flag bit 3: the front end wants an acknowledgement (REPLY_ACK). */
export const VHOST_USER_NEED_REPLY_MASK = 1 << 3;

/** Virtio feature bit 30, reused: the back end speaks GET/SET_PROTOCOL_FEATURES (never exposed to a guest). */
export const VHOST_USER_F_PROTOCOL_FEATURES = 30;
/** Virtio feature bit 26, reused: dirty-page logging for live migration. */
export const VHOST_F_LOG_ALL = 26;

/** SET_VRING_KICK/CALL/ERR u64 payload: bits 0–7 the ring index, bit 8 "no file descriptor". */
export const VHOST_USER_VRING_IDX_MASK = 0xff;
export const VHOST_USER_VRING_NOFD_MASK = 1 << 8;
/** SET_VRING_ADDR flags bit 0: log writes to the used ring. */
export const VHOST_VRING_F_LOG = 1;

/** Regions in one SET_MEM_TABLE (one fd each). */
export const VHOST_USER_MAX_MEM_REGIONS = 8;
/** Largest config space GET_CONFIG/SET_CONFIG may carry. */
export const VHOST_USER_MAX_CONFIG_SIZE = 256;
/** SET_CONFIG flags. */
export const VHOST_SET_CONFIG_TYPE_FRONTEND = 0;
export const VHOST_SET_CONFIG_TYPE_MIGRATION = 1;

/** Front-end → back-end requests. */
export const VhostUserRequest = {
  GET_FEATURES: 1,
  SET_FEATURES: 2,
  SET_OWNER: 3,
  RESET_OWNER: 4,
  SET_MEM_TABLE: 5,
  SET_LOG_BASE: 6,
  SET_LOG_FD: 7,
  SET_VRING_NUM: 8,
  SET_VRING_ADDR: 9,
  SET_VRING_BASE: 10,
  GET_VRING_BASE: 11,
  SET_VRING_KICK: 12,
  SET_VRING_CALL: 13,
  SET_VRING_ERR: 14,
  GET_PROTOCOL_FEATURES: 15,
  SET_PROTOCOL_FEATURES: 16,
  GET_QUEUE_NUM: 17,
  SET_VRING_ENABLE: 18,
  SEND_RARP: 19,
  NET_SET_MTU: 20,
  SET_BACKEND_REQ_FD: 21,
  IOTLB_MSG: 22,
  SET_VRING_ENDIAN: 23,
  GET_CONFIG: 24,
  SET_CONFIG: 25,
  CREATE_CRYPTO_SESSION: 26,
  CLOSE_CRYPTO_SESSION: 27,
  POSTCOPY_ADVISE: 28,
  POSTCOPY_LISTEN: 29,
  POSTCOPY_END: 30,
  GET_INFLIGHT_FD: 31,
  SET_INFLIGHT_FD: 32,
  GPU_SET_SOCKET: 33,
  RESET_DEVICE: 34,
  VRING_KICK: 35,
  GET_MAX_MEM_SLOTS: 36,
  ADD_MEM_REG: 37,
  REM_MEM_REG: 38,
  SET_STATUS: 39,
  GET_STATUS: 40,
  GET_SHARED_OBJECT: 41,
  SET_DEVICE_STATE_FD: 42,
  CHECK_DEVICE_STATE: 43,
} as const;
export type VhostUserRequestName = keyof typeof VhostUserRequest;

/** Back-end → front-end requests, sent on the channel of SET_BACKEND_REQ_FD. */
export const VhostUserBackendRequest = {
  IOTLB_MSG: 1,
  CONFIG_CHANGE_MSG: 2,
  VRING_HOST_NOTIFIER_MSG: 3,
  VRING_CALL: 4,
  VRING_ERR: 5,
  SHARED_OBJECT_ADD: 6,
  SHARED_OBJECT_REMOVE: 7,
  SHARED_OBJECT_LOOKUP: 8,
} as const;
export type VhostUserBackendRequestName = keyof typeof VhostUserBackendRequest;

/** VHOST_USER_PROTOCOL_F_* bit numbers (QEMU names; SLAVE_* renamed BACKEND_*). */
export const VhostUserProtocolFeature = {
  MQ: 0,
  LOG_SHMFD: 1,
  RARP: 2,
  REPLY_ACK: 3,
  MTU: 4,
  BACKEND_REQ: 5,
  CROSS_ENDIAN: 6,
  CRYPTO_SESSION: 7,
  PAGEFAULT: 8,
  CONFIG: 9,
  BACKEND_SEND_FD: 10,
  HOST_NOTIFIER: 11,
  INFLIGHT_SHMFD: 12,
  RESET_DEVICE: 13,
  INBAND_NOTIFICATIONS: 14,
  CONFIGURE_MEM_SLOTS: 15,
  STATUS: 16,
  XEN_MMAP: 17,
  SHARED_OBJECT: 18,
  DEVICE_STATE: 19,
} as const;
export type VhostUserProtocolFeatureName = keyof typeof VhostUserProtocolFeature;

// ---------------------------------------------------------------- payloads

/** What a message's payload is. */
export type VhostUserPayloadKind =
  | 'none'
  | 'u64'
  | 'vring-state'
  | 'vring-addr'
  | 'mem-table'
  | 'mem-region'
  | 'log'
  | 'iotlb'
  | 'config'
  | 'inflight'
  | 'other';

/** Fixed payload sizes in bytes (mem-table and config have a variable tail). */
export const VHOST_USER_PAYLOAD_SIZE = {
  u64: 8,
  'vring-state': 8,
  'vring-addr': 40,
  /** nregions + padding; then 32 bytes per region. */
  'mem-table-header': 8,
  'mem-table-region': 32,
  /** 8 bytes of padding, then one region. */
  'mem-region': 40,
  log: 16,
  iotlb: 32,
  /** offset, size, flags; then `size` bytes. */
  'config-header': 12,
  inflight: 24,
} as const;

/** `struct vhost_vring_state`: SET_VRING_NUM/BASE/ENABLE/ENDIAN, GET_VRING_BASE (request and reply). */
export interface VringState {
  index: number;
  num: number;
}

/** `struct vhost_vring_addr`: front-end user addresses (or IOVAs with ACCESS_PLATFORM). */
export interface VringAddr {
  index: number;
  flags: number;
  /** Split: descriptor table. Packed: descriptor ring. */
  desc: bigint;
  /** Split: used ring. Packed: device event suppression area. */
  used: bigint;
  /** Split: available ring. Packed: driver event suppression area. */
  avail: bigint;
  log: bigint;
}

/** One region of SET_MEM_TABLE / ADD_MEM_REG / REM_MEM_REG. */
export interface MemRegionDescription {
  guestPhysAddr: bigint;
  memorySize: bigint;
  userspaceAddr: bigint;
  mmapOffset: bigint;
}

/** GET_CONFIG / SET_CONFIG: `{u32 offset; u32 size; u32 flags; u8 payload[size]}`. */
export interface ConfigPayload {
  offset: number;
  size: number;
  flags: number;
  data: Uint8Array;
}

/** A complete message as read from (or written to) the socket. */
export interface VhostUserMessage {
  request: number;
  flags: number;
  /** `size` from the header (the payload may be empty when it was too large to keep). */
  size: number;
  payload: Uint8Array;
  /** File descriptors that arrived with the message (owned by whoever handles it). */
  fds: number[];
}

/** What the back end answers. 'ack' means: only with NEED_REPLY (REPLY_ACK), a u64 (0 = success). */
export type VhostUserReplyKind = 'ack' | 'u64' | 'vring-state' | 'config' | 'mem-region' | 'inflight' | 'fd';

/** Per-request facts from the spec. */
export interface VhostUserRequestInfo {
  readonly id: number;
  readonly name: VhostUserRequestName;
  readonly payload: VhostUserPayloadKind;
  readonly reply: VhostUserReplyKind;
  /** Protocol feature the request needs (it "should be sent only when" this bit was negotiated). */
  readonly protocolFeature?: VhostUserProtocolFeatureName;
  /** File descriptors the request carries: none, exactly one per region/ring (unless NOFD), or optional. */
  readonly fds: 'none' | 'one' | 'per-region' | 'optional';
  /** Legal before SET_OWNER (capability queries the front end makes while probing the back end). */
  readonly beforeOwner?: boolean;
}

const R = VhostUserRequest;
const info = (
  name: VhostUserRequestName,
  payload: VhostUserPayloadKind,
  reply: VhostUserReplyKind,
  extra: Partial<Pick<VhostUserRequestInfo, 'protocolFeature' | 'fds' | 'beforeOwner'>> = {},
): VhostUserRequestInfo => ({ id: R[name], name, payload, reply, fds: extra.fds ?? 'none', ...extra });

/** Every front-end request, by id. */
export const VHOST_USER_REQUESTS: readonly VhostUserRequestInfo[] = [
  info('GET_FEATURES', 'none', 'u64', { beforeOwner: true }),
  info('SET_FEATURES', 'u64', 'ack'),
  info('SET_OWNER', 'none', 'ack', { beforeOwner: true }),
  info('RESET_OWNER', 'none', 'ack'),
  info('SET_MEM_TABLE', 'mem-table', 'ack', { fds: 'per-region' }),
  info('SET_LOG_BASE', 'log', 'u64', { protocolFeature: 'LOG_SHMFD', fds: 'one' }),
  info('SET_LOG_FD', 'none', 'ack', { fds: 'one' }),
  info('SET_VRING_NUM', 'vring-state', 'ack'),
  info('SET_VRING_ADDR', 'vring-addr', 'ack'),
  info('SET_VRING_BASE', 'vring-state', 'ack'),
  info('GET_VRING_BASE', 'vring-state', 'vring-state'),
  info('SET_VRING_KICK', 'u64', 'ack', { fds: 'optional' }),
  info('SET_VRING_CALL', 'u64', 'ack', { fds: 'optional' }),
  info('SET_VRING_ERR', 'u64', 'ack', { fds: 'optional' }),
  info('GET_PROTOCOL_FEATURES', 'none', 'u64', { beforeOwner: true }),
  info('SET_PROTOCOL_FEATURES', 'u64', 'ack', { beforeOwner: true }),
  info('GET_QUEUE_NUM', 'none', 'u64', { protocolFeature: 'MQ', beforeOwner: true }),
  info('SET_VRING_ENABLE', 'vring-state', 'ack'),
  info('SEND_RARP', 'u64', 'ack', { protocolFeature: 'RARP' }),
  info('NET_SET_MTU', 'u64', 'ack', { protocolFeature: 'MTU' }),
  info('SET_BACKEND_REQ_FD', 'none', 'ack', { protocolFeature: 'BACKEND_REQ', fds: 'one', beforeOwner: true }),
  info('IOTLB_MSG', 'iotlb', 'u64'),
  info('SET_VRING_ENDIAN', 'vring-state', 'ack', { protocolFeature: 'CROSS_ENDIAN' }),
  info('GET_CONFIG', 'config', 'config', { protocolFeature: 'CONFIG' }),
  info('SET_CONFIG', 'config', 'ack', { protocolFeature: 'CONFIG' }),
  info('CREATE_CRYPTO_SESSION', 'other', 'u64', { protocolFeature: 'CRYPTO_SESSION' }),
  info('CLOSE_CRYPTO_SESSION', 'u64', 'ack', { protocolFeature: 'CRYPTO_SESSION' }),
  info('POSTCOPY_ADVISE', 'none', 'fd', { protocolFeature: 'PAGEFAULT' }),
  info('POSTCOPY_LISTEN', 'none', 'ack', { protocolFeature: 'PAGEFAULT' }),
  info('POSTCOPY_END', 'none', 'u64', { protocolFeature: 'PAGEFAULT' }),
  info('GET_INFLIGHT_FD', 'inflight', 'inflight', { protocolFeature: 'INFLIGHT_SHMFD' }),
  info('SET_INFLIGHT_FD', 'inflight', 'ack', { protocolFeature: 'INFLIGHT_SHMFD', fds: 'one' }),
  info('GPU_SET_SOCKET', 'none', 'ack', { fds: 'one' }),
  info('RESET_DEVICE', 'none', 'ack', { protocolFeature: 'RESET_DEVICE' }),
  info('VRING_KICK', 'vring-state', 'ack', { protocolFeature: 'INBAND_NOTIFICATIONS' }),
  info('GET_MAX_MEM_SLOTS', 'none', 'u64', { protocolFeature: 'CONFIGURE_MEM_SLOTS', beforeOwner: true }),
  info('ADD_MEM_REG', 'mem-region', 'ack', { protocolFeature: 'CONFIGURE_MEM_SLOTS', fds: 'one' }),
  info('REM_MEM_REG', 'mem-region', 'ack', { protocolFeature: 'CONFIGURE_MEM_SLOTS', fds: 'optional' }),
  info('SET_STATUS', 'u64', 'ack', { protocolFeature: 'STATUS' }),
  info('GET_STATUS', 'none', 'u64', { protocolFeature: 'STATUS' }),
  info('GET_SHARED_OBJECT', 'other', 'fd', { protocolFeature: 'SHARED_OBJECT' }),
  info('SET_DEVICE_STATE_FD', 'other', 'u64', { protocolFeature: 'DEVICE_STATE', fds: 'one' }),
  info('CHECK_DEVICE_STATE', 'none', 'u64', { protocolFeature: 'DEVICE_STATE' }),
];
