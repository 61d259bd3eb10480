/**
 * One test per packed-* rule: the reference driver ring commits it (FaultPlan), the device side reports
 * exactly that rule id. The two device-side rules are committed by the device and reported by the driver.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { committableRules } from '../../../engine/driver/packed/faults';
import { PACKED_RULES } from '../../../engine/rules/ring-packed';
import { type RuleId, rule as ruleInfo } from '../../../engine/rules';
import { PackedQueue } from '../../../engine/queue/packed/queue';
import { type PackedPair, type PackedPairOptions, packedPair } from '../../support/packed-harness';

const tested = new Set<string>();

/** Arms `rule` for chain `atChain`, submits `atChain + 1` lists and lets the device take them. */
function commit(rule: RuleId, o: Partial<PackedPairOptions> = {}, atChain = 0, indirect = false): PackedPair {
  const p = packedPair({ size: 8, ...o });
  assert.equal(p.driver.injectFault({ rule, atChain }), true, `driver can commit ${rule}`);
  for (let i = 0; i <= atChain; i++) p.submit([p.buffer(16), p.buffer(8, true)], indirect);
  for (let i = 0; i <= atChain; i++) {
    const chain = p.device.pop();
    if (i < atChain) assert.ok(chain, `list ${i} before the fault is fine`);
  }
  return p;
}

function expectFatal(p: PackedPair, rule: RuleId, index?: number, severity: 'fatal' | 'error' = 'fatal'): void {
  tested.add(rule);
  assert.equal(ruleInfo(rule)?.severity, severity, `${rule} is ${severity} in the catalogue`);
  assert.deepEqual(p.rules(), [rule], JSON.stringify(p.violations));
  assert.equal(p.device.broken, rule);
  if (index !== undefined) assert.equal(p.violations[0]!.index, index);
  assert.equal(p.device.pop(), null, 'a broken queue hands out nothing');
  assert.equal(p.device.available(), 0);
}

function expectReported(p: PackedPair, rule: RuleId): void {
  tested.add(rule);
  assert.deepEqual(p.rules(), [rule], JSON.stringify(p.violations));
  assert.equal(p.device.broken, undefined, `${rule} does not stop the queue`);
}

test('packed-ring-misaligned: a descriptor ring at an address that is not 16-byte aligned', () => {
  const p = packedPair({ size: 8, fault: { rule: 'packed-ring-misaligned' } });
  assert.equal(p.driver.descAddr % 16, 8);
  assert.equal(p.device.validate(), false);
  expectFatal(p, 'packed-ring-misaligned');
  assert.match(p.violations[0]!.message, /descriptor ring at 0x[0-9a-f]+ \(needs 16\)/);
});

test('packed-ring-unmapped: a descriptor ring that runs past the end of guest memory', () => {
  const p = packedPair({ size: 8, fault: { rule: 'packed-ring-unmapped' } });
  assert.ok(p.mem.isValid(p.driver.descAddr, 16), 'the head of the ring is mapped');
  assert.equal(p.device.validate(), false, 'but not the whole 16 × size bytes');
  expectFatal(p, 'packed-ring-unmapped');
  // A well-placed ring validates.
  assert.equal(packedPair({ size: 8 }).device.validate(), true);
});

test('packed-ring-overlap: the driver event suppression structure on the descriptor ring is refused at enable', () => {
  const p = packedPair({ size: 8, fault: { rule: 'packed-ring-overlap' } });
  assert.equal(p.driver.driverAddr, p.driver.descAddr);
  assert.equal(p.device.validate(), false);
  expectFatal(p, 'packed-ring-overlap');
  assert.match(p.violations[0]!.message, /the descriptor ring 0x[0-9a-f]+\.\.0x[0-9a-f]+ overlaps the driver event suppression/);
  // The two event structures at one address are refused too.
  const q = packedPair({ size: 8 });
  const both = new PackedQueue({ mem: q.mem, violation: (rule, message) => q.violations.push({ rule, message }) }, { ...q.config, device: q.config.driver });
  assert.equal(both.validate(), false);
  assert.deepEqual(q.rules(), ['packed-ring-overlap']);
});

test('packed-buffer-overlaps-ring: a writable buffer on the descriptor ring, directly or in an indirect table', () => {
  const p = commit('packed-buffer-overlaps-ring');
  const ring = Buffer.from(p.mem.read(p.driver.descAddr, 128));
  expectFatal(p, 'packed-buffer-overlaps-ring', 1);
  assert.match(p.violations[0]!.message, /slot 1 .*overlaps the queue's descriptor ring/);
  assert.deepEqual(Buffer.from(p.mem.read(p.driver.descAddr, 128)), ring, 'nothing written into the ring');
  const q = commit('packed-buffer-overlaps-ring', { features: { indirect: true } }, 0, true);
  expectFatal(q, 'packed-buffer-overlaps-ring', 0);
  assert.match(q.violations[0]!.message, /entry 1 of the indirect table at slot 0/);
  // A buffer on the device event suppression structure, and one right after the ring (fine).
  const r = packedPair({ size: 8 });
  r.submit([{ addr: r.driver.deviceAddr, len: 2, write: false }]);
  assert.equal(r.device.pop(), null);
  assert.deepEqual(r.rules(), ['packed-buffer-overlaps-ring']);
  const ok = packedPair({ size: 8 });
  ok.submit([{ addr: ok.driver.deviceAddr + 4, len: 4, write: false }]);
  assert.ok(ok.device.pop(), JSON.stringify(ok.violations));
});

test('packed-id-in-flight: a list made available with the buffer id of a list the device still holds', () => {
  const p = commit('packed-id-in-flight', {}, 1);
  expectFatal(p, 'packed-id-in-flight', 2);
  assert.match(p.violations[0]!.message, /buffer id 0, which belongs to a list the device took and has not returned yet/);
  // Ids reused after the device returned them are fine.
  const q = packedPair({ size: 4 });
  for (let k = 0; k < 12; k++) {
    q.submit([q.buffer(16)]);
    const c = q.device.pop();
    assert.ok(c, JSON.stringify(q.violations));
    q.device.pushUsed(c, 0);
    assert.equal(q.driver.harvest().length, 1);
  }
  assert.deepEqual(q.rules(), []);
});

test('packed-desc-out-of-memory: a descriptor pointing outside guest memory', () => {
  expectFatal(commit('packed-desc-out-of-memory', {}, 1), 'packed-desc-out-of-memory', 2);
});

test('packed-desc-zero-length: a descriptor with len 0 (also inside an indirect table)', () => {
  expectFatal(commit('packed-desc-zero-length', {}, 2), 'packed-desc-zero-length', 4);
  expectFatal(commit('packed-desc-zero-length', { features: { indirect: true } }, 0, true), 'packed-desc-zero-length', 0);
});

test('packed-write-before-read: a device-readable descriptor after a device-writable one', () => {
  expectFatal(commit('packed-write-before-read'), 'packed-write-before-read', 1);
});

test('packed-chain-too-long: a list that never clears NEXT within the ring', () => {
  const p = commit('packed-chain-too-long');
  expectFatal(p, 'packed-chain-too-long', 7);
  assert.match(p.violations[0]!.message, /after 8 descriptors/);
});

test('packed-desc-flags-inconsistent: a later descriptor carries the wrong wrap bit (head exposed first)', () => {
  const p = commit('packed-desc-flags-inconsistent', { initialIndex: 6 | 0x8000 }, 1);
  expectFatal(p, 'packed-desc-flags-inconsistent', 1);
  assert.match(p.violations[0]!.message, /wrap counter 0/);
});

test('packed-indirect-not-negotiated: VIRTQ_DESC_F_INDIRECT without VIRTIO_F_INDIRECT_DESC: reported, the table is served (strict: stopped)', () => {
  tested.add('packed-indirect-not-negotiated');
  assert.equal(ruleInfo('packed-indirect-not-negotiated')?.severity, 'error');
  const p = packedPair({ size: 8 });
  assert.equal(p.driver.injectFault({ rule: 'packed-indirect-not-negotiated', atChain: 0 }), true);
  p.submit([p.buffer(16), p.buffer(8, true)], true);
  const chain = p.device.pop();
  assert.ok(chain, JSON.stringify(p.violations));
  assert.deepEqual([chain.descriptors.length, chain.readableBytes, chain.writableBytes], [2, 16, 8], 'the table\'s buffers, not the table');
  assert.deepEqual(p.rules(), ['packed-indirect-not-negotiated']);
  assert.equal(p.violations[0]!.index, 0);
  assert.equal(p.device.broken, undefined);
  p.device.pushUsed(chain, 8);
  assert.equal(p.driver.harvest().length, 1);
  p.submit([p.buffer(16), p.buffer(8, true)]);
  assert.ok(p.device.pop(), 'the queue goes on');
  expectFatal(commit('packed-indirect-not-negotiated', { strict: true }), 'packed-indirect-not-negotiated', 0, 'error');
});

test('packed-indirect-flags: NEXT set inside an indirect table', () => {
  expectFatal(commit('packed-indirect-flags', { features: { indirect: true } }, 0, true), 'packed-indirect-flags', 0);
});

test('packed-indirect-in-chain: an indirect descriptor that is part of a NEXT list', () => {
  expectFatal(commit('packed-indirect-in-chain', { features: { indirect: true } }, 1), 'packed-indirect-in-chain', 2);
});

test('packed-indirect-bad-length: an indirect table length that is not a multiple of 16', () => {
  const p = commit('packed-indirect-bad-length', { features: { indirect: true } }, 0, true);
  expectFatal(p, 'packed-indirect-bad-length', 0);
  assert.match(p.violations[0]!.message, /len 40/);
});

test('packed-event-flags-invalid: reserved driver event suppression flags', () => {
  const p = commit('packed-event-flags-invalid');
  assert.deepEqual(p.violations, [], 'judged when the device decides whether to notify');
  p.submit([p.buffer(8)]);
  p.device.pushUsed(p.device.pop()!, 0);
  assert.equal(p.device.shouldNotify(), true, 'treated as ENABLE');
  expectReported(p, 'packed-event-flags-invalid');
});

test('packed-notify-data-mismatch: notification data that is not the next available position', () => {
  const p = packedPair({ size: 8, features: { notificationData: true }, synchronousNotify: true });
  assert.equal(p.driver.injectFault({ rule: 'packed-notify-data-mismatch', atChain: 1 }), true);
  for (let i = 0; i < 2; i++) {
    p.submit([p.buffer(8)]);
    p.device.onNotify(p.driver.notificationData());
    assert.equal(p.violations.length, i, `notification ${i}`);
  }
  expectReported(p, 'packed-notify-data-mismatch');
  assert.ok(p.device.pop() && p.device.pop(), 'the lists themselves are fine');
});

test('packed-in-order-violation: buffer ids out of sequence with VIRTIO_F_IN_ORDER', () => {
  const p = commit('packed-in-order-violation', { features: { inOrder: true } }, 2);
  expectFatal(p, 'packed-in-order-violation', 4);
  assert.match(p.violations[0]!.message, /must be 2/);
});

test('packed-published-desc-modified: the driver writes a descriptor after exposing it', () => {
  const p = packedPair({ size: 8, watchWrites: true });
  assert.equal(p.driver.injectFault({ rule: 'packed-published-desc-modified', atChain: 1 }), true);
  p.submit([p.buffer(8), p.buffer(8)]);
  assert.equal(p.violations.length, 0);
  p.submit([p.buffer(8), p.buffer(8)]);
  expectReported(p, 'packed-published-desc-modified');
  assert.equal(p.violations[0]!.index, 2);
  assert.ok(p.device.pop() && p.device.pop());
  p.device.dispose();
  p.mem.writeU16(p.driver.descAddr + 14, 0);
  assert.equal(p.violations.length, 1, 'dispose() stops watching');
});

test('packed-notify-suppressed: a notification while the device event structure says DISABLE', () => {
  const p = packedPair({ size: 8, synchronousNotify: true });
  p.device.setNotifications(false);
  assert.equal(p.driver.injectFault({ rule: 'packed-notify-suppressed' }), true);
  p.submit([p.buffer(8)]);
  assert.equal(p.driver.needsNotify(), true, 'the faulty driver ignores the suppression');
  p.device.onNotify();
  expectReported(p, 'packed-notify-suppressed');
  p.submit([p.buffer(8)]);
  assert.equal(p.driver.needsNotify(), false, 'one fault, then the driver behaves');
});

test('packed-notify-missing: descriptors made available without the notification the device asked for', () => {
  const p = packedPair({ size: 8 });
  assert.equal(p.driver.injectFault({ rule: 'packed-notify-missing' }), true);
  p.submit([p.buffer(8)]);
  assert.equal(p.driver.needsNotify(), false, 'the faulty driver skips the notification');
  const work = p.device.unnotified();
  assert.ok(work, 'the device sees unnotified work');
  assert.equal(work.at, 1 | 0x8000, 'the next descriptor the driver will make available: slot 1, wrap 1');
  assert.match(work.detail, /up to slot 1 \(wrap 1\), the device at slot 0.*RING_EVENT_FLAGS_ENABLE/);
  assert.deepEqual(p.violations, [], 'unnotified() only looks; the stall detector reports');
  p.device.onNotify();
  assert.equal(p.device.unnotified(), undefined, 'notified: nothing owed');
  p.submit([p.buffer(8)]);
  assert.equal(p.driver.needsNotify(), true, 'one fault, then the driver behaves');
  tested.add('packed-notify-missing');
});

test('packed-used-len-exceeds-buffer (device bug): the driver reports a used len above the writable bytes', () => {
  const p = packedPair({ size: 8 });
  const token = p.submit([p.buffer(16), p.buffer(8, true)]);
  const chain = p.device.pop()!;
  p.device.pushUsed(chain, chain.writableBytes + 1);
  const used = p.driver.harvest();
  assert.deepEqual(used.map((u) => [u.token, u.len]), [[token, 8]], 'clamped to the buffer');
  assert.deepEqual(p.deviceErrors.map((e) => e.rule), ['packed-used-len-exceeds-buffer']);
  assert.match(p.deviceErrors[0]!.message, /len 9.*only 8/);
  tested.add('packed-used-len-exceeds-buffer');
});

test('packed-used-id-invalid (device bug): the driver reports an unknown buffer id and stops harvesting', () => {
  const p = packedPair({ size: 8 });
  p.submit([p.buffer(16)]);
  p.submit([p.buffer(16)]);
  const chain = p.device.pop()!;
  p.device.pushUsed({ ...chain, id: 5 }, 0);
  assert.deepEqual(p.driver.harvest(), []);
  assert.deepEqual(p.deviceErrors.map((e) => e.rule), ['packed-used-id-invalid']);
  p.device.pushUsed(p.device.pop()!, 0);
  assert.deepEqual(p.driver.harvest(), [], 'like Linux BAD_RING: the ring is dead');

  const q = packedPair({ size: 8 });
  q.submit([q.buffer(16)]);
  q.device.pushUsed({ ...q.device.pop()!, id: 9 }, 0);
  q.driver.harvest();
  assert.match(q.deviceErrors[0]!.message, /out of range/);
  tested.add('packed-used-id-invalid');
});

test('injectFault refuses what this ring cannot commit', () => {
  const p = packedPair({ size: 8 });
  for (const rule of ['packed-indirect-flags', 'packed-in-order-violation', 'packed-notify-data-mismatch', 'packed-used-len-exceeds-buffer', 'packed-ring-misaligned', 'split-desc-zero-length'] satisfies RuleId[]) {
    assert.equal(p.driver.injectFault({ rule }), false, rule);
  }
  const q = packedPair({ size: 8, features: { indirect: true } });
  assert.equal(q.driver.injectFault({ rule: 'packed-indirect-not-negotiated' }), false);
});

test('every packed rule has its test above, and the driver can commit every rule a driver can break', () => {
  const ids = PACKED_RULES.map((r) => r.id as string);
  assert.deepEqual([...tested].sort(), [...ids].sort());
  const deviceSide = ['packed-used-len-exceeds-buffer', 'packed-used-id-invalid'];
  assert.deepEqual([...committableRules()].sort(), ids.filter((id) => !deviceSide.includes(id)).sort());
});
