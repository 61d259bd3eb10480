import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { STATUS_BITS, flagNames, formatFlags, formatStatus, ringFlags, statusBitByName, statusNames } from '../../../engine/spec-tables';

describe('device status', () => {
  test('digest §1 values', () => {
    const byName = Object.fromEntries(STATUS_BITS.map((b) => [b.specName, b.value]));
    assert.deepEqual(byName, { ACKNOWLEDGE: 1, DRIVER: 2, DRIVER_OK: 4, FEATURES_OK: 8, SUSPEND: 16, DEVICE_NEEDS_RESET: 64, FAILED: 128 });
    assert.equal(statusBitByName('VIRTIO_CONFIG_S_DRIVER_OK')?.value, 4);
    assert.equal(statusBitByName('DeviceStatus::FEATURES_OK')?.value, 8);
    assert.equal(statusBitByName('VIRTIO_CONFIG_S_NEEDS_RESET')?.specName, 'DEVICE_NEEDS_RESET');
  });

  test('statusNames: in initialisation order, unknown bits in hex', () => {
    assert.deepEqual(statusNames(0x0f), ['ACKNOWLEDGE', 'DRIVER', 'FEATURES_OK', 'DRIVER_OK']);
    assert.deepEqual(statusNames(0x23), ['ACKNOWLEDGE', 'DRIVER', '0x20']);
    assert.deepEqual(statusNames(0), []);
    assert.deepEqual(statusNames(0xc0), ['DEVICE_NEEDS_RESET', 'FAILED']);
    assert.equal(formatStatus(0), '0 (reset)');
    assert.equal(formatStatus(3), 'ACKNOWLEDGE | DRIVER');
  });
});

describe('ring flags', () => {
  test('digest §5/§6 values', () => {
    const v = (kind: Parameters<typeof ringFlags>[0]): Record<string, number> => Object.fromEntries(ringFlags(kind).map((f) => [f.short, f.value]));
    assert.deepEqual(v('desc'), { NEXT: 1, WRITE: 2, INDIRECT: 4 });
    assert.deepEqual(v('packed-desc'), { NEXT: 1, WRITE: 2, INDIRECT: 4, AVAIL: 0x80, USED: 0x8000 });
    assert.deepEqual(v('avail'), { NO_INTERRUPT: 1 });
    assert.deepEqual(v('used'), { NO_NOTIFY: 1 });
    assert.deepEqual(v('event'), { ENABLE: 0, DISABLE: 1, DESC: 2 });
  });

  test('Linux and spec spellings', () => {
    const desc = ringFlags('desc');
    assert.deepEqual(desc.map((f) => f.name), ['VRING_DESC_F_NEXT', 'VRING_DESC_F_WRITE', 'VRING_DESC_F_INDIRECT']);
    assert.ok(desc.every((f) => f.aliases.includes(f.name.replace('VRING_', 'VIRTQ_'))));
  });

  test('flagNames', () => {
    assert.deepEqual(flagNames('desc', 3), ['NEXT', 'WRITE']);
    assert.deepEqual(flagNames('desc', 0), []);
    assert.deepEqual(flagNames('desc', 0x0c), ['INDIRECT', '0x8']);
    assert.deepEqual(flagNames('packed-desc', 0x8083), ['NEXT', 'WRITE', 'AVAIL', 'USED']);
    assert.deepEqual(flagNames('avail', 1), ['NO_INTERRUPT']);
    assert.deepEqual(flagNames('used', 3), ['NO_NOTIFY', '0x2']);
    assert.deepEqual(flagNames('event', 2), ['DESC']);
    assert.deepEqual(flagNames('event', 3), ['reserved (3)']);
    assert.deepEqual(flagNames('event', 0), ['ENABLE']);
    assert.equal(formatFlags('desc', 0), '0');
    assert.equal(formatFlags('desc', 5), 'NEXT | INDIRECT');
  });
});
