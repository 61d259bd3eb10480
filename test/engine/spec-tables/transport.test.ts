import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEVICE_IDS, MMIO_MAGIC, MMIO_REGISTERS, PCI_CAP_TYPES, PCI_COMMON_CFG, deviceIdName, mmioRegister } from '../../../engine/spec-tables';

// Digest §7 (MMIO v2 + legacy).
const DIGEST_MMIO: [string, number][] = [
  ['MagicValue', 0x000], ['Version', 0x004], ['DeviceID', 0x008], ['VendorID', 0x00c], ['DeviceFeatures', 0x010],
  ['DeviceFeaturesSel', 0x014], ['DriverFeatures', 0x020], ['DriverFeaturesSel', 0x024], ['GuestPageSize', 0x028], ['QueueSel', 0x030],
  ['QueueNumMax', 0x034], ['QueueNum', 0x038], ['QueueAlign', 0x03c], ['QueuePFN', 0x040], ['QueueReady', 0x044],
  ['QueueNotify', 0x050], ['InterruptStatus', 0x060], ['InterruptACK', 0x064], ['Status', 0x070], ['QueueDescLow', 0x080],
  ['QueueDescHigh', 0x084], ['QueueDriverLow', 0x090], ['QueueDriverHigh', 0x094], ['QueueDeviceLow', 0x0a0],
  ['QueueDeviceHigh', 0x0a4], ['SHMSel', 0x0ac], ['SHMLenLow', 0x0b0], ['SHMLenHigh', 0x0b4], ['SHMBaseLow', 0x0b8],
  ['SHMBaseHigh', 0x0bc], ['QueueReset', 0x0c0], ['ConfigGeneration', 0x0fc],
];
// Digest §7 (PCI common cfg).
const DIGEST_PCI: [number, string, number][] = [
  [0, 'device_feature_select', 4], [4, 'device_feature', 4], [8, 'driver_feature_select', 4], [12, 'driver_feature', 4],
  [16, 'config_msix_vector', 2], [18, 'num_queues', 2], [20, 'device_status', 1], [21, 'config_generation', 1], [22, 'queue_select', 2],
  [24, 'queue_size', 2], [26, 'queue_msix_vector', 2], [28, 'queue_enable', 2], [30, 'queue_notify_off', 2], [32, 'queue_desc', 8],
  [40, 'queue_driver', 8], [48, 'queue_device', 8], [56, 'queue_notif_config_data', 2], [58, 'queue_reset', 2],
  [60, 'admin_queue_index', 2], [62, 'admin_queue_num', 2],
];

describe('virtio-mmio', () => {
  test('register map per digest', () => {
    assert.deepEqual(MMIO_REGISTERS.map((r) => [r.name, r.offset]), DIGEST_MMIO);
    assert.ok(MMIO_REGISTERS.every((r) => r.width === 4 && r.constant.startsWith('VIRTIO_MMIO_')));
    assert.deepEqual(MMIO_REGISTERS.filter((r) => r.legacy).map((r) => r.name), ['GuestPageSize', 'QueueAlign', 'QueuePFN']);
    assert.equal(MMIO_MAGIC, 0x74726976);
  });

  test('access directions', () => {
    const acc = (n: string): string | undefined => MMIO_REGISTERS.find((r) => r.name === n)?.access;
    assert.equal(acc('MagicValue'), 'r');
    assert.equal(acc('QueueNotify'), 'w');
    assert.equal(acc('Status'), 'rw');
    assert.equal(acc('QueueReady'), 'rw');
    assert.equal(acc('InterruptACK'), 'w');
  });

  test('lookup by version', () => {
    assert.equal(mmioRegister(0x040, 1)?.name, 'QueuePFN');
    assert.equal(mmioRegister(0x040, 2), undefined);
    assert.equal(mmioRegister(0x044, 1), undefined);
    assert.equal(mmioRegister(0x044)?.name, 'QueueReady');
    assert.equal(mmioRegister(0x070, 1)?.name, 'Status');
    assert.equal(mmioRegister(0x0f8), undefined);
  });
});

describe('PCI', () => {
  test('common cfg per digest, contiguous to 64 bytes', () => {
    assert.deepEqual(PCI_COMMON_CFG.map((r) => [r.offset, r.name, r.width]), DIGEST_PCI);
    let end = 0;
    for (const r of PCI_COMMON_CFG) {
      assert.equal(r.offset, end, r.name);
      end += r.width;
    }
    assert.equal(end, 64);
  });

  test('cap types', () => {
    assert.deepEqual(Object.fromEntries(PCI_CAP_TYPES.map((c) => [c.short, c.value])), {
      COMMON_CFG: 1, NOTIFY_CFG: 2, ISR_CFG: 3, DEVICE_CFG: 4, PCI_CFG: 5, SHARED_MEMORY_CFG: 8, VENDOR_CFG: 9,
    });
  });
});

describe('device IDs', () => {
  test('spec list', () => {
    const ids = DEVICE_IDS.map((d) => d.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(deviceIdName(1), 'network card (1)');
    assert.equal(deviceIdName(2), 'block device (2)');
    assert.equal(deviceIdName(4), 'entropy source (4)');
    assert.equal(deviceIdName(19), 'Socket device (19)');
    assert.equal(deviceIdName(14), 'unknown device (14)');
    for (let id = 1; id <= 13; id++) assert.ok(ids.includes(id), `id ${id}`);
    for (let id = 16; id <= 36; id++) assert.ok(ids.includes(id), `id ${id}`);
  });
});
