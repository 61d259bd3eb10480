/**
 * What a virtio-blk device looks like to the driver: the options a session gives (all optional), the
 * feature bits they lead to, and the initial values of struct virtio_blk_config (§5.2.4).
 */
import { F, bit } from '../../device-core/bits';
import { BLK_ID_BYTES, featureByName } from '../../spec-tables';

/** Device-specific feature short names this device implements (§5.2.3). */
export const BLK_DEVICE_FEATURES = [
  'SIZE_MAX',
  'SEG_MAX',
  'GEOMETRY',
  'RO',
  'BLK_SIZE',
  'FLUSH',
  'TOPOLOGY',
  'CONFIG_WCE',
  'MQ',
  'DISCARD',
  'WRITE_ZEROES',
  'LIFETIME',
  'SECURE_ERASE',
] as const;
export type BlkFeatureName = (typeof BLK_DEVICE_FEATURES)[number];

/** Limits of DISCARD, WRITE_ZEROES and SECURE_ERASE requests (all in 512-byte sectors). */
export interface RangeLimits {
  maxSectors: number;
  maxSegments: number;
  /** discard_sector_alignment / secure_erase_sector_alignment (unused for write zeroes). */
  alignment: number;
}

export interface BlkGeometry {
  cylinders: number;
  heads: number;
  sectors: number;
}

export interface BlkTopology {
  physicalBlockExp: number;
  alignmentOffset: number;
  minIoSize: number;
  optIoSize: number;
}

export interface BlkLifetime {
  /** pre_eol_info: 1 NORMAL, 2 WARNING, 3 URGENT (0 undefined). */
  preEol: number;
  /** device_lifetime_est_typ_a / _b: 1..11 in 10% steps (0 undefined). */
  typA: number;
  typB: number;
}

/** Device settings; every one has a default (QEMU's where QEMU has one). */
export interface BlkSettings {
  /** Number of request queues; more than one offers VIRTIO_BLK_F_MQ (requestq1..N). */
  queues?: number;
  /** Maximum size of every queue (QueueNumMax). */
  queueSize?: number;
  /** Offer VIRTIO_BLK_F_RO (default: the back end is read-only). */
  readonly?: boolean;
  /** size_max in bytes (default 1 MiB). */
  sizeMax?: number;
  /**
   * seg_max (default min(queueSize, 128) - 2). Header and status take two descriptors, and §2.7.5.3.1 bounds a
   * chain by the queue size, which the front end chooses after reading seg_max: 128 is QEMU's default
   * queue-size for vhost-user-blk-pci, so a Linux guest's large direct I/O fits the ring it actually gets.
   */
  segMax?: number;
  /** blk_size (default 512). */
  blkSize?: number;
  /** Default: 16 heads, 63 sectors per track, cylinders from the capacity (capped at 65535). */
  geometry?: BlkGeometry;
  topology?: BlkTopology;
  discard?: RangeLimits;
  writeZeroes?: Omit<RangeLimits, 'alignment'> & { mayUnmap: boolean };
  secureErase?: RangeLimits;
  /** Device ID string for GET_ID (ASCII, at most 20 bytes; longer strings are cut). */
  serial?: string;
  lifetime?: BlkLifetime;
  /** Initial cache mode: true writeback (default), false writethrough. */
  writeback?: boolean;
  /** Turn individual device features on or off (e.g. { DISCARD: false } to test the gating). */
  features?: Partial<Record<BlkFeatureName, boolean>>;
  /** Transport (ring) features to offer; default VERSION_1, INDIRECT_DESC, EVENT_IDX, RING_PACKED, RING_RESET. */
  ringFeatures?: bigint;
}

export const DEFAULT_RING_FEATURES = bit(F.VERSION_1) | bit(F.INDIRECT_DESC) | bit(F.EVENT_IDX) | bit(F.RING_PACKED) | bit(F.RING_RESET);

/** Settings with every default filled in, for a disk of `capacity` sectors on a back end. */
export interface ResolvedBlkSettings {
  queues: number;
  queueSize: number;
  readonly: boolean;
  sizeMax: number;
  segMax: number;
  blkSize: number;
  geometry: BlkGeometry;
  topology: BlkTopology;
  discard: RangeLimits;
  writeZeroes: Omit<RangeLimits, 'alignment'> & { mayUnmap: boolean };
  secureErase: RangeLimits;
  serial: Uint8Array;
  lifetime: BlkLifetime;
  writeback: boolean;
  features: Record<BlkFeatureName, boolean>;
  ringFeatures: bigint;
}

function positiveInt(name: string, v: number, max: number): number {
  if (!Number.isInteger(v) || v < 1 || v > max) throw new RangeError(`virtio-blk ${name} ${v} must be an integer from 1 to ${max}`);
  return v;
}

/** CHS geometry the way firmware guesses it for a raw disk (16 heads, 63 sectors). */
export function defaultGeometry(capacity: bigint): BlkGeometry {
  const cylinders = Number(capacity / BigInt(16 * 63));
  return { cylinders: Math.max(1, Math.min(0xffff, cylinders)), heads: 16, sectors: 63 };
}

/** Encodes the GET_ID string: ASCII, NUL-padded to 20 bytes, no NUL when 20 characters long. */
export function encodeSerial(serial: string): Uint8Array {
  const out = new Uint8Array(BLK_ID_BYTES);
  for (let i = 0; i < Math.min(serial.length, BLK_ID_BYTES); i++) {
    const c = serial.charCodeAt(i);
    out[i] = c >= 0x20 && c < 0x7f ? c : 0x3f; // '?' for anything not printable ASCII
  }
  return out;
}

/** The queue size seg_max is sized for by default: QEMU's vhost-user-blk-pci default queue-size. */
const SEG_MAX_QUEUE_SIZE = 128;

export function resolveSettings(s: BlkSettings, o: { capacity: bigint; backendReadOnly: boolean; id: string }): ResolvedBlkSettings {
  const queues = positiveInt('queues', s.queues ?? 1, 0xffff);
  const queueSize = positiveInt('queueSize', s.queueSize ?? 256, 32768);
  const features = {} as Record<BlkFeatureName, boolean>;
  for (const f of BLK_DEVICE_FEATURES) features[f] = s.features?.[f] ?? true;
  const readonly = s.readonly ?? o.backendReadOnly;
  if (o.backendReadOnly && !readonly) throw new RangeError('a read-only back end needs the read-only device option');
  features.RO = readonly;
  // A device with several queues must tell the driver how many (num_queues needs MQ).
  if (queues > 1) features.MQ = true;
  else features.MQ = s.features?.MQ ?? false;
  // §5.2.5.2: a device that offers CONFIG_WCE MUST offer FLUSH.
  if (features.CONFIG_WCE && !features.FLUSH) throw new RangeError('virtio-blk CONFIG_WCE requires FLUSH (§5.2.5.2)');
  if (queueSize < 3 && features.SEG_MAX && s.segMax === undefined) features.SEG_MAX = false;
  return {
    queues,
    queueSize,
    readonly,
    sizeMax: positiveInt('sizeMax', s.sizeMax ?? 1 << 20, 0xffff_ffff),
    segMax: positiveInt('segMax', s.segMax ?? Math.max(1, Math.min(queueSize, SEG_MAX_QUEUE_SIZE) - 2), 0xffff_ffff),
    blkSize: positiveInt('blkSize', s.blkSize ?? 512, 0xffff_ffff),
    geometry: s.geometry ?? defaultGeometry(o.capacity),
    topology: s.topology ?? { physicalBlockExp: 0, alignmentOffset: 0, minIoSize: 1, optIoSize: 0 },
    discard: s.discard ?? { maxSectors: 65536, maxSegments: 16, alignment: 1 },
    writeZeroes: s.writeZeroes ?? { maxSectors: 65536, maxSegments: 16, mayUnmap: true },
    secureErase: s.secureErase ?? { maxSectors: 65536, maxSegments: 16, alignment: 1 },
    serial: encodeSerial(s.serial ?? `virtio-debug-${o.id}`),
    lifetime: s.lifetime ?? { preEol: 1, typA: 1, typB: 1 },
    writeback: s.writeback ?? true,
    features,
    ringFeatures: s.ringFeatures ?? DEFAULT_RING_FEATURES,
  };
}

/** The feature bits offered for these settings. */
export function offeredFeatures(r: ResolvedBlkSettings): bigint {
  let bits = r.ringFeatures;
  for (const name of BLK_DEVICE_FEATURES) {
    if (!r.features[name]) continue;
    const f = featureByName(name, 'blk');
    if (f) bits |= bit(f.bit);
  }
  return bits;
}

/** Config field values (by field name) for the offered features; fields of absent features stay 0. */
export function initialConfig(r: ResolvedBlkSettings, capacity: bigint): [string, bigint | number][] {
  const f = r.features;
  const out: [string, bigint | number][] = [['capacity', capacity]];
  if (f.SIZE_MAX) out.push(['size_max', r.sizeMax]);
  if (f.SEG_MAX) out.push(['seg_max', r.segMax]);
  if (f.GEOMETRY) {
    out.push(['geometry.cylinders', r.geometry.cylinders], ['geometry.heads', r.geometry.heads], ['geometry.sectors', r.geometry.sectors]);
  }
  if (f.BLK_SIZE) out.push(['blk_size', r.blkSize]);
  if (f.TOPOLOGY) {
    const t = r.topology;
    out.push(
      ['topology.physical_block_exp', t.physicalBlockExp],
      ['topology.alignment_offset', t.alignmentOffset],
      ['topology.min_io_size', t.minIoSize],
      ['topology.opt_io_size', t.optIoSize],
    );
  }
  if (f.CONFIG_WCE) out.push(['writeback', r.writeback ? 1 : 0]);
  if (f.MQ) out.push(['num_queues', r.queues]);
  if (f.DISCARD) {
    const d = r.discard;
    out.push(['max_discard_sectors', d.maxSectors], ['max_discard_seg', d.maxSegments], ['discard_sector_alignment', d.alignment]);
  }
  if (f.WRITE_ZEROES) {
    const w = r.writeZeroes;
    out.push(['max_write_zeroes_sectors', w.maxSectors], ['max_write_zeroes_seg', w.maxSegments], ['write_zeroes_may_unmap', w.mayUnmap ? 1 : 0]);
  }
  if (f.SECURE_ERASE) {
    const e = r.secureErase;
    out.push(['max_secure_erase_sectors', e.maxSectors], ['max_secure_erase_seg', e.maxSegments], ['secure_erase_sector_alignment', e.alignment]);
  }
  return out;
}
