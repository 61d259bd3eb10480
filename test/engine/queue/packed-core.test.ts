import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Chain } from '../../../engine/queue/types';
import { type DriverBuffer } from '../../../engine/driver/ring-types';
import { type PackedPair, packedPair } from '../../support/packed-harness';

const NEXT = 1;
const WRITE = 2;
const INDIRECT = 4;
const AVAIL = 0x80;
const USED = 0x8000;

function flagsAt(p: PackedPair, slot: number): number {
  return p.mem.readU16(p.driver.descAddr + slot * 16 + 14);
}
function idAt(p: PackedPair, slot: number): number {
  return p.mem.readU16(p.driver.descAddr + slot * 16 + 12);
}

/** Submits one list, lets the device take it and return it with `len`, and harvests it. */
function roundTrip(p: PackedPair, buffers: DriverBuffer[], len = 0): Chain {
  const token = p.submit(buffers);
  const chain = p.device.pop();
  assert.ok(chain, 'device sees the list');
  p.device.pushUsed(chain, len);
  const used = p.driver.harvest();
  assert.deepEqual(used.map((u) => [u.token, u.len]), [[token, len]]);
  return chain;
}

test('wrap counters start at 1 (§2.8.1): first-lap descriptors are AVAIL=1 USED=0, used ones AVAIL=USED=1', () => {
  const p = packedPair({ size: 4 });
  p.submit([p.buffer(8), p.buffer(4, true)]);
  assert.equal(flagsAt(p, 0), AVAIL | NEXT, 'head: available for wrap 1, chained');
  assert.equal(flagsAt(p, 1), AVAIL | WRITE, 'second descriptor');
  const chain = p.device.pop()!;
  assert.equal(chain.wrap, true);
  p.device.pushUsed(chain, 3);
  assert.equal(flagsAt(p, 0), AVAIL | USED | WRITE, 'used descriptor: both bits = device wrap counter 1, WRITE since len is meaningful');
  assert.equal(p.mem.readU32(p.driver.descAddr + 8), 3);
  assert.equal(idAt(p, 0), chain.id);
  assert.equal(p.driver.harvest()[0]!.len, 3);
  assert.deepEqual(p.violations, []);
});

test('after the last slot both wrap counters flip: second lap is AVAIL=0 USED=1, used AVAIL=USED=0; the third lap flips back', () => {
  const p = packedPair({ size: 3 });
  for (let i = 0; i < 3; i++) roundTrip(p, [p.buffer(8)]);
  assert.equal(p.device.getBase(), 0, 'device avail side: slot 0, wrap 0');
  p.submit([p.buffer(8)]);
  assert.equal(flagsAt(p, 0), USED, 'available in lap 2');
  const c = p.device.pop()!;
  assert.equal(c.wrap, false);
  assert.equal(c.position, 0);
  p.device.pushUsed(c, 0);
  assert.equal(flagsAt(p, 0), 0, 'used in lap 2: AVAIL = USED = 0, no WRITE for a read-only buffer');
  assert.equal(p.driver.harvest().length, 1);
  roundTrip(p, [p.buffer(8)]);
  roundTrip(p, [p.buffer(8)]);
  p.submit([p.buffer(8)]);
  assert.equal(flagsAt(p, 0), AVAIL, 'lap 3 is like lap 1');
  assert.equal(p.device.pop()!.wrap, true);
  assert.deepEqual(p.violations, []);
});

test('a list crossing the ring end changes wrap counter in the middle; the device follows it', () => {
  const p = packedPair({ size: 5, initialIndex: 3 | 0x8000 });
  const bufs = [p.buffer(16), p.buffer(32), p.buffer(64, true)];
  const token = p.submit(bufs);
  assert.equal(flagsAt(p, 3), AVAIL | NEXT);
  assert.equal(flagsAt(p, 4), AVAIL | NEXT);
  assert.equal(flagsAt(p, 0), USED | WRITE, 'slot 0 belongs to the next lap');
  const chain = p.device.pop()!;
  assert.deepEqual(chain.descriptors.map((d) => d.index), [3, 4, 0]);
  // Segments are the descriptors themselves (no copies): compare what a segment is.
  const seg = (s: { addr: number; len: number }) => ({ addr: s.addr, len: s.len });
  assert.deepEqual(chain.readable.map(seg), bufs.slice(0, 2).map((b) => ({ addr: b.addr, len: b.len })));
  assert.deepEqual(chain.writable.map(seg), [{ addr: bufs[2]!.addr, len: 64 }]);
  assert.ok(chain.readable.every((s, i) => s === chain.descriptors[i]), 'readable segments are the descriptors');
  assert.equal(chain.ringSlots, 3);
  assert.equal(chain.head, 3);
  assert.equal(chain.id, idAt(p, 0), 'buffer id is the id of the LAST descriptor');
  p.device.pushUsed(chain, 10);
  assert.equal(flagsAt(p, 3), AVAIL | USED | WRITE, 'used descriptor at the device used position (slot 3, wrap 1)');
  const snap = p.device.inspect(false);
  assert.equal(snap.usedIdx, 1);
  assert.equal(snap.usedWrap, false);
  assert.equal(snap.lastAvail, 1);
  assert.equal(snap.availWrap, false);
  assert.deepEqual(p.driver.harvest().map((u) => [u.token, u.len]), [[token, 10]]);
  assert.equal(p.driver.freeCount(), 5);
  assert.deepEqual(p.violations, []);
});

test('used descriptors are written in completion order and skip forward by each list length (§2.8.6)', () => {
  const p = packedPair({ size: 8 });
  const a = p.submit([p.buffer(8), p.buffer(8), p.buffer(8, true)]);
  const b = p.submit([p.buffer(8, true)]);
  const c = p.submit([p.buffer(8), p.buffer(8, true)]);
  const [ca, cb, cc] = [p.device.pop()!, p.device.pop()!, p.device.pop()!];
  assert.deepEqual([ca.head, cb.head, cc.head], [0, 3, 4]);
  p.device.pushUsed(cc, 1);
  p.device.pushUsed(ca, 2);
  p.device.pushUsed(cb, 3);
  assert.deepEqual([idAt(p, 0), idAt(p, 2), idAt(p, 5)], [cc.id, ca.id, cb.id], 'C at 0, A at 0+2, B at 2+3');
  assert.deepEqual(p.driver.harvest().map((u) => [u.token, u.len]), [[c, 1], [a, 2], [b, 3]]);
  assert.equal(p.device.inspect(false).usedIdx, 6);
  assert.equal(p.driver.freeCount(), 8);
  assert.equal(p.driver.outstanding, 0);
});

test('queue sizes need not be powers of two (1, 3, 5, 7, 100, 257): lists of every length cross the end correctly', () => {
  for (const size of [1, 3, 5, 7, 100, 257]) {
    const p = packedPair({ size });
    let total = 0;
    for (let round = 0; round < 3 * size + 2; round++) {
      const n = 1 + (round % Math.min(size, 4));
      const bufs = Array.from({ length: n }, (_, i) => p.buffer(8 + i, i === n - 1 && n > 1));
      const chain = roundTrip(p, bufs, n > 1 ? 5 : 0);
      assert.deepEqual(chain.descriptors.map((d) => d.addr), bufs.map((b) => b.addr), `size ${size} round ${round}`);
      assert.equal(chain.head, total % size);
      assert.equal(chain.wrap, Math.floor(total / size) % 2 === 0);
      total += n;
    }
    assert.deepEqual(p.violations, [], `size ${size}`);
  }
});

test('indirect tables: one ring slot, entries decoded in order, table freed when the buffer comes back', () => {
  const p = packedPair({ size: 4, features: { indirect: true } });
  const bufs = [p.buffer(16), p.buffer(100), p.buffer(512, true)];
  const before = p.alloc.bytesFree;
  const token = p.submit(bufs, true);
  assert.equal(flagsAt(p, 0), AVAIL | INDIRECT);
  assert.equal(p.mem.readU32(p.driver.descAddr + 8), 48, 'table length = 3 × 16');
  const chain = p.device.pop()!;
  assert.equal(chain.ringSlots, 1);
  assert.deepEqual(chain.descriptors.map((d) => [d.index, d.indirect, d.len]), [[0, true, 16], [1, true, 100], [2, true, 512]]);
  assert.equal(chain.indirectTable?.len, 48);
  assert.equal(chain.indirectTable?.index, 0);
  assert.equal(chain.readableBytes, 116);
  assert.equal(chain.writableBytes, 512);
  p.device.pushUsed(chain, 512);
  assert.deepEqual(p.driver.harvest().map((u) => [u.token, u.len]), [[token, 512]]);
  assert.equal(p.alloc.bytesFree, before, 'indirect table released');
  // The next list starts in slot 1: the indirect list used one slot.
  p.submit([p.buffer(8)]);
  assert.equal(p.device.pop()!.head, 1);
  assert.deepEqual(p.violations, []);
});

test('getBase/setBase carry the wrap counter in bit 15 (vhost-user GET/SET_VRING_BASE)', () => {
  const p = packedPair({ size: 3 });
  assert.equal(p.device.getBase(), 0x8000, 'slot 0, wrap 1');
  roundTrip(p, [p.buffer(8), p.buffer(8)]);
  assert.equal(p.device.getBase(), 0x8002);
  roundTrip(p, [p.buffer(8), p.buffer(8)]);
  assert.equal(p.device.getBase(), 0x0001, 'crossed the end: slot 1, wrap 0');
  p.device.setBase(0x8002);
  const s = p.device.inspect(false);
  assert.deepEqual([s.lastAvail, s.availWrap, s.usedIdx, s.usedWrap, s.inflight], [2, true, 2, true, 0]);
  assert.equal(p.device.getBase(), 0x8002);

  // A driver that starts at slot 2 / wrap 0 and a device told the same base work together.
  const q = packedPair({ size: 3, initialIndex: 0x0002 });
  assert.equal(q.device.getBase(), 0x0002);
  for (let i = 0; i < 7; i++) roundTrip(q, [q.buffer(8), q.buffer(4, true)], 4);
  assert.equal(q.device.getBase(), (2 + 14) % 3 | (Math.floor((2 + 14) / 3) % 2 === 0 ? 0 : 0x8000));
  assert.deepEqual(q.violations, []);
});

test('peek() shows the pending lists without side effects', () => {
  const p = packedPair({ size: 8, features: { indirect: true } });
  p.submit([p.buffer(8), p.buffer(8, true)]);
  p.submit([p.buffer(8), p.buffer(8)], true);
  p.submit([p.buffer(8, true)]);
  const ring = p.mem.read(p.driver.descAddr, 8 * 16);
  const before = p.device.inspect(true);
  const peeked = p.device.peek(10);
  assert.equal(peeked.chains.length, 3);
  assert.equal(peeked.problem, undefined);
  assert.equal(p.device.peek(2).chains.length, 2);
  assert.deepEqual(p.mem.read(p.driver.descAddr, 8 * 16), ring, 'ring bytes untouched');
  assert.deepEqual(p.device.inspect(true), before, 'queue state untouched');
  const popped = [p.device.pop(), p.device.pop(), p.device.pop()];
  assert.deepEqual(popped, peeked.chains, 'peek shows exactly what pop returns');

  // A broken list: peek names the problem but reports nothing and keeps the queue healthy.
  const q = packedPair({ size: 4 });
  q.driver.injectFault({ rule: 'packed-desc-zero-length', atChain: 1 });
  q.submit([q.buffer(8)]);
  q.submit([q.buffer(8)]);
  const r = q.device.peek(4);
  assert.equal(r.chains.length, 1);
  assert.equal(r.problem?.rule, 'packed-desc-zero-length');
  assert.equal(r.problem?.index, 1);
  assert.deepEqual(q.violations, []);
  assert.equal(q.device.broken, undefined);
  assert.ok(q.device.pop());
  assert.equal(q.device.pop(), null);
  assert.deepEqual(q.rules(), ['packed-desc-zero-length']);
});

test('available() counts complete lists and follows pops', () => {
  const p = packedPair({ size: 6 });
  assert.equal(p.device.available(), 0);
  p.submit([p.buffer(8), p.buffer(8)]);
  p.submit([p.buffer(8)]);
  assert.equal(p.device.available(), 2);
  const added = p.driver.add([p.buffer(8)]);
  assert.notEqual(added, null);
  assert.equal(p.device.available(), 2, 'added but not published is not available');
  p.driver.publish();
  assert.equal(p.device.available(), 3);
  p.device.pop();
  assert.equal(p.device.available(), 2);
  p.device.pop();
  p.device.pop();
  assert.equal(p.device.available(), 0);
  assert.equal(p.device.pop(), null);
});

test('inspect() reports every field, the ring with flag names, and both event structures', () => {
  const p = packedPair({ size: 4, features: { eventIdx: true } });
  const b0 = p.buffer(16);
  const b1 = p.buffer(32, true);
  p.submit([b0, b1]);
  p.submit([p.buffer(8)]);
  const chain = p.device.pop()!;
  p.driver.setInterrupts(false);
  p.device.setNotifications(false);
  const s = p.device.inspect(true);
  assert.equal(s.index, 0);
  assert.equal(s.name, 'requestq1');
  assert.equal(s.layout, 'packed');
  assert.equal(s.size, 4);
  assert.equal('broken' in s, false);
  assert.equal(s.desc, `0x${p.driver.descAddr.toString(16)}`);
  assert.equal(s.driver, `0x${p.driver.driverAddr.toString(16)}`);
  assert.equal(s.device, `0x${p.driver.deviceAddr.toString(16)}`);
  assert.equal(s.lastAvail, 2);
  assert.equal(s.availWrap, true);
  assert.equal(s.usedIdx, 0);
  assert.equal(s.usedWrap, true);
  assert.equal(s.pending, 1);
  assert.equal(s.inflight, 1);
  assert.equal(s.eventIdx, true);
  assert.equal(s.notificationsEnabled, false);
  assert.ok(s.ring && s.ring.layout === 'packed');
  assert.equal(s.ring.desc.length, 4);
  assert.deepEqual(s.ring.desc[0], { index: 0, addr: `0x${b0.addr.toString(16)}`, len: 16, flags: AVAIL | NEXT, flagNames: ['NEXT', 'AVAIL'], id: chain.id });
  assert.deepEqual(s.ring.desc[1], { index: 1, addr: `0x${b1.addr.toString(16)}`, len: 32, flags: AVAIL | WRITE, flagNames: ['WRITE', 'AVAIL'], id: chain.id });
  assert.deepEqual(s.ring.desc[3], { index: 3, addr: '0x0', len: 0, flags: 0, flagNames: [], id: 0 });
  assert.deepEqual(s.ring.driverEvent, { offset: 0, wrap: 0, flags: 1 });
  assert.deepEqual(s.ring.deviceEvent, { offset: 0, wrap: 0, flags: 1 });
  p.device.pushUsed(chain, 7);
  p.driver.setInterrupts(true);
  const t = p.device.inspect(true, 2);
  assert.equal(t.ring?.desc.length, 2);
  assert.deepEqual(t.ring?.desc[0]?.flagNames, ['WRITE', 'AVAIL', 'USED']);
  assert.equal(t.usedIdx, 2);
  assert.equal(t.inflight, 0);
  assert.equal(p.driver.harvest().length, 1);
  assert.deepEqual((p.device.inspect(true).ring as { driverEvent: unknown }).driverEvent, { offset: 2, wrap: 1, flags: 2 }, 'DESC at the next used slot');
  assert.equal(p.device.inspect(false).ring, undefined);
});
