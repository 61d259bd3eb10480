/**
 * One test per split-* rule: the reference driver ring commits it (injectFault or a placement fault),
 * the device side reports exactly that rule id, and the queue is stopped or not as designed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type FaultPlan } from '../../../engine/driver/ring-types';
import { usedRingOffset } from '../../../engine/queue/split/layout';
import { type RingFeatures } from '../../../engine/queue/types';
import { type RuleId, rule as ruleInfo } from '../../../engine/rules';
import { SPLIT_RULES } from '../../../engine/rules/ring-split';
import { SplitQueue } from '../../../engine/queue/split/queue';
import { type SplitPair, splitPair } from '../../support/split-harness';

const tested = new Set<string>();

/** A healthy request first (so faults are seen at chain 1, not just the first chain), then the faulty one. */
function commit(rule: RuleId, f: Partial<RingFeatures> = {}, opts: { indirect?: boolean; buffers?: number; size?: number; strict?: boolean } = {}): SplitPair {
  const p = splitPair({ size: opts.size ?? 8, features: f, synchronousNotify: true, strict: opts.strict ?? false });
  assert.equal(p.driver.injectFault({ rule, atChain: 1 }), true, `driver can commit ${rule}`);
  p.submitAndKick([p.buffer(16), p.buffer(8, true)], opts.indirect);
  const good = p.device.pop();
  assert.ok(good, `first chain is fine: ${JSON.stringify(p.violations)}`);
  p.device.pushUsed(good, 8);
  assert.equal(p.driver.harvest().length, 1);
  const n = opts.buffers ?? 3;
  p.submitAndKick(
    Array.from({ length: n }, (_, k) => p.buffer(16, k === n - 1)),
    opts.indirect,
  );
  return p;
}

/** The queue reported exactly `rule`, is stopped by it, and takes nothing more. */
function assertFatal(p: SplitPair, rule: RuleId, severity: 'fatal' | 'error' = 'fatal'): void {
  assert.equal(ruleInfo(rule)?.severity, severity, `${rule} is ${severity} in the catalogue`);
  assert.equal(p.device.pop(), null);
  assert.deepEqual(p.rules(), [rule], JSON.stringify(p.violations));
  assert.equal(p.device.broken, rule);
  assert.equal(p.device.available(), 0);
  assert.equal(p.device.pop(), null);
  assert.equal(p.violations.length, 1, 'reported once');
  assert.ok(p.violations[0]!.message.length > 20);
}

/**
 * A servable breach (severity 'error'): reported once with its offending index, the chain is served with
 * every descriptor the driver published, the queue goes on; with `strict` the same chain stops the queue.
 */
function assertServed(make: (strict: boolean) => SplitPair, rule: RuleId, descriptors: number): void {
  assert.equal(ruleInfo(rule)?.severity, 'error', `${rule} is servable in the catalogue`);
  const p = make(false);
  const chain = p.device.pop();
  assert.ok(chain, `the chain is served: ${JSON.stringify(p.violations)}`);
  assert.equal(chain.descriptors.length, descriptors);
  assert.deepEqual(p.rules(), [rule], JSON.stringify(p.violations));
  assert.equal(typeof p.violations[0]!.index, 'number', 'the offending index is named');
  assert.equal(p.device.broken, undefined);
  p.device.pushUsed(chain, 0);
  assert.equal(p.driver.harvest().length, 1, 'the driver gets it back');
  p.submitAndKick([p.buffer(16), p.buffer(8, true)]);
  assert.ok(p.device.pop(), 'the next chain is served too');
  assertFatal(make(true), rule, 'error');
}

function ruleTest(rule: string, name: string, fn: () => void): void {
  tested.add(rule);
  test(`${rule}: ${name}`, fn);
}

describe('split rules: the driver commits, the device reports', () => {
  ruleTest('split-ring-misaligned', 'used ring at 2 mod 4 is refused at enable', () => {
    const p = splitPair({ size: 8, fault: { rule: 'split-ring-misaligned' } });
    assert.equal(p.driver.deviceAddr % 4, 2);
    assert.equal(p.device.validate(), false);
    assert.deepEqual(p.rules(), ['split-ring-misaligned']);
    assert.match(p.violations[0]!.message, /used ring 0x[0-9a-f]+ \(needs 4-byte alignment\)/);
    assert.equal(p.device.broken, 'split-ring-misaligned');
    p.submit([p.buffer(4)]);
    assert.equal(p.device.pop(), null);
  });

  ruleTest('split-ring-unmapped', 'a used ring outside guest memory is refused; the driver side does not throw', () => {
    const p = splitPair({ size: 8, fault: { rule: 'split-ring-unmapped' } });
    assert.equal(p.device.validate(), false);
    assert.deepEqual(p.rules(), ['split-ring-unmapped']);
    assert.match(p.violations[0]!.message, /used ring/);
    assert.equal(p.device.broken, 'split-ring-unmapped');
    p.submit([p.buffer(4)]);
    assert.equal(p.driver.needsNotify(), false);
    assert.deepEqual(p.driver.harvest(), []);
    assert.equal(p.device.pop(), null);
  });

  ruleTest('split-ring-unmapped', 'a ring that disappears later (memory removed) stops the queue instead of throwing', () => {
    const p = splitPair({ size: 8 });
    assert.equal(p.device.validate(), true);
    p.submit([p.buffer(4)]);
    p.mem.removeRegion(p.mem.list()[0]!.gpa);
    assert.equal(p.device.pop(), null);
    assert.deepEqual(p.rules(), ['split-ring-unmapped']);
    assert.equal(p.device.broken, 'split-ring-unmapped');
  });

  ruleTest('split-used-flags-not-zero', 'garbage in used.flags is reported, the ring stays usable', () => {
    const p = splitPair({ size: 8, fault: { rule: 'split-used-flags-not-zero' } });
    assert.equal(p.device.validate(), true);
    assert.deepEqual(p.rules(), ['split-used-flags-not-zero']);
    assert.match(p.violations[0]!.message, /used\.flags is 0xa5a5/);
    assert.equal(p.device.broken, undefined);
    // The consequence the rule warns about: the driver reads NO_NOTIFY and does not kick.
    assert.equal(p.submitAndKick([p.buffer(4)]).kicked, false);
    assert.ok(p.device.pop());
  });

  ruleTest('split-ring-overlap', 'the available ring programmed at the descriptor table is refused at enable', () => {
    const p = splitPair({ size: 8, fault: { rule: 'split-ring-overlap' } });
    assert.equal(p.driver.driverAddr, p.driver.descAddr);
    assert.equal(p.device.validate(), false);
    assert.deepEqual(p.rules(), ['split-ring-overlap']);
    assert.equal(ruleInfo('split-ring-overlap').severity, 'fatal');
    assert.match(p.violations[0]!.message, /the descriptor table 0x[0-9a-f]+\.\.0x[0-9a-f]+ overlaps the available ring/);
    assert.equal(p.device.broken, 'split-ring-overlap');
    p.submit([p.buffer(4)]);
    assert.equal(p.device.pop(), null);
  });

  ruleTest('split-ring-overlap', 'all three parts at one address; parts that only touch are fine', () => {
    const p = splitPair({ size: 8 });
    const one = new SplitQueue({ mem: p.mem, violation: (rule, message) => p.violations.push({ rule, message }) }, { ...p.config, driver: p.config.desc, device: p.config.desc });
    assert.equal(one.validate(), false);
    assert.deepEqual(p.rules(), ['split-ring-overlap']);
    // Back to back: the available ring starts where the 8-entry table ends, the used ring 4-aligned after it.
    const desc = p.config.desc;
    const touching = new SplitQueue({ mem: p.mem, violation: (rule, message) => p.violations.push({ rule, message }) }, { ...p.config, driver: desc + 128, device: desc + 128 + 24 });
    assert.equal(touching.validate(), true, JSON.stringify(p.violations));
  });

  ruleTest('split-buffer-overlaps-ring', 'a writable status byte on the descriptor table stops the queue before the device writes it', () => {
    const p = commit('split-buffer-overlaps-ring');
    const table = Buffer.from(p.mem.read(p.driver.descAddr, 128));
    assertFatal(p, 'split-buffer-overlaps-ring');
    assert.equal(p.violations[0]!.index, 2, 'the third descriptor');
    assert.match(p.violations[0]!.message, /descriptor 2 points to 0x[0-9a-f]+ \+ 16 bytes, which overlaps the queue's descriptor table/);
    assert.deepEqual(Buffer.from(p.mem.read(p.driver.descAddr, 128)), table, 'nothing written into the table');
  });

  ruleTest('split-buffer-overlaps-ring', 'readable buffers and indirect tables on any ring part; a buffer right after a part is fine', () => {
    for (const part of ['avail', 'used', 'desc-end'] as const) {
      const p = splitPair({ size: 8, features: { indirect: true } });
      const at = part === 'avail' ? p.driver.driverAddr + 4 : part === 'used' ? p.driver.deviceAddr + 60 : p.driver.descAddr + 127;
      p.submitAndKick([{ addr: at, len: 4, write: false }]);
      assert.equal(p.device.pop(), null, part);
      assert.deepEqual(p.rules(), ['split-buffer-overlaps-ring'], part);
    }
    const t = splitPair({ size: 8, features: { indirect: true } });
    // An indirect table placed on the used ring: the pointer descriptor is the offender.
    t.submitAndKick([t.buffer(16), t.buffer(8, true)], true);
    t.mem.writeU64(t.driver.descAddr, t.driver.deviceAddr);
    assert.equal(t.device.pop(), null);
    assert.deepEqual(t.rules(), ['split-buffer-overlaps-ring']);
    assert.match(t.violations[0]!.message, /indirect table of descriptor 0/);
    const ok = splitPair({ size: 8 });
    // The used ring of 8 entries is 70 bytes long: the byte after it belongs to nobody's ring.
    ok.submitAndKick([{ addr: ok.driver.deviceAddr + 70, len: 4, write: false }]);
    assert.ok(ok.device.pop(), JSON.stringify(ok.violations));
  });

  ruleTest('split-head-in-flight', 'a head made available again while the device still holds its chain', () => {
    const p = splitPair({ size: 8, synchronousNotify: true });
    p.submitAndKick([p.buffer(16), p.buffer(8, true)]);
    const first = p.device.pop();
    assert.ok(first);
    assert.equal(p.driver.injectFault({ rule: 'split-head-in-flight' }), true);
    p.submitAndKick([p.buffer(16), p.buffer(8, true)]);
    assert.equal(p.device.pop(), null);
    assertFatal(p, 'split-head-in-flight');
    assert.equal(p.violations[0]!.index, first.head);
    assert.match(p.violations[0]!.message, /makes head 0 available again/);
  });

  ruleTest('split-head-in-flight', 'a head reused after the device returned it is fine', () => {
    const p = splitPair({ size: 8 });
    for (let k = 0; k < 20; k++) {
      p.submitAndKick([p.buffer(16)]);
      const c = p.device.pop();
      assert.ok(c, JSON.stringify(p.violations));
      p.device.pushUsed(c, 0);
      assert.equal(p.driver.harvest().length, 1);
    }
    assert.deepEqual(p.rules(), []);
  });

  ruleTest('split-used-ring-written', 'the driver writes used.idx: reported at the next used element, the device goes on from its own index', () => {
    const p = splitPair({ size: 8 });
    p.submitAndKick([p.buffer(16), p.buffer(8, true)]);
    p.device.pushUsed(p.device.pop()!, 8);
    assert.equal(p.driver.harvest().length, 1);
    p.submitAndKick([p.buffer(16), p.buffer(8, true)]);
    const c = p.device.pop()!;
    p.mem.writeU16(p.driver.deviceAddr + 2, 7);
    p.device.pushUsed(c, 8);
    assert.deepEqual(p.rules(), ['split-used-ring-written']);
    assert.equal(ruleInfo('split-used-ring-written').severity, 'error');
    assert.match(p.violations[0]!.message, /used\.idx is 7 in guest memory, but the device last wrote 1/);
    assert.equal(p.mem.readU16(p.driver.deviceAddr + 2), 2, 'the device wrote its own index');
    assert.equal(p.device.broken, undefined);
    assert.equal(p.driver.harvest().length, 1);
  });

  ruleTest('split-desc-zero-length', 'a descriptor with len 0', () => {
    const p = commit('split-desc-zero-length');
    assertFatal(p, 'split-desc-zero-length');
    assert.match(p.violations[0]!.message, /has length 0/);
  });

  ruleTest('split-desc-out-of-memory', 'a buffer address past the end of guest memory', () => {
    const p = commit('split-desc-out-of-memory');
    assertFatal(p, 'split-desc-out-of-memory');
    assert.match(p.violations[0]!.message, /points to 0x[0-9a-f]+ \+ 16 bytes, which is not entirely in guest memory/);
  });

  ruleTest('split-write-before-read', 'a readable descriptor after a writable one', () => {
    const p = commit('split-write-before-read');
    assertFatal(p, 'split-write-before-read');
  });

  ruleTest('split-chain-loop', 'the last descriptor links back to the head', () => {
    const p = commit('split-chain-loop');
    assertFatal(p, 'split-chain-loop');
    assert.match(p.violations[0]!.message, /visited twice/);
  });

  ruleTest('split-chain-loop', 'a loop inside an indirect table', () => {
    const p = commit('split-chain-loop', { indirect: true }, { indirect: true });
    assertFatal(p, 'split-chain-loop');
    assert.match(p.violations[0]!.message, /indirect table/);
  });

  ruleTest('split-chain-too-long', 'an indirect table with more entries than the queue size: reported, served (strict: stopped)', () => {
    assertServed((strict) => commit('split-chain-too-long', { indirect: true }, { strict }), 'split-chain-too-long', 9);
    assert.match(commit('split-chain-too-long', { indirect: true }).device.peek(1).chains[0]!.violations![0]!.message, /more than 8 descriptors/);
  });

  ruleTest('split-desc-next-out-of-range', 'desc.next = queue size', () => {
    const p = commit('split-desc-next-out-of-range');
    assertFatal(p, 'split-desc-next-out-of-range');
    assert.match(p.violations[0]!.message, /next = 8, outside the descriptor table/);
  });

  ruleTest('split-desc-next-out-of-range', 'an indirect entry linking past the table', () => {
    const p = commit('split-desc-next-out-of-range', { indirect: true }, { indirect: true });
    assertFatal(p, 'split-desc-next-out-of-range');
    assert.match(p.violations[0]!.message, /links to 3, but the table has 3 entries/);
  });

  ruleTest('split-avail-head-out-of-range', 'avail.ring holds head + QS', () => {
    const p = commit('split-avail-head-out-of-range');
    assertFatal(p, 'split-avail-head-out-of-range');
    assert.equal(p.violations[0]!.index, 1, 'offending ring slot');
  });

  ruleTest('split-indirect-not-negotiated', 'INDIRECT without VIRTIO_F_INDIRECT_DESC: reported, the table is walked and served (strict: stopped)', () => {
    assertServed((strict) => commit('split-indirect-not-negotiated', {}, { strict }), 'split-indirect-not-negotiated', 3);
  });

  ruleTest('split-indirect-nested', 'an INDIRECT entry inside an indirect table', () => {
    const p = commit('split-indirect-nested', { indirect: true });
    assertFatal(p, 'split-indirect-nested');
    assert.equal(p.violations[0]!.index, 0, 'entry 0 of the table');
  });

  ruleTest('split-indirect-with-next', 'INDIRECT and NEXT on one descriptor: reported, NEXT ignored, served (strict: stopped)', () => {
    assertServed((strict) => commit('split-indirect-with-next', { indirect: true }, { strict }), 'split-indirect-with-next', 3);
  });

  ruleTest('split-indirect-bad-length', 'a table length that is not a multiple of 16', () => {
    const p = commit('split-indirect-bad-length', { indirect: true });
    assertFatal(p, 'split-indirect-bad-length');
    assert.match(p.violations[0]!.message, /indirect table of 56 bytes/);
  });

  ruleTest('split-avail-idx-jump', 'avail.idx published QS too far', () => {
    const p = commit('split-avail-idx-jump');
    assertFatal(p, 'split-avail-idx-jump');
    assert.match(p.violations[0]!.message, /avail\.idx is 10, 9 entries ahead of the device's last_avail_idx 1/);
  });

  ruleTest('split-avail-idx-decrement', 'avail.idx moved back below what the device consumed', () => {
    const p = commit('split-avail-idx-decrement');
    assertFatal(p, 'split-avail-idx-decrement');
    assert.match(p.violations[0]!.message, /went back from 1 to 0/);
  });

  ruleTest('split-avail-idx-decrement', 'avail.idx moved back over chains the device has not taken yet', () => {
    const p = splitPair({ size: 8 });
    p.submit([p.buffer(4)]);
    p.submit([p.buffer(4)]);
    assert.equal(p.device.available(), 2);
    p.driver.injectFault({ rule: 'split-avail-idx-decrement' });
    p.submit([p.buffer(4)]);
    // pop() works from the index it already accepted (as QEMU's shadow_avail_idx); available() re-reads.
    assert.equal(p.device.available(), 0);
    assertFatal(p, 'split-avail-idx-decrement');
    assert.match(p.violations[0]!.message, /went back from 2 to 1/);
  });

  ruleTest('split-avail-flags-invalid', 'a reserved bit without EVENT_IDX: reported once, not fatal', () => {
    const p = commit('split-avail-flags-invalid');
    assert.ok(p.device.pop());
    p.submitAndKick([p.buffer(4)]);
    assert.ok(p.device.pop());
    assert.deepEqual(p.rules(), ['split-avail-flags-invalid']);
    assert.match(p.violations[0]!.message, /avail\.flags is 0x2/);
    assert.equal(p.device.broken, undefined);
  });

  ruleTest('split-avail-flags-invalid', 'NO_INTERRUPT with EVENT_IDX', () => {
    const p = commit('split-avail-flags-invalid', { eventIdx: true });
    assert.ok(p.device.pop());
    assert.deepEqual(p.rules(), ['split-avail-flags-invalid']);
    assert.match(p.violations[0]!.message, /with VIRTIO_F_EVENT_IDX the driver must write 0/);
    assert.equal(p.device.broken, undefined);
  });

  ruleTest('split-in-order-violation', 'a chain that does not start where the previous one ended', () => {
    const p = commit('split-in-order-violation', { inOrder: true });
    assertFatal(p, 'split-in-order-violation');
    assert.match(p.violations[0]!.message, /starts at descriptor 3, .* must start at 2/);
  });

  ruleTest('split-notify-suppressed', 'kick while used.flags = NO_NOTIFY: a warning, the queue goes on', () => {
    const p = splitPair({ size: 8, synchronousNotify: true });
    p.device.setNotifications(false);
    assert.equal(p.driver.injectFault({ rule: 'split-notify-suppressed' }), true);
    assert.equal(p.submitAndKick([p.buffer(4)]).kicked, true);
    assert.deepEqual(p.rules(), ['split-notify-suppressed']);
    assert.equal(ruleInfo('split-notify-suppressed').severity, 'warning');
    assert.equal(p.device.broken, undefined);
    assert.ok(p.device.pop());
  });

  ruleTest('split-notify-suppressed', 'kick with EVENT_IDX although avail idx did not cross avail_event', () => {
    const p = splitPair({ size: 8, features: { eventIdx: true }, synchronousNotify: true });
    assert.equal(p.submitAndKick([p.buffer(4)]).kicked, true);
    p.device.setNotifications(false);
    assert.ok(p.device.pop()); // avail_event stays at 0
    assert.equal(p.submitAndKick([p.buffer(4)]).kicked, false);
    p.driver.injectFault({ rule: 'split-notify-suppressed' });
    assert.equal(p.submitAndKick([p.buffer(4)]).kicked, true);
    assert.deepEqual(p.rules(), ['split-notify-suppressed']);
    assert.match(p.violations[0]!.message, /avail_event is 0/);
  });

  ruleTest('split-notify-missing', 'no kick although used.flags asked for one', () => {
    const p = splitPair({ size: 8, synchronousNotify: true });
    p.driver.injectFault({ rule: 'split-notify-missing', atChain: 1 });
    assert.equal(p.submitAndKick([p.buffer(4)]).kicked, true);
    assert.ok(p.device.pop());
    assert.equal(p.device.missedNotification(), false);
    assert.equal(p.submitAndKick([p.buffer(4)]).kicked, false);
    assert.equal(p.device.missedNotification(), true);
    assert.equal(p.device.missedNotification(), true, 'still missed');
    assert.deepEqual(p.rules(), ['split-notify-missing'], 'reported once');
    assert.equal(p.device.broken, undefined);
    assert.ok(p.device.pop());
    assert.equal(p.device.missedNotification(), false, 'nothing waits any more');
  });

  ruleTest('split-notify-missing', 'no kick although avail idx crossed avail_event (EVENT_IDX)', () => {
    const p = splitPair({ size: 8, features: { eventIdx: true }, synchronousNotify: true });
    p.driver.injectFault({ rule: 'split-notify-missing' });
    assert.equal(p.submitAndKick([p.buffer(4)]).kicked, false);
    assert.equal(p.device.missedNotification(), true);
    assert.deepEqual(p.rules(), ['split-notify-missing']);
    assert.match(p.violations[0]!.message, /past avail_event 0/);
  });

  ruleTest('split-published-desc-modified', 'descriptors written after avail.idx (missing barrier, F11)', () => {
    const p = splitPair({ size: 8, watchWrites: true });
    p.submit([p.buffer(4)]);
    p.device.pushUsed(p.device.pop()!, 0);
    p.driver.harvest();
    assert.equal(p.driver.injectFault({ rule: 'split-published-desc-modified' }), true);
    const bufs = [p.buffer(16), p.buffer(32, true)];
    p.submit(bufs);
    assert.deepEqual(p.rules(), ['split-published-desc-modified'], 'reported once per chain');
    assert.match(p.violations[0]!.message, /descriptor \d was written while it belongs to the chain published at avail idx 1/);
    assert.equal(p.device.broken, undefined);
    // The writes did land: the device can still take the chain.
    const c = p.device.pop()!;
    assert.deepEqual(c.writable.map((s) => s.len), [32]);
    p.device.dispose();
  });

  ruleTest('split-published-desc-modified', 'an in-flight chain\'s descriptor and a pending avail entry rewritten', () => {
    const p = splitPair({ size: 8, watchWrites: true });
    p.submit([p.buffer(4)]);
    const c = p.device.pop()!;
    p.mem.writeU32(p.driver.descAddr + 16 * c.head + 8, 99); // len of an in-flight descriptor
    p.submit([p.buffer(4)]);
    p.mem.writeU16(p.driver.driverAddr + 4 + 2 * 1, 5); // avail.ring[1] still pending
    assert.deepEqual(p.rules(), ['split-published-desc-modified', 'split-published-desc-modified']);
    assert.equal(p.violations[1]!.index, 1);
    p.device.pushUsed(c, 0);
    p.mem.writeU32(p.driver.descAddr + 16 * c.head + 8, 4); // returned: free to reuse
    assert.equal(p.violations.length, 2);
    p.device.dispose();
    p.mem.writeU16(p.driver.driverAddr + 4 + 2 * 1, 5);
    assert.equal(p.violations.length, 2, 'dispose() stops watching');
  });

  ruleTest('split-notify-data-mismatch', 'notification data one behind avail.idx', () => {
    const p = splitPair({ size: 8, features: { notificationData: true }, synchronousNotify: true });
    p.driver.injectFault({ rule: 'split-notify-data-mismatch', atChain: 1 });
    p.submitAndKick([p.buffer(4)]);
    p.submitAndKick([p.buffer(4)]);
    assert.deepEqual(p.rules(), ['split-notify-data-mismatch']);
    assert.match(p.violations[0]!.message, /notification data 0x1 .* does not match avail\.idx 2/);
    assert.equal(p.device.broken, undefined);
  });

  ruleTest('split-used-len-exceeds-buffer', 'the driver catches a device returning more than the writable bytes', () => {
    const p = splitPair({ size: 8 });
    p.submit([p.buffer(16), p.buffer(8, true)]);
    p.device.pushUsed(p.device.pop()!, 9);
    const [u] = p.driver.harvest();
    assert.equal(u!.len, 9);
    assert.deepEqual(p.deviceErrors.map((e) => e.rule), ['split-used-len-exceeds-buffer']);
    assert.match(p.deviceErrors[0]!.message, /len 9 .* only 8 bytes/);
    assert.deepEqual(p.violations, []);
  });

  ruleTest('split-used-id-invalid', 'the driver catches a used id that is not an outstanding head', () => {
    const p = splitPair({ size: 8 });
    p.submit([p.buffer(16)]);
    p.device.pop();
    p.mem.writeU32(p.driver.deviceAddr + usedRingOffset(0), 6);
    p.mem.writeU16(p.driver.deviceAddr + 2, 1);
    assert.deepEqual(p.driver.harvest(), []);
    assert.deepEqual(p.deviceErrors.map((e) => e.rule), ['split-used-id-invalid']);
    assert.match(p.deviceErrors[0]!.message, /id is 6, which is not the head of an outstanding chain/);
  });

  test('every split rule of the catalogue has a test above', () => {
    const missing = SPLIT_RULES.map((r) => r.id).filter((id) => !tested.has(id));
    assert.deepEqual(missing, []);
  });
});

describe('injectFault: what a split driver ring can and cannot commit', () => {
  const cannot: [FaultPlan['rule'], Partial<RingFeatures>][] = [
    ['split-used-len-exceeds-buffer', {}],
    ['split-used-id-invalid', {}],
    ['split-ring-misaligned', {}],
    ['split-indirect-nested', {}],
    ['split-indirect-not-negotiated', { indirect: true }],
    ['split-in-order-violation', {}],
    ['split-notify-data-mismatch', {}],
    ['packed-desc-zero-length', {}],
  ];
  for (const [rule, f] of cannot) {
    test(`refuses ${rule} with ${JSON.stringify(f)}`, () => {
      assert.equal(splitPair({ size: 8, features: f }).driver.injectFault({ rule }), false);
    });
  }
});
