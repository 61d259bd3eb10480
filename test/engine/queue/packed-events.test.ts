import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type PackedPair, packedPair } from '../../support/packed-harness';

const ENABLE = 0;
const DISABLE = 1;
const DESC = 2;

function writeEvent(p: PackedPair, which: 'driver' | 'device', off: number, wrap: 0 | 1, flags: number): void {
  const addr = which === 'driver' ? p.driver.driverAddr : p.driver.deviceAddr;
  p.mem.writeU16(addr, off | (wrap << 15));
  p.mem.writeU16(addr + 2, flags);
}

/** Takes `n` single-descriptor lists through the whole cycle so both sides sit at slot n. */
function advance(p: PackedPair, n: number): void {
  for (let i = 0; i < n; i++) {
    p.submit([p.buffer(8)]);
    p.device.pushUsed(p.device.pop()!, 0);
    assert.equal(p.driver.harvest().length, 1);
  }
  p.device.shouldNotify();
  p.driver.needsNotify();
}

function popAll(p: PackedPair, lists: number): ReturnType<PackedPair['device']['pop']>[] {
  for (let i = 0; i < lists; i++) p.submit([p.buffer(8)]);
  return Array.from({ length: lists }, () => p.device.pop());
}

test('device → driver: ENABLE notifies after a push, never twice for the same pushes; DISABLE never', () => {
  const p = packedPair({ size: 4 });
  const [a, b] = popAll(p, 2);
  assert.equal(p.device.shouldNotify(), false, 'nothing pushed yet');
  p.device.pushUsed(a!, 0);
  assert.equal(p.device.shouldNotify(), true);
  assert.equal(p.device.shouldNotify(), false, 'nothing pushed since the last call');
  p.driver.setInterrupts(false);
  p.device.pushUsed(b!, 0);
  assert.equal(p.device.shouldNotify(), false);
  assert.deepEqual(p.violations, []);
});

test('device → driver: DESC (EVENT_IDX) notifies only when the used position crosses the driver event offset', () => {
  const p = packedPair({ size: 4, features: { eventIdx: true } });
  p.driver.setInterrupts(true); // DESC at the driver's used position: slot 0, wrap 1
  const [a, b, c] = popAll(p, 3);
  p.device.pushUsed(a!, 0);
  assert.equal(p.device.shouldNotify(), true, 'used 0 → 1 crosses event 0');
  p.device.pushUsed(b!, 0);
  assert.equal(p.device.shouldNotify(), false, 'used 1 → 2 does not: the driver has not caught up');
  assert.equal(p.driver.harvest().length, 2); // moves the event to slot 2
  p.device.pushUsed(c!, 0);
  assert.equal(p.device.shouldNotify(), true, 'used 2 → 3 crosses the new event 2');
});

test('device → driver: DESC offsets are compared with their wrap counter across the ring end', () => {
  // Used position at slot 3 (wrap 1); three pushes reach slot 0 and 1 of the next lap (wrap 0).
  const cases: { off: number; wrap: 0 | 1; first: boolean; second: boolean; why: string }[] = [
    { off: 1, wrap: 0, first: false, second: true, why: 'event in the next lap at slot 1' },
    { off: 0, wrap: 0, first: true, second: false, why: 'event at slot 0 of the next lap' },
    { off: 3, wrap: 1, first: true, second: false, why: 'event at slot 3 of this lap' },
    { off: 2, wrap: 1, first: false, second: false, why: 'event already passed' },
    { off: 3, wrap: 0, first: false, second: false, why: 'event a whole lap ahead' },
  ];
  for (const c of cases) {
    const p = packedPair({ size: 4, features: { eventIdx: true } });
    advance(p, 3);
    writeEvent(p, 'driver', c.off, c.wrap, DESC);
    const [x, y, z] = popAll(p, 3);
    p.device.pushUsed(x!, 0);
    p.device.pushUsed(y!, 0); // slots 3 (wrap 1) and 0 (wrap 0)
    assert.equal(p.device.shouldNotify(), c.first, `${c.why}: pushes 3→1`);
    p.device.pushUsed(z!, 0); // slot 1 (wrap 0)
    assert.equal(p.device.shouldNotify(), c.second, `${c.why}: push 1→2`);
    assert.deepEqual(p.violations, []);
  }
});

test('device → driver: DESC without EVENT_IDX and the reserved value 3 are reported once and treated as ENABLE', () => {
  const p = packedPair({ size: 4 });
  writeEvent(p, 'driver', 2, 1, DESC);
  const [a, b] = popAll(p, 2);
  p.device.pushUsed(a!, 0);
  assert.equal(p.device.shouldNotify(), true);
  p.device.pushUsed(b!, 0);
  assert.equal(p.device.shouldNotify(), true);
  assert.deepEqual(p.rules(), ['packed-event-flags-invalid']);
  assert.match(p.violations[0]!.message, /EVENT_IDX/);
  assert.equal(p.device.broken, undefined, 'not fatal');

  const q = packedPair({ size: 4, features: { eventIdx: true } });
  writeEvent(q, 'driver', 0, 1, 3);
  q.device.pushUsed(popAll(q, 1)[0]!, 0);
  assert.equal(q.device.shouldNotify(), true);
  assert.deepEqual(q.rules(), ['packed-event-flags-invalid']);
  assert.match(q.violations[0]!.message, /3/);
});

test('driver → device: needsNotify follows ENABLE / DISABLE and only counts what was published since the last call', () => {
  const p = packedPair({ size: 4 });
  assert.equal(p.driver.needsNotify(), false, 'nothing published');
  p.submit([p.buffer(8)]);
  assert.equal(p.driver.needsNotify(), true);
  assert.equal(p.driver.needsNotify(), false);
  p.device.setNotifications(false);
  p.submit([p.buffer(8)]);
  assert.equal(p.driver.needsNotify(), false);
  p.device.setNotifications(true);
  p.driver.add([p.buffer(8)]);
  assert.equal(p.driver.needsNotify(), false, 'added but not published');
  p.driver.publish();
  assert.equal(p.driver.needsNotify(), true);
});

test('driver → device: DESC in the device event structure, with wrap (virtqueue_kick_prepare_packed)', () => {
  const p = packedPair({ size: 4, features: { eventIdx: true } });
  writeEvent(p, 'device', 2, 1, DESC);
  p.submit([p.buffer(8)]); // slot 0
  assert.equal(p.driver.needsNotify(), false, 'published [0,1) does not contain 2');
  p.submit([p.buffer(8), p.buffer(8)]); // slots 1, 2
  assert.equal(p.driver.needsNotify(), true, 'published [1,3) contains 2');

  const q = packedPair({ size: 4, features: { eventIdx: true } });
  advance(q, 3);
  writeEvent(q, 'device', 0, 0, DESC); // slot 0 of the next lap
  q.submit([q.buffer(8)]); // slot 3, wrap 1
  assert.equal(q.driver.needsNotify(), false);
  q.submit([q.buffer(8)]); // slot 0, wrap 0
  assert.equal(q.driver.needsNotify(), true);
  writeEvent(q, 'device', 1, 1, DESC); // slot 1 of the lap that just ended: already passed
  q.submit([q.buffer(8)]);
  assert.equal(q.driver.needsNotify(), false);
});

test('notification data is next_off | next_wrap << 15 of the next descriptor to make available', () => {
  const p = packedPair({ size: 4, initialIndex: 3 | 0x8000, features: { notificationData: true }, synchronousNotify: true });
  assert.equal(p.driver.notificationData(), 3 | 0x8000);
  p.submit([p.buffer(8), p.buffer(8, true)]); // slots 3 and 0 (next lap)
  assert.equal(p.driver.notificationData(), 1, 'slot 1, wrap 0');
  p.device.onNotify(p.driver.notificationData());
  assert.equal(p.violations.length, 0);
  p.device.onNotify(1 | 0x8000);
  assert.deepEqual(p.rules(), ['packed-notify-data-mismatch']);
  assert.match(p.violations[0]!.message, /slot 1, wrap 0/);
  assert.equal(p.device.broken, undefined);

  // Asynchronous transports: an older position is plausible, one past the published end is not.
  const q = packedPair({ size: 8, features: { notificationData: true } });
  q.submit([q.buffer(8)]);
  const old = q.driver.notificationData();
  q.submit([q.buffer(8)]);
  q.device.onNotify(old);
  assert.deepEqual(q.violations, []);
  q.device.onNotify(3 | 0x8000);
  assert.deepEqual(q.rules(), ['packed-notify-data-mismatch']);
});

test('missedNotification: published while notifications were on and never notified', () => {
  const p = packedPair({ size: 8 });
  assert.equal(p.device.missedNotification(), false);
  p.submit([p.buffer(8)]);
  assert.equal(p.device.missedNotification(), true);
  p.device.onNotify();
  assert.equal(p.device.missedNotification(), false);
  p.device.setNotifications(false);
  p.submit([p.buffer(8)]);
  assert.equal(p.device.missedNotification(), false, 'suppressed: no notification was due');
  p.device.setNotifications(true);
  assert.equal(p.device.missedNotification(), false, 'published while suppressed stays excused');
  p.submit([p.buffer(8)]);
  assert.equal(p.device.missedNotification(), true);
  while (p.device.pop());
  assert.equal(p.device.missedNotification(), false, 'the device found them anyway');
  // A malformed list published without a notification is missed too.
  p.driver.injectFault({ rule: 'packed-desc-flags-inconsistent' });
  p.submit([p.buffer(8)]);
  assert.equal(p.device.missedNotification(), true);
});

test('packed-notify-suppressed only when notifications are known to follow the ring writes synchronously', () => {
  const p = packedPair({ size: 4, synchronousNotify: true });
  p.device.onNotify();
  p.device.setNotifications(false);
  assert.equal(p.mem.readU16(p.driver.deviceAddr + 2), DISABLE);
  p.device.onNotify();
  assert.deepEqual(p.rules(), ['packed-notify-suppressed']);
  p.device.setNotifications(true);
  assert.equal(p.mem.readU16(p.driver.deviceAddr + 2), ENABLE);
  p.device.onNotify();
  assert.equal(p.violations.length, 1);

  const q = packedPair({ size: 4 });
  q.device.setNotifications(false);
  q.device.onNotify();
  assert.deepEqual(q.violations, []);
});
