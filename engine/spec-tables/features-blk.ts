import { type FeatureInfo } from './feature-types';

type BlkRow = Omit<FeatureInfo, 'name' | 'device' | 'section' | 'aliases'> & { aliases?: string[] };

/** Members of the Rust virtio-drivers `BlkFeature` bitflags (same short names). */
const IN_RUST_CRATE = new Set([0, 1, 2, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16]);

function blk(row: BlkRow): FeatureInfo {
  const { aliases = [], ...rest } = row;
  const crate = IN_RUST_CRATE.has(row.bit) ? [`BlkFeature::${row.short}`] : [];
  return { ...rest, name: `VIRTIO_BLK_F_${row.short}`, device: 'blk', section: '5.2.3', aliases: [...aliases, ...crate] };
}

/** virtio-blk feature bits (VIRTIO 1.2 §5.2.3; digest §4.1). */
export const BLK_FEATURES: readonly FeatureInfo[] = [
  blk({ bit: 0, short: 'BARRIER', since: 'legacy', legacy: true, meaning: 'Legacy: device supports request barriers (VIRTIO_BLK_T_BARRIER).' }),
  blk({ bit: 1, short: 'SIZE_MAX', since: '1.0', meaning: 'Maximum size of any single segment is in size_max.' }),
  blk({ bit: 2, short: 'SEG_MAX', since: '1.0', meaning: 'Maximum number of segments in a request is in seg_max.' }),
  blk({ bit: 4, short: 'GEOMETRY', since: '1.0', meaning: 'Disk-style geometry is in geometry.' }),
  blk({ bit: 5, short: 'RO', since: '1.0', meaning: 'Device is read-only: writes fail with VIRTIO_BLK_S_IOERR.' }),
  blk({ bit: 6, short: 'BLK_SIZE', since: '1.0', meaning: 'Block size of the disk is in blk_size.' }),
  blk({ bit: 7, short: 'SCSI', since: 'legacy', legacy: true, meaning: 'Legacy: device supports SCSI packet commands.' }),
  blk({
    bit: 9, short: 'FLUSH', since: '1.0', aliases: ['VIRTIO_BLK_F_WCE'],
    meaning: 'Cache flush command (VIRTIO_BLK_T_FLUSH) support; legacy name WCE.',
  }),
  blk({ bit: 10, short: 'TOPOLOGY', since: '1.0', meaning: 'Device exports information on optimal I/O alignment (topology).' }),
  blk({ bit: 11, short: 'CONFIG_WCE', since: '1.0', meaning: 'Device can toggle its cache between writeback and writethrough (writeback field is writable).' }),
  blk({ bit: 12, short: 'MQ', since: '1.2', meaning: 'Device supports multiqueue; the number of queues is in num_queues.' }),
  blk({ bit: 13, short: 'DISCARD', since: '1.1', meaning: 'Device supports discard (max_discard_sectors, max_discard_seg, discard_sector_alignment).' }),
  blk({ bit: 14, short: 'WRITE_ZEROES', since: '1.1', meaning: 'Device supports write zeroes (max_write_zeroes_sectors, max_write_zeroes_seg, write_zeroes_may_unmap).' }),
  blk({ bit: 15, short: 'LIFETIME', since: '1.2', meaning: 'Device reports storage lifetime information (VIRTIO_BLK_T_GET_LIFETIME).' }),
  blk({ bit: 16, short: 'SECURE_ERASE', since: '1.2', meaning: 'Device supports secure erase (max_secure_erase_sectors, max_secure_erase_seg, secure_erase_sector_alignment).' }),
  blk({ bit: 17, short: 'ZONED', since: '1.3', meaning: 'Device is a zoned block device (zoned characteristics in config).' }),
];
