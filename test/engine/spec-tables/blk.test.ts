import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BLK_CONFIG, BLK_CONFIG_SIZE, BLK_PRE_EOL, BLK_REQUEST_TYPES, BLK_STATUS, BLK_ZONED_MODELS, blkRequestType, featureBits, fieldByName,
  layoutSize, presentFields, readFieldValue,
} from '../../../engine/spec-tables';

// Digest §4.2: offset, size, field, gating feature ('' = always).
const DIGEST_BLK_CONFIG: [number, number, string, string][] = [
  [0, 8, 'capacity', ''], [8, 4, 'size_max', 'SIZE_MAX'], [12, 4, 'seg_max', 'SEG_MAX'], [16, 2, 'geometry.cylinders', 'GEOMETRY'],
  [18, 1, 'geometry.heads', 'GEOMETRY'], [19, 1, 'geometry.sectors', 'GEOMETRY'], [20, 4, 'blk_size', 'BLK_SIZE'],
  [24, 1, 'topology.physical_block_exp', 'TOPOLOGY'], [25, 1, 'topology.alignment_offset', 'TOPOLOGY'],
  [26, 2, 'topology.min_io_size', 'TOPOLOGY'], [28, 4, 'topology.opt_io_size', 'TOPOLOGY'], [32, 1, 'writeback', 'CONFIG_WCE'],
  [33, 1, 'unused0', ''], [34, 2, 'num_queues', 'MQ'], [36, 4, 'max_discard_sectors', 'DISCARD'], [40, 4, 'max_discard_seg', 'DISCARD'],
  [44, 4, 'discard_sector_alignment', 'DISCARD'], [48, 4, 'max_write_zeroes_sectors', 'WRITE_ZEROES'],
  [52, 4, 'max_write_zeroes_seg', 'WRITE_ZEROES'], [56, 1, 'write_zeroes_may_unmap', 'WRITE_ZEROES'], [57, 3, 'unused1', ''],
  [60, 4, 'max_secure_erase_sectors', 'SECURE_ERASE'], [64, 4, 'max_secure_erase_seg', 'SECURE_ERASE'],
  [68, 4, 'secure_erase_sector_alignment', 'SECURE_ERASE'], [72, 4, 'zoned.zone_sectors', 'ZONED'],
  [76, 4, 'zoned.max_open_zones', 'ZONED'], [80, 4, 'zoned.max_active_zones', 'ZONED'], [84, 4, 'zoned.max_append_sectors', 'ZONED'],
  [88, 4, 'zoned.write_granularity', 'ZONED'], [92, 1, 'zoned.model', 'ZONED'], [93, 3, 'zoned.unused2', 'ZONED'],
];
// Digest §4.3.
const DIGEST_TYPES: [string, number][] = [
  ['IN', 0], ['OUT', 1], ['SCSI_CMD', 2], ['SCSI_CMD_OUT', 3], ['FLUSH', 4], ['FLUSH_OUT', 5], ['GET_ID', 8], ['GET_LIFETIME', 10],
  ['DISCARD', 11], ['WRITE_ZEROES', 13], ['SECURE_ERASE', 14], ['ZONE_APPEND', 15], ['ZONE_REPORT', 16], ['ZONE_OPEN', 18],
  ['ZONE_CLOSE', 20], ['ZONE_FINISH', 22], ['ZONE_RESET', 24], ['ZONE_RESET_ALL', 26],
];
const DIGEST_STATUS: [string, number][] = [
  ['OK', 0], ['IOERR', 1], ['UNSUPP', 2], ['ZONE_INVALID_CMD', 3], ['ZONE_UNALIGNED_WP', 4], ['ZONE_OPEN_RESOURCE', 5], ['ZONE_ACTIVE_RESOURCE', 6],
];

describe('virtio_blk_config', () => {
  test('every digest field with its offset, size and gate', () => {
    assert.deepEqual(BLK_CONFIG.map((f) => [f.offset, f.size, f.name, f.features?.join('|') ?? '']), DIGEST_BLK_CONFIG);
  });

  test('fields do not overlap, leave no gap and end at 96', () => {
    let end = 0;
    for (const f of BLK_CONFIG) {
      assert.equal(f.offset, end, `${f.name} starts at ${f.offset}, previous ended at ${end}`);
      end = f.offset + f.size;
    }
    assert.equal(end, BLK_CONFIG_SIZE);
    assert.equal(BLK_CONFIG.reduce((s, f) => s + f.size, 0), 96);
    assert.equal(layoutSize(BLK_CONFIG), 96);
  });

  test('only writeback is driver-writable', () => {
    assert.deepEqual(BLK_CONFIG.filter((f) => f.driverWritable).map((f) => f.name), ['writeback']);
  });

  test('gating by offered features', () => {
    const names = presentFields('blk', BLK_CONFIG, featureBits('blk', ['WRITE_ZEROES'])).map((f) => f.name);
    assert.deepEqual(names, ['capacity', 'unused0', 'max_write_zeroes_sectors', 'max_write_zeroes_seg', 'write_zeroes_may_unmap', 'unused1']);
  });

  test('decoders render values', () => {
    const image = new Uint8Array(96);
    new DataView(image.buffer).setBigUint64(0, 2097152n, true); // 1 GiB
    image[32] = 1;
    image[92] = 1;
    const cap = fieldByName(BLK_CONFIG, 'capacity')!;
    assert.equal(readFieldValue(image, cap), 2097152n);
    assert.equal(cap.decode?.(2097152n), '2097152 sectors (1 GiB)');
    assert.equal(fieldByName(BLK_CONFIG, 'writeback')!.decode?.(1n), '1 (writeback)');
    assert.equal(fieldByName(BLK_CONFIG, 'zoned.model')!.decode?.(1n), 'Z_HM');
    assert.equal(readFieldValue(image.subarray(0, 4), cap), undefined);
  });
});

describe('request types and status', () => {
  test('digest values', () => {
    assert.deepEqual(BLK_REQUEST_TYPES.map((t) => [t.short, t.value]), DIGEST_TYPES);
    assert.deepEqual(BLK_STATUS.map((t) => [t.short, t.value]), DIGEST_STATUS);
    assert.deepEqual(BLK_PRE_EOL.map((t) => [t.short, t.value]), [['UNDEFINED', 0], ['NORMAL', 1], ['WARNING', 2], ['URGENT', 3]]);
    assert.deepEqual(BLK_ZONED_MODELS.map((t) => t.value), [0, 1, 2]);
  });

  test('data direction and gating', () => {
    const dir = (s: string): string | undefined => BLK_REQUEST_TYPES.find((t) => t.short === s)?.data;
    assert.equal(dir('IN'), 'writable');
    assert.equal(dir('GET_ID'), 'writable');
    assert.equal(dir('OUT'), 'readable');
    assert.equal(dir('DISCARD'), 'readable');
    assert.equal(dir('FLUSH'), 'none');
    assert.equal(blkRequestType(13)?.feature, 'WRITE_ZEROES');
    assert.equal(blkRequestType(0)?.feature, undefined);
    assert.equal(blkRequestType(0x80000001), undefined);
    assert.equal(blkRequestType(1)?.name, 'VIRTIO_BLK_T_OUT');
  });
});
