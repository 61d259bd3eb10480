import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSplitQueue } from '../../../engine/queue/split';
import { writeDescAt } from '../../../engine/queue/split/layout';
import { DESC_F_NEXT, DESC_F_WRITE } from '../../../engine/queue/types';
import { RAM_BASE, splitPair, type SplitPair } from '../../support/split-harness';

function ringBytes(p: SplitPair): string {
  const { descAddr, driverAddr, deviceAddr, size } = p.driver;
  return [p.mem.read(descAddr, 16 * size), p.mem.read(driverAddr, 6 + 2 * size), p.mem.read(deviceAddr, 6 + 8 * size)]
    .map((b) => Buffer.from(b).toString('hex'))
    .join('|');
}

describe('peek(): a side-effect-free look at pending chains', () => {
  test('returns the chains pop() will return, and changes neither ring memory nor queue state', () => {
    const p = splitPair({ size: 8, features: { eventIdx: true, indirect: true } });
    p.submit([p.buffer(8), p.buffer(4, true)]);
    p.submit([p.buffer(3), p.buffer(5), p.buffer(7, true)], true);
    p.submit([p.buffer(1, true)]);
    const before = ringBytes(p);
    const state = JSON.stringify(p.device.inspect(false));
    const view = p.device.peek(10);
    assert.equal(view.problem, undefined);
    assert.equal(view.chains.length, 3);
    assert.equal(p.device.peek(2).chains.length, 2);
    assert.equal(ringBytes(p), before, 'ring memory unchanged (no avail_event write)');
    assert.equal(JSON.stringify(p.device.inspect(false)), state);
    assert.equal(p.device.inflight, 0);
    assert.deepEqual(p.violations, []);
    const popped = [p.device.pop(), p.device.pop(), p.device.pop()];
    assert.deepEqual(popped, view.chains);
  });

  test('reports the problem instead of a violation, and leaves pop() to report it', () => {
    const p = splitPair({ size: 8 });
    p.submit([p.buffer(8)]);
    p.driver.injectFault({ rule: 'split-desc-zero-length' });
    p.submit([p.buffer(8)]);
    const before = ringBytes(p);
    const view = p.device.peek(8);
    assert.equal(view.chains.length, 1);
    assert.equal(view.problem?.rule, 'split-desc-zero-length');
    assert.equal(typeof view.problem?.index, 'number');
    assert.deepEqual(p.violations, []);
    assert.equal(p.device.broken, undefined);
    assert.equal(ringBytes(p), before);
    assert.ok(p.device.pop());
    assert.equal(p.device.pop(), null);
    assert.deepEqual(p.rules(), ['split-desc-zero-length']);
    assert.equal(p.device.peek(8).problem?.rule, 'split-desc-zero-length', 'a stopped queue says why');
    assert.equal(p.device.peek(8).chains.length, 0);
  });

  test('an avail idx jump shows as a problem with no chains', () => {
    const p = splitPair({ size: 4 });
    p.mem.writeU16(p.driver.driverAddr + 2, 9);
    const view = p.device.peek(4);
    assert.deepEqual([view.chains.length, view.problem?.rule], [0, 'split-avail-idx-jump']);
    assert.deepEqual(p.violations, []);
  });

  test('IN_ORDER expectations carry from one peeked chain to the next', () => {
    const p = splitPair({ size: 8, features: { inOrder: true } });
    p.submit([p.buffer(8), p.buffer(8)]);
    p.driver.injectFault({ rule: 'split-in-order-violation' });
    p.submit([p.buffer(8)]);
    const view = p.device.peek(8);
    assert.equal(view.chains.length, 1);
    assert.equal(view.problem?.rule, 'split-in-order-violation');
  });
});

describe('peek(max, from): continuing where an earlier peek ended', () => {
  for (const inOrder of [false, true]) {
    test(`walks only the chains published since, and they are the whole view's${inOrder ? ' (IN_ORDER)' : ''}`, () => {
      const p = splitPair({ size: 8, features: { inOrder } });
      p.submit([p.buffer(8, true)]);
      p.submit([p.buffer(4, true), p.buffer(4, true)]);
      const first = p.device.peek(8);
      assert.deepEqual([first.chains.length, first.skipped], [2, undefined], 'no cursor: a whole view');
      assert.deepEqual(p.device.peek(8, first.next).chains, [], 'nothing new');
      p.submit([p.buffer(2, true)]);
      p.submit([p.buffer(1, true), p.buffer(1, true), p.buffer(1, true)]);
      const second = p.device.peek(8, first.next);
      assert.equal(second.skipped, 2);
      assert.deepEqual(second.chains, p.device.peek(8).chains.slice(2));
      // Chains taken (and returned) before the cursor: it still holds.
      p.device.pushUsed(p.device.pop()!, 0);
      p.device.pop();
      p.submit([p.buffer(3, true)]);
      const third = p.device.peek(8, second.next);
      assert.equal(third.skipped, 2);
      assert.deepEqual(third.chains, p.device.peek(8).chains.slice(2));
      assert.deepEqual(third.chains.map((c) => c.position), [4]);
      assert.deepEqual(p.violations, []);
    });
  }

  test('a cursor the ring moved past (a base set back or ahead) gives a whole view', () => {
    const p = splitPair({ size: 8 });
    p.submit([p.buffer(8, true)]);
    p.submit([p.buffer(8, true)]);
    const view = p.device.peek(8);
    p.device.pop();
    p.device.pop();
    p.device.setBase(0); // the chains go back to the ring (a debugger's held chain as the ring stops)
    const again = p.device.peek(8, view.next);
    assert.equal(again.skipped, 2, 'set back: the chains before the cursor are the ones already seen');
    p.device.setBase(2);
    p.submit([p.buffer(8, true)]);
    const ahead = p.device.peek(8, { position: 1, expected: -1 });
    assert.deepEqual([ahead.skipped, ahead.chains.map((c) => c.position)], [undefined, [2]]);
  });

  test('a new chain reusing the head of one before the cursor, or one in flight, is the same problem as in a whole view', () => {
    const p = splitPair({ size: 8, synchronousNotify: true });
    p.submitAndKick([p.buffer(16), p.buffer(8, true)]);
    const view = p.device.peek(8);
    assert.ok(p.device.pop());
    assert.equal(p.driver.injectFault({ rule: 'split-head-in-flight' }), true);
    p.submitAndKick([p.buffer(16), p.buffer(8, true)]);
    const next = p.device.peek(8, view.next);
    assert.equal(next.problem?.rule, 'split-head-in-flight');
    assert.deepEqual(next.chains, []);
    assert.equal(p.device.peek(8).problem?.rule, 'split-head-in-flight');
    assert.deepEqual(p.violations, []);
  });

  test('IN_ORDER: the head expected after the cursor is judged as in a whole view', () => {
    const p = splitPair({ size: 8, features: { inOrder: true } });
    p.submit([p.buffer(8), p.buffer(8)]);
    const view = p.device.peek(8);
    p.driver.injectFault({ rule: 'split-in-order-violation' });
    p.submit([p.buffer(8)]);
    const next = p.device.peek(8, view.next);
    assert.deepEqual([next.skipped, next.chains.length, next.problem?.rule], [1, 0, 'split-in-order-violation']);
    assert.deepEqual(p.device.peek(8, next.next).problem?.rule, 'split-in-order-violation', 'the problem is looked at again');
  });
});

describe('getBase / setBase (vhost-user GET/SET_VRING_BASE)', () => {
  test('round trip, and the device continues at the base on both sides', () => {
    const p = splitPair({ size: 8 });
    for (let k = 0; k < 3; k++) {
      p.submit([p.buffer(4, true)]);
      p.device.pushUsed(p.device.pop()!, 4);
    }
    p.driver.harvest();
    assert.equal(p.device.getBase(), 3);
    const q2 = createSplitQueue({ mem: p.mem, violation: (r, m) => p.violations.push({ rule: r, message: m }) }, p.config);
    q2.setBase(p.device.getBase());
    assert.equal(q2.getBase(), 3);
    const token = p.submit([p.buffer(4, true)]);
    const c = q2.pop()!;
    assert.equal(c.position, 3);
    q2.pushUsed(c, 2);
    assert.equal(p.mem.readU16(p.driver.deviceAddr + 2), 4, 'used idx continues from the base');
    assert.deepEqual(p.driver.harvest().map((u) => [u.token, u.len]), [[token, 2]]);
    q2.setBase(70000);
    assert.equal(q2.getBase(), 70000 & 0xffff);
    assert.deepEqual(p.violations, []);
  });
});

describe('inspect()', () => {
  test('queue fields and ring contents, field by field', () => {
    const p = splitPair({ size: 4, features: { eventIdx: true } });
    const hdr = p.buffer(16);
    const st = p.buffer(1, true);
    p.submit([hdr, st]);
    p.submit([p.buffer(2)]);
    const c = p.device.pop()!;
    p.device.pushUsed(c, 1);
    p.driver.setInterrupts(true);
    const s = p.device.inspect(true);
    assert.equal(s.index, 0);
    assert.equal(s.name, 'requestq1');
    assert.equal(s.layout, 'split');
    assert.equal(s.size, 4);
    assert.equal(s.broken, undefined);
    assert.equal(s.desc, `0x${p.driver.descAddr.toString(16)}`);
    assert.equal(s.driver, `0x${p.driver.driverAddr.toString(16)}`);
    assert.equal(s.device, `0x${p.driver.deviceAddr.toString(16)}`);
    assert.equal(s.lastAvail, 1);
    assert.equal(s.usedIdx, 1);
    assert.equal(s.pending, 1);
    assert.equal(s.inflight, 0);
    assert.equal(s.eventIdx, true);
    assert.equal(s.notificationsEnabled, true);
    const ring = s.ring!;
    assert.equal(ring.layout, 'split');
    if (ring.layout !== 'split') return;
    assert.equal(ring.desc.length, 4);
    assert.deepEqual(ring.desc[c.head], {
      index: c.head,
      addr: `0x${hdr.addr.toString(16)}`,
      len: 16,
      flags: DESC_F_NEXT,
      flagNames: ['NEXT'],
      next: c.descriptors[1]!.index,
    });
    assert.deepEqual(ring.desc[c.descriptors[1]!.index]!.flagNames, ['WRITE']);
    assert.equal(ring.desc[c.descriptors[1]!.index]!.addr, `0x${st.addr.toString(16)}`);
    assert.deepEqual(ring.avail, { flags: 0, idx: 2, ring: [c.head, p.mem.readU16(p.driver.driverAddr + 6), 0, 0], usedEvent: 0 });
    assert.deepEqual(ring.used, { flags: 0, idx: 1, ring: [{ id: c.head, len: 1 }, { id: 0, len: 0 }, { id: 0, len: 0 }, { id: 0, len: 0 }], availEvent: 1 });
    const small = p.device.inspect(true, 2).ring!;
    assert.equal(small.desc.length, 2);
    if (small.layout === 'split') assert.equal(small.avail.ring.length, 2);
    assert.equal(p.device.inspect(false).ring, undefined);
  });

  test('a 64-bit descriptor address is shown exactly; a broken queue says why', () => {
    const p = splitPair({ size: 2 });
    writeDescAt(p.mem, p.driver.descAddr, { addr: 0, len: 1, flags: DESC_F_WRITE, next: 0 });
    p.mem.writeU64(p.driver.descAddr, 0xffff_ffff_ffff_fff0n);
    p.mem.writeU16(p.driver.driverAddr + 2, 1);
    assert.equal(p.device.inspect(true).ring!.desc[0]!.addr, '0xfffffffffffffff0');
    assert.equal(p.device.pop(), null);
    assert.equal(p.device.inspect(false).broken, 'split-desc-out-of-memory');
    assert.equal(p.device.inspect(false).pending, 1);
  });

  test('validate() accepts a well-placed ring and rejects one that does not fit in memory', () => {
    assert.equal(splitPair({ size: 256 }).device.validate(), true);
    const p = splitPair({ size: 8 });
    const q = createSplitQueue({ mem: p.mem, violation: (r, m) => p.violations.push({ rule: r, message: m }) }, { ...p.config, desc: RAM_BASE + 4 * 1024 * 1024 - 64 });
    assert.equal(q.validate(), false);
    assert.deepEqual(p.rules(), ['split-ring-unmapped']);
    assert.match(p.violations[0]!.message, /descriptor table/);
  });
});
