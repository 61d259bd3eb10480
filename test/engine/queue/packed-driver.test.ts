import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packedPair } from '../../support/packed-harness';

test('buffer ids: reused most-recently-freed first without IN_ORDER (like Linux), sequential with IN_ORDER', () => {
  const p = packedPair({ size: 4 });
  for (let i = 0; i < 3; i++) p.submit([p.buffer(8)]);
  const chains = [p.device.pop()!, p.device.pop()!, p.device.pop()!];
  assert.deepEqual(chains.map((c) => c.id), [0, 1, 2]);
  p.device.pushUsed(chains[1]!, 0);
  p.driver.harvest();
  p.submit([p.buffer(8)]);
  assert.equal(p.device.pop()!.id, 1, 'the id just freed');

  const q = packedPair({ size: 3, features: { inOrder: true } });
  const ids: number[] = [];
  for (let i = 0; i < 7; i++) {
    q.submit([q.buffer(8), q.buffer(8, true)]);
    const c = q.device.pop()!;
    ids.push(c.id);
    q.device.pushUsed(c, 1);
    q.driver.harvest();
  }
  assert.deepEqual(ids, [0, 1, 2, 0, 1, 2, 0]);
  assert.deepEqual(q.violations, []);
});

test('IN_ORDER: one used descriptor for a batch returns every buffer up to its id (§2.8.8)', () => {
  const p = packedPair({ size: 8, features: { inOrder: true } });
  const t = [p.submit([p.buffer(8, true)]), p.submit([p.buffer(8), p.buffer(16, true)]), p.submit([p.buffer(32, true)])];
  const last = [p.device.pop()!, p.device.pop()!, p.device.pop()!][2]!;
  // The device writes a single used descriptor at slot 0 naming the last buffer of the batch.
  const at = p.driver.descAddr;
  p.mem.writeU16(at + 12, last.id);
  p.mem.writeU32(at + 8, 20);
  p.mem.writeU16(at + 14, 0x8080 | 2);
  const used = p.driver.harvest();
  assert.deepEqual(used.map((u) => [u.token, u.len]), [[t[0], 8], [t[1], 16], [t[2], 20]], 'earlier buffers count as fully written');
  assert.equal(p.driver.freeCount(), 8);
  assert.equal(p.driver.outstanding, 0);
  // The driver's used position skipped all four slots: the next used descriptor is expected at slot 4.
  p.submit([p.buffer(8, true)]);
  p.mem.writeU16(at + 4 * 16 + 12, 3);
  p.mem.writeU32(at + 4 * 16 + 8, 1);
  p.mem.writeU16(at + 4 * 16 + 14, 0x8080 | 2);
  assert.deepEqual(p.driver.harvest().map((u) => u.len), [1]);
});

test('add(): null when the list does not fit, errors for empty, zero-length or misordered buffers', () => {
  const p = packedPair({ size: 3 });
  assert.notEqual(p.driver.add([p.buffer(8), p.buffer(8)]), null);
  assert.equal(p.driver.freeCount(), 1);
  assert.equal(p.driver.add([p.buffer(8), p.buffer(8)]), null);
  assert.notEqual(p.driver.add([p.buffer(8)]), null);
  assert.equal(p.driver.add([p.buffer(8)]), null);
  assert.equal(p.driver.outstanding, 2);
  assert.throws(() => p.driver.add([]), RangeError);
  assert.throws(() => p.driver.add([{ addr: 0x4000_0000, len: 0, write: false }]), /zero-length/);
  assert.throws(() => p.driver.add([p.buffer(8, true), p.buffer(8)]), /write-before-read/);
});

test('indirect requested without VIRTIO_F_INDIRECT_DESC falls back to direct descriptors', () => {
  const p = packedPair({ size: 4 });
  p.submit([p.buffer(8), p.buffer(8, true)], true);
  assert.equal(p.driver.freeCount(), 2);
  const c = p.device.pop()!;
  assert.equal(c.indirectTable, undefined);
  assert.equal(c.ringSlots, 2);
  assert.deepEqual(p.violations, []);
});

test('a ring started elsewhere (initialIndex) marks every slot used-in-the-previous-lap, so nothing looks pending', () => {
  const p = packedPair({ size: 4, initialIndex: 2 }); // slot 2, wrap 0
  const flags = [0, 1, 2, 3].map((s) => p.mem.readU16(p.driver.descAddr + s * 16 + 14));
  assert.deepEqual(flags, [0, 0, 0x8080, 0x8080]);
  assert.equal(p.device.available(), 0);
  assert.deepEqual(p.driver.harvest(), []);
  assert.equal(p.driver.notificationData(), 2);
});

test('setInterrupts writes the driver event suppression structure (§2.8.10)', () => {
  const p = packedPair({ size: 4 });
  const flags = () => p.mem.readU16(p.driver.driverAddr + 2);
  p.driver.setInterrupts(false);
  assert.equal(flags(), 1);
  p.driver.setInterrupts(true);
  assert.equal(flags(), 0);
  const q = packedPair({ size: 4, features: { eventIdx: true }, initialIndex: 3 });
  q.driver.setInterrupts(true);
  assert.equal(q.mem.readU16(q.driver.driverAddr + 2), 2, 'DESC');
  assert.equal(q.mem.readU16(q.driver.driverAddr), 3, 'at the driver used position: slot 3, wrap 0');
});
