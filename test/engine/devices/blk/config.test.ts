/** struct virtio_blk_config through the driver: values, feature gating, the writeback toggle, capacity changes. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBackend } from '../../../../engine/devices/blk/memory-backend';
import { BLK_DEVICE_FEATURES, type BlkFeatureName, type BlkSettings } from '../../../../engine/devices/blk/options';
import { BLK_CONFIG, featureBits } from '../../../../engine/spec-tables';
import { LAYOUTS, S, blkMachine, pattern } from './harness';

const SETTINGS: BlkSettings = {
  queues: 3,
  sizeMax: 65536,
  segMax: 40,
  blkSize: 4096,
  geometry: { cylinders: 1000, heads: 32, sectors: 17 },
  topology: { physicalBlockExp: 3, alignmentOffset: 1, minIoSize: 8, optIoSize: 256 },
  discard: { maxSectors: 2048, maxSegments: 5, alignment: 8 },
  writeZeroes: { maxSectors: 4096, maxSegments: 6, mayUnmap: true },
  secureErase: { maxSectors: 1024, maxSegments: 7, alignment: 16 },
  writeback: true,
};

/** What each field must read as with SETTINGS on a 1 MiB disk. */
const EXPECTED: Record<string, number> = {
  capacity: 2048,
  size_max: 65536,
  seg_max: 40,
  'geometry.cylinders': 1000,
  'geometry.heads': 32,
  'geometry.sectors': 17,
  blk_size: 4096,
  'topology.physical_block_exp': 3,
  'topology.alignment_offset': 1,
  'topology.min_io_size': 8,
  'topology.opt_io_size': 256,
  writeback: 1,
  unused0: 0,
  num_queues: 3,
  max_discard_sectors: 2048,
  max_discard_seg: 5,
  discard_sector_alignment: 8,
  max_write_zeroes_sectors: 4096,
  max_write_zeroes_seg: 6,
  write_zeroes_may_unmap: 1,
  unused1: 0,
  max_secure_erase_sectors: 1024,
  max_secure_erase_seg: 7,
  secure_erase_sector_alignment: 16,
};

const width = (size: number): 1 | 2 | 4 | 8 => (size === 3 ? 1 : (size as 1 | 2 | 4 | 8));

for (const layout of LAYOUTS) {
  describe(`config space over the ${layout} ring`, () => {
    test('every field of virtio_blk_config reads as configured, without violations', () => {
      const m = blkMachine({ layout, settings: SETTINGS });
      for (const f of BLK_CONFIG) {
        if (f.features?.includes('ZONED')) continue;
        assert.equal(m.driver.readConfig(f.offset, width(f.size)), EXPECTED[f.name], f.name);
      }
      assert.deepEqual(m.rules(), []);
    });
  });
}

describe('feature gating of config fields', () => {
  const gated = BLK_CONFIG.filter((f) => f.features && !f.features.includes('ZONED'));
  for (const feature of new Set(gated.flatMap((f) => f.features ?? []))) {
    test(`${feature}: its fields exist when offered and are judged config-field-not-offered when not`, () => {
      const fields = gated.filter((f) => f.features!.includes(feature));
      const on = blkMachine({ settings: SETTINGS });
      for (const f of fields) on.driver.readConfig(f.offset, width(f.size));
      assert.deepEqual(on.rules(), [], `${feature} offered`);
      const off = blkMachine({ settings: { ...SETTINGS, queues: 1, features: { [feature]: false } as Partial<Record<BlkFeatureName, boolean>> } });
      assert.equal(off.dev.offered & featureBits('blk', [feature]), 0n);
      for (const f of fields) {
        const before = off.violations.length;
        assert.equal(off.driver.readConfig(f.offset, width(f.size)), 0, `${f.name} reads 0 when absent`);
        assert.deepEqual(off.rules().slice(before), ['config-field-not-offered'], f.name);
      }
    });
  }

  test('zoned fields are never offered (VIRTIO_BLK_F_ZONED is not implemented)', () => {
    const m = blkMachine();
    m.driver.readConfig(92, 1);
    assert.deepEqual(m.rules(), ['config-field-not-offered']);
  });

  test('MQ is offered with num_queues when there are several queues, and requestq1..N exist', () => {
    const one = blkMachine();
    assert.equal(one.dev.offered & featureBits('blk', ['MQ']), 0n);
    assert.deepEqual(one.dev.queues.map((q) => q.name), ['requestq1']);
    const four = blkMachine({ settings: { queues: 4 } });
    assert.notEqual(four.dev.offered & featureBits('blk', ['MQ']), 0n);
    assert.equal(four.driver.readConfig(34, 2), 4);
    assert.deepEqual(four.dev.queues.map((q) => q.name), ['requestq1', 'requestq2', 'requestq3', 'requestq4']);
    assert.equal(four.driver.queues.length, 4);
  });

  test('every device feature of §5.2.3 this device implements is offered by default (RO only when read-only)', () => {
    const m = blkMachine({ settings: { queues: 2 } });
    const expected = BLK_DEVICE_FEATURES.filter((f) => f !== 'RO');
    assert.equal(m.dev.offered & featureBits('blk', expected), featureBits('blk', expected));
    assert.equal(m.dev.offered & featureBits('blk', ['RO']), 0n);
    const ro = blkMachine({ backend: new MemoryBackend({ size: 4096, readOnly: true }) });
    assert.notEqual(ro.dev.offered & featureBits('blk', ['RO']), 0n);
  });
});

describe('writeback (CONFIG_WCE)', () => {
  test('writethrough flushes after every write; writeback does not; the toggle is the driver write', async () => {
    const backend = new MemoryBackend({ size: 1 << 20 });
    const m = blkMachine({ backend });
    assert.equal(m.driver.readConfig(32, 1), 1);
    await m.client.write(0, 0, pattern(512, 1));
    assert.equal(backend.flushes, 0, 'writeback: no flush per write');
    m.driver.writeConfig(32, 0, 1);
    assert.equal(m.driver.readConfig(32, 1), 0);
    assert.equal(m.dev.writethrough, true);
    await m.client.write(0, 1, pattern(512, 2));
    await m.client.writeZeroes(0, [{ sector: 2, sectors: 1 }]);
    assert.equal(backend.flushes, 2, 'writethrough: each write is flushed before completion');
    m.driver.writeConfig(32, 1, 1);
    await m.client.write(0, 3, pattern(512, 3));
    assert.equal(backend.flushes, 2);
    assert.deepEqual(m.rules(), []);
    assert.ok(m.trace.recent().some((e) => e.type === 'note' && e.message === 'cache mode: writethrough'));
  });

  test('the initial mode comes from the settings and returns after a reset', () => {
    const m = blkMachine({ settings: { writeback: false } });
    assert.equal(m.driver.readConfig(32, 1), 0);
    m.driver.writeConfig(32, 1, 1);
    m.driver.reset();
    m.driver.init();
    assert.equal(m.driver.readConfig(32, 1), 0);
  });

  test('CONFIG_WCE negotiated without FLUSH: writeback is 0 after FEATURES_OK (§5.2.5.2)', async () => {
    const backend = new MemoryBackend({ size: 1 << 20 });
    const offered = blkMachine().dev.offered;
    const m = blkMachine({ backend, wanted: offered & ~featureBits('blk', ['FLUSH']) });
    assert.equal(m.driver.readConfig(32, 1), 0);
    await m.client.write(0, 0, pattern(512, 1));
    assert.equal(backend.flushes, 1);
    assert.deepEqual(m.rules(), []);
  });

  test('FLUSH offered but neither FLUSH nor CONFIG_WCE negotiated: writes are stable on completion', async () => {
    const backend = new MemoryBackend({ size: 1 << 20 });
    const offered = blkMachine().dev.offered;
    const m = blkMachine({ backend, wanted: offered & ~featureBits('blk', ['FLUSH', 'CONFIG_WCE']) });
    await m.client.write(0, 0, pattern(512, 1));
    assert.equal(backend.flushes, 1);
  });

  test('without CONFIG_WCE negotiated the field is read-only for the driver', () => {
    const offered = blkMachine().dev.offered;
    const m = blkMachine({ wanted: offered & ~featureBits('blk', ['CONFIG_WCE']) });
    m.driver.writeConfig(32, 0, 1);
    assert.deepEqual(m.rules(), ['config-write-readonly']);
    assert.equal(m.dev.config.get('writeback'), 1n);
  });
});

describe('capacity change', () => {
  for (const layout of LAYOUTS) {
    test(`resize raises a config-change interrupt; the driver reads the new capacity and I/O follows it (${layout})`, async () => {
      const backend = new MemoryBackend({ size: 64 * 512 });
      const m = blkMachine({ layout, backend });
      assert.equal(m.driver.readConfig(0, 8), 64);
      const gen = m.dev.config.generation;
      let seen = 0;
      m.driver.onConfigChange(() => seen++);
      await m.dev.resize(128);
      await new Promise((r) => setImmediate(r));
      assert.equal(seen, 1, 'the driver saw one config-change interrupt');
      assert.notEqual(m.dev.config.generation, gen);
      assert.equal(m.driver.readConfig(0, 8), 128);
      assert.equal(backend.size, 128 * 512);
      const w = await m.client.write(0, 100, pattern(512, 1));
      assert.equal(w.status, S.OK);
      await m.dev.resize(32);
      await new Promise((r) => setImmediate(r));
      assert.equal(seen, 2);
      assert.equal(m.driver.readConfig(0, 8), 32);
      const r = await m.client.read(0, 40, 1);
      assert.equal(r.status, S.IOERR);
      assert.deepEqual(m.rules(), ['blk-sector-beyond-capacity']);
      assert.ok(m.trace.recent().some((e) => e.type === 'config-change' && e.field === 'capacity'));
    });
  }
});
