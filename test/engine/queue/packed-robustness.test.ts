import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PackedQueue } from '../../../engine/queue/packed';
import { RAM_BASE, packedPair } from '../../support/packed-harness';

const AVAIL = 0x80;
const NEXT = 1;

test('write watcher: a correct driver is never reported, not even across many laps with indirect lists', () => {
  const p = packedPair({ size: 5, watchWrites: true, features: { indirect: true } });
  for (let i = 0; i < 40; i++) {
    p.submit([p.buffer(8), p.buffer(8, true)], i % 3 === 0);
    p.submit([p.buffer(8)]);
    p.device.available();
    const a = p.device.pop()!;
    p.device.pushUsed(a, 1);
    p.driver.harvest();
    p.device.pushUsed(p.device.pop()!, 0);
    p.driver.harvest();
  }
  assert.deepEqual(p.violations, []);
});

test('write watcher: descriptors written after their head was exposed, and slots the device holds, are reported', () => {
  // Head first, then the rest: the classic missing barrier (§2.8.21.1, P6).
  const p = packedPair({ size: 8, watchWrites: true });
  const ring = p.driver.descAddr;
  const b = p.buffer(64);
  p.mem.writeU64(ring, b.addr);
  p.mem.writeU32(ring + 8, 32);
  p.mem.writeU16(ring + 14, AVAIL | NEXT); // head exposed
  assert.equal(p.violations.length, 0, 'writing the head flags is the publication itself');
  p.mem.writeU64(ring + 16, b.addr + 32);
  p.mem.writeU32(ring + 24, 32);
  p.mem.writeU16(ring + 30, AVAIL); // second descriptor completes the list: now visible, written late
  assert.deepEqual(p.rules(), ['packed-published-desc-modified']);
  assert.equal(p.violations[0]!.index, 1);
  assert.match(p.violations[0]!.message, /published list the device has not taken/);

  // A slot the device has taken and not yet returned.
  const q = packedPair({ size: 8, watchWrites: true });
  q.submit([q.buffer(8)]);
  const chain = q.device.pop()!;
  q.mem.writeU32(q.driver.descAddr + 8, 99);
  assert.deepEqual(q.rules(), ['packed-published-desc-modified']);
  assert.match(q.violations[0]!.message, /taken and not yet marked used/);
  q.device.pushUsed(chain, 0);
  assert.equal(q.violations.length, 1, "the device's own used descriptor is not the driver's write");
  q.driver.harvest();
  q.mem.writeU32(q.driver.descAddr + 8, 7);
  assert.equal(q.violations.length, 1, 'returned slots belong to the driver again');
});

test('ring memory that disappears after validate() becomes packed-ring-unmapped, never an exception', () => {
  const p = packedPair({ size: 4 });
  assert.equal(p.device.validate(), true);
  p.submit([p.buffer(8, true)]);
  const chain = p.device.pop()!;
  const region = p.mem.removeRegion(RAM_BASE)!;
  assert.ok(region);
  assert.equal(p.device.available(), 1, 'something is there to judge');
  assert.equal(p.device.peek(4).problem?.rule, 'packed-ring-unmapped');
  assert.deepEqual(p.violations, []);
  assert.doesNotThrow(() => p.device.pushUsed(chain, 1));
  assert.deepEqual(p.rules(), ['packed-ring-unmapped']);
  assert.doesNotThrow(() => {
    p.device.setNotifications(false);
    p.device.shouldNotify();
    p.device.onNotify(0);
    p.device.missedNotification();
    p.device.inspect(true);
  });
  assert.equal(p.device.pop(), null);
  const snap = p.device.inspect(true);
  assert.equal(snap.broken, 'packed-ring-unmapped');
  assert.deepEqual(snap.ring && snap.ring.layout === 'packed' ? snap.ring.desc : null, [], 'unreadable slots are left out');

  const q = packedPair({ size: 4 });
  q.submit([q.buffer(8)]);
  q.mem.removeRegion(RAM_BASE);
  assert.equal(q.device.pop(), null);
  assert.deepEqual(q.rules(), ['packed-ring-unmapped']);
});

test('queue sizes outside 1..32768 leave the queue inert (the device core reports the size)', () => {
  for (const size of [0, 32769]) {
    const p = packedPair({ size: 4 });
    const q = new PackedQueue({ mem: p.mem, violation: () => assert.fail('no violation for the size') }, { ...p.config, size });
    assert.equal(q.validate(), false);
    assert.equal(q.pop(), null);
    assert.equal(q.available(), 0);
    assert.deepEqual(q.peek(4).chains, []);
    assert.equal(q.shouldNotify(), false);
    assert.equal(q.getBase(), 0);
    assert.doesNotThrow(() => q.inspect(true));
  }
});
