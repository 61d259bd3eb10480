import { type ConfigField } from './config';
import { type NamedValue, shortName } from './named';

/** Bytes per virtio-blk sector: `sector` and `capacity` count 512-byte units whatever blk_size says (§5.2.4). */
export const BLK_SECTOR_SIZE = 512;
/** Size of the device-readable request header {le32 type; le32 reserved; le64 sector} (§5.2.6). */
export const BLK_REQ_HEADER_SIZE = 16;
/** Size of a discard / write-zeroes / secure-erase segment {le64 sector; le32 num_sectors; le32 flags}. */
export const BLK_SEGMENT_SIZE = 16;
/** Length of the GET_ID answer (VIRTIO_BLK_ID_BYTES). */
export const BLK_ID_BYTES = 20;
/** Size of struct virtio_blk_lifetime {le16 pre_eol_info; le16 typ_a; le16 typ_b}. */
export const BLK_LIFETIME_SIZE = 6;
/** Legacy barrier flag OR-ed into the request type (VIRTIO_BLK_T_BARRIER). */
export const BLK_T_BARRIER = 0x80000000;
/** Unmap bit of a write-zeroes segment's flags (VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP); must be 0 for discard. */
export const BLK_WRITE_ZEROES_FLAG_UNMAP = 1;

/** Direction of a request's data buffers as seen by the device. */
export type BlkDataDirection = 'none' | 'readable' | 'writable';

export interface BlkRequestTypeInfo extends NamedValue {
  /** `readable`: the driver sends data (OUT, DISCARD...); `writable`: the device returns data (IN, GET_ID...). */
  readonly data: BlkDataDirection;
  /** Feature (short name) the request needs; absent: always allowed. */
  readonly feature?: string;
  readonly legacy?: boolean;
}

function t(value: number, short: string, data: BlkDataDirection, meaning: string, extra: Partial<BlkRequestTypeInfo> = {}): BlkRequestTypeInfo {
  return { value, short, name: `VIRTIO_BLK_T_${short}`, data, meaning, section: '5.2.6', aliases: [], ...extra };
}

/** Request types (VIRTIO 1.2 §5.2.6; digest §4.3). */
export const BLK_REQUEST_TYPES: readonly BlkRequestTypeInfo[] = [
  t(0, 'IN', 'writable', 'Read: the device writes sector data into the buffer (length a multiple of 512).', { aliases: ['ReqType::In'] }),
  t(1, 'OUT', 'readable', 'Write: the device reads sector data from the buffer (length a multiple of 512).', { aliases: ['ReqType::Out'] }),
  t(2, 'SCSI_CMD', 'readable', 'Legacy SCSI packet command.', { legacy: true, feature: 'SCSI' }),
  t(3, 'SCSI_CMD_OUT', 'readable', 'Legacy SCSI packet command (data out).', { legacy: true, feature: 'SCSI' }),
  t(4, 'FLUSH', 'none', 'Flush the write cache; sector must be 0, no data.', { feature: 'FLUSH', aliases: ['ReqType::Flush'] }),
  t(5, 'FLUSH_OUT', 'none', 'Legacy: treated as FLUSH.', { legacy: true }),
  t(8, 'GET_ID', 'writable', 'Device ID string: 20 bytes, NUL-padded ASCII.', { aliases: ['ReqType::GetId'] }),
  t(10, 'GET_LIFETIME', 'writable', 'Storage lifetime: {le16 pre_eol_info; le16 device_lifetime_est_typ_a; le16 device_lifetime_est_typ_b}.', {
    feature: 'LIFETIME', aliases: ['ReqType::GetLifetime'],
  }),
  t(11, 'DISCARD', 'readable', 'Discard ranges: N 16-byte segments {le64 sector; le32 num_sectors; le32 flags}; unmap must be 0.', {
    feature: 'DISCARD', aliases: ['ReqType::Discard'],
  }),
  t(13, 'WRITE_ZEROES', 'readable', 'Write zeroes to ranges: N 16-byte segments; flags bit 0 = unmap allowed.', {
    feature: 'WRITE_ZEROES', aliases: ['ReqType::WriteZeroes'],
  }),
  t(14, 'SECURE_ERASE', 'readable', 'Securely erase ranges: N 16-byte segments.', { feature: 'SECURE_ERASE', aliases: ['ReqType::SecureErase'] }),
  t(15, 'ZONE_APPEND', 'readable', 'Zoned: append data to a zone; the device returns the append sector (le64) before the status.', { feature: 'ZONED' }),
  t(16, 'ZONE_REPORT', 'writable', 'Zoned: report zones starting at sector.', { feature: 'ZONED' }),
  t(18, 'ZONE_OPEN', 'none', 'Zoned: explicitly open the zone at sector.', { feature: 'ZONED' }),
  t(20, 'ZONE_CLOSE', 'none', 'Zoned: close the zone at sector.', { feature: 'ZONED' }),
  t(22, 'ZONE_FINISH', 'none', 'Zoned: finish (fill) the zone at sector.', { feature: 'ZONED' }),
  t(24, 'ZONE_RESET', 'none', 'Zoned: reset the write pointer of the zone at sector.', { feature: 'ZONED' }),
  t(26, 'ZONE_RESET_ALL', 'none', 'Zoned: reset all zones; sector must be 0.', { feature: 'ZONED' }),
];

function s(value: number, short: string, meaning: string, aliases: string[] = []): NamedValue {
  return { value, short, name: `VIRTIO_BLK_S_${short}`, meaning, section: '5.2.6', aliases };
}

/** Request status byte values, written by the device as the last byte of the chain (§5.2.6). */
export const BLK_STATUS: readonly NamedValue[] = [
  s(0, 'OK', 'Success.', ['RespStatus::OK']),
  s(1, 'IOERR', 'Device or driver error (also: write to a read-only device).', ['RespStatus::IO_ERR']),
  s(2, 'UNSUPP', 'Request type or flags not supported.', ['RespStatus::UNSUPPORTED']),
  s(3, 'ZONE_INVALID_CMD', 'Zoned: the command is invalid for the zone.'),
  s(4, 'ZONE_UNALIGNED_WP', 'Zoned: write not at the zone write pointer.'),
  s(5, 'ZONE_OPEN_RESOURCE', 'Zoned: too many open zones.'),
  s(6, 'ZONE_ACTIVE_RESOURCE', 'Zoned: too many active zones.'),
];

/** pre_eol_info values of GET_LIFETIME. */
export const BLK_PRE_EOL: readonly NamedValue[] = [
  { value: 0, name: 'VIRTIO_BLK_PRE_EOL_INFO_UNDEFINED', short: 'UNDEFINED', aliases: [], meaning: 'Value not available.', section: '5.2.6' },
  { value: 1, name: 'VIRTIO_BLK_PRE_EOL_INFO_NORMAL', short: 'NORMAL', aliases: [], meaning: 'Less than 80% of reserved blocks consumed.', section: '5.2.6' },
  { value: 2, name: 'VIRTIO_BLK_PRE_EOL_INFO_WARNING', short: 'WARNING', aliases: [], meaning: '80% of reserved blocks consumed.', section: '5.2.6' },
  { value: 3, name: 'VIRTIO_BLK_PRE_EOL_INFO_URGENT', short: 'URGENT', aliases: [], meaning: '90% of reserved blocks consumed.', section: '5.2.6' },
];

/** Zoned device models (zoned.model). */
export const BLK_ZONED_MODELS: readonly NamedValue[] = [
  { value: 0, name: 'VIRTIO_BLK_Z_NONE', short: 'Z_NONE', aliases: [], meaning: 'Not zoned (zoned characteristics absent).', section: '5.2.4' },
  { value: 1, name: 'VIRTIO_BLK_Z_HM', short: 'Z_HM', aliases: [], meaning: 'Host-managed zoned device.', section: '5.2.4' },
  { value: 2, name: 'VIRTIO_BLK_Z_HA', short: 'Z_HA', aliases: [], meaning: 'Host-aware zoned device.', section: '5.2.4' },
];

/** The request type with this value (the legacy BARRIER bit is not stripped). */
export function blkRequestType(value: number): BlkRequestTypeInfo | undefined {
  return BLK_REQUEST_TYPES.find((r) => r.value === value);
}

/** The status with this value. */
export function blkStatus(value: number): NamedValue | undefined {
  return BLK_STATUS.find((r) => r.value === value);
}

function bytesHuman(n: bigint): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = Number(n);
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[u]}`;
}

const cfg = (f: Omit<ConfigField, 'section'>): ConfigField => ({ ...f, section: '5.2.4' });
const sectors = (v: bigint): string => `${v} sectors (${bytesHuman(v * BigInt(BLK_SECTOR_SIZE))})`;

/** struct virtio_blk_config (VIRTIO 1.2 §5.2.4; digest §4.2): 96 bytes with the zoned characteristics. */
export const BLK_CONFIG: readonly ConfigField[] = [
  cfg({ name: 'capacity', offset: 0, size: 8, description: 'Device size in 512-byte sectors.', decode: sectors }),
  cfg({ name: 'size_max', offset: 8, size: 4, features: ['SIZE_MAX'], description: 'Maximum size of any single segment, in bytes.' }),
  cfg({ name: 'seg_max', offset: 12, size: 4, features: ['SEG_MAX'], description: 'Maximum number of segments in a request.' }),
  cfg({ name: 'geometry.cylinders', offset: 16, size: 2, features: ['GEOMETRY'], description: 'Disk-style geometry: cylinders.' }),
  cfg({ name: 'geometry.heads', offset: 18, size: 1, features: ['GEOMETRY'], description: 'Disk-style geometry: heads.' }),
  cfg({ name: 'geometry.sectors', offset: 19, size: 1, features: ['GEOMETRY'], description: 'Disk-style geometry: sectors per track.' }),
  cfg({ name: 'blk_size', offset: 20, size: 4, features: ['BLK_SIZE'], description: 'Block size of the disk in bytes (performance hint; sectors stay 512 bytes).' }),
  cfg({
    name: 'topology.physical_block_exp', offset: 24, size: 1, features: ['TOPOLOGY'],
    description: 'Number of logical blocks per physical block, as a power of two.', decode: (v) => `${v} (${1n << v} logical blocks per physical block)`,
  }),
  cfg({ name: 'topology.alignment_offset', offset: 25, size: 1, features: ['TOPOLOGY'], description: 'Offset of the first aligned logical block.' }),
  cfg({ name: 'topology.min_io_size', offset: 26, size: 2, features: ['TOPOLOGY'], description: 'Suggested minimum I/O size, in blocks.' }),
  cfg({ name: 'topology.opt_io_size', offset: 28, size: 4, features: ['TOPOLOGY'], description: 'Optimal (suggested maximum) I/O size, in blocks.' }),
  cfg({
    name: 'writeback', offset: 32, size: 1, features: ['CONFIG_WCE'], driverWritable: true,
    description: 'Cache mode: 0 writethrough, 1 writeback. Writable by the driver with CONFIG_WCE; not to be read before FEATURES_OK.',
    decode: (v) => (v === 0n ? '0 (writethrough)' : v === 1n ? '1 (writeback)' : `${v} (invalid)`),
  }),
  cfg({ name: 'unused0', offset: 33, size: 1, description: 'Reserved; the device initialises it to 0.' }),
  cfg({ name: 'num_queues', offset: 34, size: 2, features: ['MQ'], description: 'Number of request queues.' }),
  cfg({ name: 'max_discard_sectors', offset: 36, size: 4, features: ['DISCARD'], description: 'Maximum discard sectors per segment.' }),
  cfg({ name: 'max_discard_seg', offset: 40, size: 4, features: ['DISCARD'], description: 'Maximum number of discard segments in a request.' }),
  cfg({ name: 'discard_sector_alignment', offset: 44, size: 4, features: ['DISCARD'], description: 'Alignment of discard segments, in sectors.' }),
  cfg({ name: 'max_write_zeroes_sectors', offset: 48, size: 4, features: ['WRITE_ZEROES'], description: 'Maximum write-zeroes sectors per segment.' }),
  cfg({ name: 'max_write_zeroes_seg', offset: 52, size: 4, features: ['WRITE_ZEROES'], description: 'Maximum number of write-zeroes segments in a request.' }),
  cfg({
    name: 'write_zeroes_may_unmap', offset: 56, size: 1, features: ['WRITE_ZEROES'],
    description: 'Set if a write-zeroes request may result in deallocating (unmapping) sectors.',
  }),
  cfg({ name: 'unused1', offset: 57, size: 3, description: 'Reserved; must be 0.' }),
  cfg({ name: 'max_secure_erase_sectors', offset: 60, size: 4, features: ['SECURE_ERASE'], description: 'Maximum secure-erase sectors per segment.' }),
  cfg({ name: 'max_secure_erase_seg', offset: 64, size: 4, features: ['SECURE_ERASE'], description: 'Maximum number of secure-erase segments in a request.' }),
  cfg({ name: 'secure_erase_sector_alignment', offset: 68, size: 4, features: ['SECURE_ERASE'], description: 'Alignment of secure-erase segments, in sectors.' }),
  cfg({ name: 'zoned.zone_sectors', offset: 72, size: 4, features: ['ZONED'], description: 'Zone size in 512-byte sectors.' }),
  cfg({ name: 'zoned.max_open_zones', offset: 76, size: 4, features: ['ZONED'], description: 'Maximum number of open zones (0: no limit).' }),
  cfg({ name: 'zoned.max_active_zones', offset: 80, size: 4, features: ['ZONED'], description: 'Maximum number of active zones (0: no limit).' }),
  cfg({ name: 'zoned.max_append_sectors', offset: 84, size: 4, features: ['ZONED'], description: 'Maximum size of a ZONE_APPEND request, in sectors.' }),
  cfg({ name: 'zoned.write_granularity', offset: 88, size: 4, features: ['ZONED'], description: 'Write granularity in bytes.' }),
  cfg({
    name: 'zoned.model', offset: 92, size: 1, features: ['ZONED'],
    description: 'Zoned model: Z_NONE 0, Z_HM 1 (host-managed), Z_HA 2 (host-aware).', decode: (v) => shortName(BLK_ZONED_MODELS, Number(v)),
  }),
  cfg({ name: 'zoned.unused2', offset: 93, size: 3, features: ['ZONED'], description: 'Reserved.' }),
];

/** Size of struct virtio_blk_config. */
export const BLK_CONFIG_SIZE = 96;
