import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { u16, u16Distance, vringNeedEvent } from '../../../engine/queue/event-idx';
import {
  availEventOffset,
  availRingBytes,
  availRingOffset,
  descTableBytes,
  SPLIT_ALIGN,
  splitDescFlagNames,
  usedEventOffset,
  usedRingBytes,
  usedRingOffset,
} from '../../../engine/queue/split/layout';
import { judgeAvailIdx } from '../../../engine/queue/split';
import { RAM_BASE, splitPair } from '../../support/split-harness';

describe('split layout (§2.7)', () => {
  test('part sizes and alignments follow the §2.7 table', () => {
    assert.deepEqual(SPLIT_ALIGN, { desc: 16, avail: 2, used: 4 });
    for (const qs of [1, 2, 256, 32768]) {
      assert.equal(descTableBytes(qs), 16 * qs);
      assert.equal(availRingBytes(qs), 6 + 2 * qs);
      assert.equal(usedRingBytes(qs), 6 + 8 * qs);
    }
  });

  test('field offsets: avail ring[i] 4+2i, used_event 4+2QS; used ring[i] 4+8i, avail_event 4+8QS', () => {
    assert.equal(availRingOffset(0), 4);
    assert.equal(availRingOffset(7), 18);
    assert.equal(usedEventOffset(256), 516);
    assert.equal(usedRingOffset(0), 4);
    assert.equal(usedRingOffset(3), 28);
    assert.equal(availEventOffset(256), 2052);
    // The last ring entry ends exactly where the event field starts, which ends the part.
    assert.equal(availRingOffset(255) + 2, usedEventOffset(256));
    assert.equal(usedEventOffset(256) + 2, availRingBytes(256));
    assert.equal(usedRingOffset(255) + 8, availEventOffset(256));
    assert.equal(availEventOffset(256) + 2, usedRingBytes(256));
  });

  test('the driver ring writes the fields where the offsets say', () => {
    const p = splitPair({ size: 8, features: { eventIdx: true }, initialIndex: 0x1234 });
    const { mem, driver } = p;
    assert.equal(driver.descAddr % 16, 0);
    assert.equal(driver.driverAddr % 2, 0);
    assert.equal(driver.deviceAddr % 4, 0);
    assert.ok(driver.descAddr >= RAM_BASE);
    assert.equal(mem.readU16(driver.driverAddr + 2), 0x1234, 'avail.idx');
    assert.equal(mem.readU16(driver.driverAddr + usedEventOffset(8)), 0x1234, 'used_event');
    assert.equal(mem.readU16(driver.deviceAddr + 2), 0x1234, 'used.idx');
    assert.equal(mem.readU16(driver.deviceAddr + availEventOffset(8)), 0x1234, 'avail_event');
    const b = p.buffer(32);
    p.submit([b]);
    assert.equal(mem.readU16(driver.driverAddr + availRingOffset(0x1234 % 8)), 0, 'head in avail.ring[idx % QS]');
    assert.equal(mem.readU64(driver.descAddr), b.addr);
    assert.equal(mem.readU32(driver.descAddr + 8), 32);
    const c = p.device.pop()!;
    p.device.pushUsed(c, 7);
    assert.equal(mem.readU32(driver.deviceAddr + usedRingOffset(0x1234 % 8)), 0, 'used elem id');
    assert.equal(mem.readU32(driver.deviceAddr + usedRingOffset(0x1234 % 8) + 4), 7, 'used elem len');
    assert.equal(mem.readU16(driver.deviceAddr + 2), 0x1235);
  });

  test('descriptor flag names', () => {
    assert.deepEqual(splitDescFlagNames(0), []);
    assert.deepEqual(splitDescFlagNames(1), ['NEXT']);
    assert.deepEqual(splitDescFlagNames(7), ['NEXT', 'WRITE', 'INDIRECT']);
    assert.deepEqual(splitDescFlagNames(0x102), ['WRITE', '0x100']);
  });
});

describe('vring_need_event (virtio-queue.h)', () => {
  // (event, new, old) → need: true exactly when event ∈ [old, new) on the 16-bit circle.
  const examples: [number, number, number, boolean][] = [
    [0, 1, 0, true],
    [1, 1, 0, false],
    [5, 10, 3, true],
    [3, 10, 3, true],
    [9, 10, 3, true],
    [10, 10, 3, false],
    [2, 10, 3, false],
    [7, 7, 7, false], // nothing moved
    // across the wrap
    [65535, 0, 65534, true],
    [65534, 0, 65534, true],
    [65535, 1, 65535, true],
    [0, 1, 65535, true],
    [1, 1, 65535, false],
    [65534, 2, 65535, false],
    [65533, 2, 65530, true],
    [3, 2, 65530, false],
    [65529, 2, 65530, false],
    // the whole circle but one: everything except new itself
    [4, 5, 6, true],
    [5, 5, 6, false],
  ];
  for (const [event, now, old, need] of examples) {
    test(`event ${event}, new ${now}, old ${old} → ${need}`, () => {
      assert.equal(vringNeedEvent(event, now, old), need);
    });
  }

  test('agrees with "event in [old, new)" for every event on a window crossing 65535', () => {
    const old = 65500;
    const now = 40;
    for (let e = 0; e < 65536; e++) {
      const inside = u16Distance(old, e) < u16Distance(old, now);
      assert.equal(vringNeedEvent(e, now, old), inside, `event ${e}`);
    }
  });

  test('u16 helpers', () => {
    assert.equal(u16(65536 + 5), 5);
    assert.equal(u16(-1), 65535);
    assert.equal(u16Distance(65535, 1), 2);
    assert.equal(u16Distance(1, 65535), 65534);
  });
});

describe('judging avail.idx (§2.7.13.3, §2.7.6.1)', () => {
  test('within the queue size: fine, also across the wrap', () => {
    assert.equal(judgeAvailIdx(10, 2, 2, 8), undefined);
    assert.equal(judgeAvailIdx(3, 65531, 65531, 8), undefined);
    assert.equal(judgeAvailIdx(3, 65531, 1, 8), undefined);
  });
  test('more than QS ahead is a jump', () => {
    assert.equal(judgeAvailIdx(11, 2, 2, 8)?.rule, 'split-avail-idx-jump');
    assert.match(judgeAvailIdx(11, 2, 2, 8)!.message, /avail\.idx is 11, 9 entries ahead of the device's last_avail_idx 2/);
    assert.equal(judgeAvailIdx(4, 65531, 65531, 8)?.rule, 'split-avail-idx-jump');
  });
  test('going back from the last value seen is a decrement, inside or outside the window', () => {
    assert.equal(judgeAvailIdx(1, 2, 2, 8)?.rule, 'split-avail-idx-decrement'); // 65535 ahead
    assert.equal(judgeAvailIdx(65535, 0, 0, 8)?.rule, 'split-avail-idx-decrement');
    assert.equal(judgeAvailIdx(4, 2, 6, 8)?.rule, 'split-avail-idx-decrement'); // seen 6, now 4, device at 2
    assert.match(judgeAvailIdx(4, 2, 6, 8)!.message, /went back from 6 to 4/);
  });
});
