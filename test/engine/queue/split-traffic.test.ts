import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type DriverBuffer } from '../../../engine/driver/ring-types';
import { readChain, writeChain } from '../../../engine/queue/chain-io';
import { usedRingOffset, VIRTQ_USED_F_NO_NOTIFY, writeDescAt } from '../../../engine/queue/split/layout';
import { DESC_F_INDIRECT, DESC_F_NEXT, DESC_F_WRITE, type Chain } from '../../../engine/queue/types';
import { splitPair } from '../../support/split-harness';

function segs(list: { addr: number; len: number }[]): [number, number][] {
  return list.map((s) => [s.addr, s.len]);
}

describe('split traffic: chains the driver adds are the chains the device pops', () => {
  test('direct chains of 1..8 descriptors: segments, direction, head, slots, position', () => {
    const p = splitPair({ size: 16 });
    for (let n = 1; n <= 8; n++) {
      const readable = Math.ceil(n / 2);
      const bufs: DriverBuffer[] = Array.from({ length: n }, (_, k) => p.buffer(10 + k, k >= readable));
      const token = p.submit(bufs);
      assert.equal(p.device.available(), 1);
      const c = p.device.pop()!;
      assert.ok(c, `chain of ${n}`);
      assert.deepEqual(segs(c.readable), segs(bufs.slice(0, readable)));
      assert.deepEqual(segs(c.writable), segs(bufs.slice(readable)));
      assert.equal(c.readableBytes, bufs.slice(0, readable).reduce((s, b) => s + b.len, 0));
      assert.equal(c.writableBytes, bufs.slice(readable).reduce((s, b) => s + b.len, 0));
      assert.equal(c.descriptors.length, n);
      assert.equal(c.ringSlots, n);
      assert.equal(c.id, c.head);
      assert.equal(c.descriptors[0]!.index, c.head);
      assert.equal(c.position, n - 1);
      assert.equal(c.indirectTable, undefined);
      assert.ok(c.descriptors.every((d, k) => !d.indirect && (k < n - 1 ? d.flags & DESC_F_NEXT && d.next === c.descriptors[k + 1]!.index : !(d.flags & DESC_F_NEXT))));
      const written = Math.min(3, c.writableBytes);
      p.device.pushUsed(c, written);
      const [u] = p.driver.harvest();
      assert.equal(u!.token, token);
      assert.equal(u!.len, written);
      assert.deepEqual(u!.buffers, bufs);
      assert.equal(p.driver.freeCount(), 16);
    }
    assert.deepEqual(p.violations, []);
    assert.deepEqual(p.deviceErrors, []);
  });

  test('payload round trip through chain-io', () => {
    const p = splitPair({ size: 4 });
    const out = p.buffer(5);
    p.mem.write(out.addr, new Uint8Array([1, 2, 3, 4, 5]));
    const inb = p.buffer(8, true);
    p.submit([out, inb]);
    const c = p.device.pop()!;
    assert.deepEqual([...readChain(p.mem, c)], [1, 2, 3, 4, 5]);
    assert.equal(writeChain(p.mem, c, new Uint8Array([9, 8, 7])), 3);
    p.device.pushUsed(c, 3);
    const [u] = p.driver.harvest();
    assert.deepEqual([...p.mem.read(inb.addr, u!.len)], [9, 8, 7]);
  });

  test('indirect chains: one ring slot, table entries as descriptors, table freed on harvest', () => {
    const p = splitPair({ size: 4, features: { indirect: true } });
    const bufs = [p.buffer(16), p.buffer(512, true), p.buffer(1, true)];
    const free = p.alloc.bytesFree;
    const token = p.submit(bufs, true);
    assert.equal(p.driver.freeCount(), 3);
    assert.ok(p.alloc.bytesFree < free, 'table allocated');
    const c = p.device.pop()!;
    assert.equal(c.ringSlots, 1);
    assert.deepEqual(c.indirectTable && { len: c.indirectTable.len, index: c.indirectTable.index }, { len: 48, index: c.head });
    assert.deepEqual(c.descriptors.map((d) => [d.index, d.indirect]), [[0, true], [1, true], [2, true]]);
    assert.deepEqual(segs(c.readable), segs(bufs.slice(0, 1)));
    assert.deepEqual(segs(c.writable), segs(bufs.slice(1)));
    p.device.pushUsed(c, 513);
    const [u] = p.driver.harvest();
    assert.deepEqual([u!.token, u!.len], [token, 513]);
    assert.equal(p.alloc.bytesFree, free, 'table released');
    assert.equal(p.driver.freeCount(), 4);
    assert.deepEqual(p.violations, []);
  });

  test('§2.7.5.3.2 (S8): direct descriptors followed by one INDIRECT are accepted; WRITE on the pointer is ignored', () => {
    const p = splitPair({ size: 8, features: { indirect: true } });
    const hdr = p.buffer(16);
    const data = p.buffer(64);
    const status = p.buffer(1, true);
    const table = p.alloc.alloc(32, 16);
    writeDescAt(p.mem, table, { addr: data.addr, len: 64, flags: DESC_F_NEXT, next: 1 });
    writeDescAt(p.mem, table + 16, { addr: status.addr, len: 1, flags: DESC_F_WRITE, next: 0 });
    writeDescAt(p.mem, p.driver.descAddr + 16 * 5, { addr: hdr.addr, len: 16, flags: DESC_F_NEXT, next: 2 });
    writeDescAt(p.mem, p.driver.descAddr + 16 * 2, { addr: table, len: 32, flags: DESC_F_INDIRECT | DESC_F_WRITE, next: 0 });
    p.mem.writeU16(p.driver.driverAddr + 4, 5);
    p.mem.writeU16(p.driver.driverAddr + 2, 1);
    const c = p.device.pop()!;
    assert.ok(c, JSON.stringify(p.violations));
    assert.equal(c.head, 5);
    assert.equal(c.ringSlots, 2);
    assert.deepEqual(segs(c.readable), [[hdr.addr, 16], [data.addr, 64]]);
    assert.deepEqual(segs(c.writable), [[status.addr, 1]]);
    assert.deepEqual(c.descriptors.map((d) => [d.index, d.indirect]), [[5, false], [0, true], [1, true]]);
    assert.deepEqual(c.indirectTable, { addr: table, len: 32, index: 2 });
    assert.deepEqual(p.violations, []);
  });

  test('out-of-order completion: the driver gets tokens in used-ring order and reuses the descriptors', () => {
    const p = splitPair({ size: 8 });
    const tokens = [0, 1, 2].map(() => p.submit([p.buffer(8), p.buffer(8, true)]));
    const chains = [p.device.pop()!, p.device.pop()!, p.device.pop()!];
    assert.equal(p.device.pop(), null);
    assert.equal(p.device.inflight, 3);
    assert.equal(p.driver.freeCount(), 2);
    p.device.pushUsed(chains[2]!, 2);
    p.device.pushUsed(chains[0]!, 0);
    assert.deepEqual(p.driver.harvest().map((u) => [u.token, u.len]), [[tokens[2], 2], [tokens[0], 0]]);
    assert.equal(p.driver.freeCount(), 6);
    // The freed descriptors are reused for the next three chains without trouble.
    const more = [0, 1, 2].map(() => p.submit([p.buffer(4), p.buffer(4, true)]));
    p.device.pushUsed(chains[1]!, 8);
    for (let k = 0; k < 3; k++) p.device.pushUsed(p.device.pop()!, k);
    assert.deepEqual(p.driver.harvest().map((u) => [u.token, u.len]), [[tokens[1], 8], [more[0], 0], [more[1], 1], [more[2], 2]]);
    assert.equal(p.driver.outstanding, 0);
    assert.equal(p.device.inflight, 0);
    assert.deepEqual(p.violations, []);
    assert.deepEqual(p.deviceErrors, []);
  });

  test('a full ring refuses a chain (add returns null) until buffers come back', () => {
    const p = splitPair({ size: 4, features: { indirect: true } });
    p.submit([p.buffer(1), p.buffer(1), p.buffer(1, true)]);
    assert.equal(p.driver.add([p.buffer(1), p.buffer(1)]), null);
    assert.notEqual(p.driver.add([p.buffer(1), p.buffer(1)], { indirect: true }), null);
    assert.equal(p.driver.freeCount(), 0);
    assert.equal(p.driver.add([p.buffer(1)], { indirect: true }), null);
    p.driver.publish();
    p.device.pushUsed(p.device.pop()!, 0);
    p.driver.harvest();
    assert.equal(p.driver.freeCount(), 3);
  });

  test('indices wrap past 65535 (initialIndex 65530): avail and used side', () => {
    const p = splitPair({ size: 4, features: { eventIdx: true }, initialIndex: 65530 });
    const seen: number[] = [];
    for (let k = 0; k < 20; k++) {
      const token = p.submitAndKick([p.buffer(8), p.buffer(8, true)]).token;
      const c = p.device.pop()!;
      seen.push(c.position);
      p.device.pushUsed(c, k);
      assert.equal(p.device.shouldNotify(), true, `interrupt ${k}`);
      const [u] = p.driver.harvest();
      assert.deepEqual([u!.token, u!.len], [token, k]);
      p.driver.setInterrupts(true);
    }
    assert.deepEqual(seen.slice(0, 8), [65530, 65531, 65532, 65533, 65534, 65535, 0, 1]);
    assert.equal(p.device.getBase(), 14);
    assert.equal(p.mem.readU16(p.driver.deviceAddr + 2), 14);
    assert.deepEqual(p.violations, []);
  });
});

describe('split notifications (§2.7.7, §2.7.10)', () => {
  test('without EVENT_IDX: used interrupts follow avail.flags NO_INTERRUPT', () => {
    const p = splitPair({ size: 8 });
    const run = (): boolean => {
      p.submit([p.buffer(4, true)]);
      p.device.pushUsed(p.device.pop()!, 1);
      return p.device.shouldNotify();
    };
    assert.equal(run(), true);
    assert.equal(p.device.shouldNotify(), false, 'nothing pushed since the last decision');
    p.driver.setInterrupts(false);
    assert.equal(p.mem.readU16(p.driver.driverAddr), 1, 'avail.flags = NO_INTERRUPT');
    assert.equal(run(), false);
    p.driver.setInterrupts(true);
    assert.equal(p.mem.readU16(p.driver.driverAddr), 0);
    assert.equal(run(), true);
  });

  test('without EVENT_IDX: the device suppresses kicks with used.flags NO_NOTIFY', () => {
    const p = splitPair({ size: 8, synchronousNotify: true });
    assert.equal(p.submitAndKick([p.buffer(4)]).kicked, true);
    p.device.setNotifications(false);
    assert.equal(p.mem.readU16(p.driver.deviceAddr), VIRTQ_USED_F_NO_NOTIFY);
    assert.equal(p.device.notificationsEnabled, false);
    assert.equal(p.submitAndKick([p.buffer(4)]).kicked, false);
    assert.equal(p.device.missedNotification(), false, 'nothing was owed while suppressed');
    p.device.setNotifications(true);
    assert.equal(p.mem.readU16(p.driver.deviceAddr), 0);
    assert.equal(p.device.missedNotification(), false, 'enabling takes responsibility for what is pending');
    assert.equal(p.submitAndKick([p.buffer(4)]).kicked, true);
    assert.deepEqual(p.violations, []);
  });

  test('with EVENT_IDX: interrupts when used idx crosses used_event; none after used_event was passed', () => {
    const p = splitPair({ size: 8, features: { eventIdx: true } });
    const push = (n: number): boolean => {
      for (let k = 0; k < n; k++) p.submit([p.buffer(4, true)]);
      for (let k = 0; k < n; k++) p.device.pushUsed(p.device.pop()!, 1);
      return p.device.shouldNotify();
    };
    assert.equal(push(1), true, 'first decision (no signalled index yet)');
    // The driver has not harvested: used_event still 0, used idx already past it.
    assert.equal(push(1), false);
    assert.equal(push(2), false);
    assert.equal(p.driver.harvest().length, 4);
    p.driver.setInterrupts(true); // used_event = 4
    assert.equal(p.mem.readU16(p.driver.driverAddr + 4 + 2 * 8), 4);
    assert.equal(push(3), true, 'used idx 4 → 7 crosses used_event 4');
    assert.equal(p.driver.harvest().length, 3);
    p.driver.setInterrupts(false);
    assert.equal(p.mem.readU16(p.driver.driverAddr), 0, 'avail.flags stays 0 with EVENT_IDX');
    assert.equal(push(1), false);
  });

  test('with EVENT_IDX: the driver kicks when avail idx crosses avail_event; disabling stops advancing it', () => {
    const p = splitPair({ size: 8, features: { eventIdx: true }, synchronousNotify: true });
    assert.equal(p.submitAndKick([p.buffer(4)]).kicked, true, 'avail_event 0 crossed');
    assert.ok(p.device.pop());
    assert.equal(p.mem.readU16(p.driver.deviceAddr + 4 + 8 * 8), 1, 'avail_event = last_avail after pop');
    assert.equal(p.submitAndKick([p.buffer(4)]).kicked, true);
    p.device.setNotifications(false);
    assert.ok(p.device.pop());
    assert.equal(p.mem.readU16(p.driver.deviceAddr + 4 + 8 * 8), 1, 'not advanced while disabled');
    assert.equal(p.submitAndKick([p.buffer(4)]).kicked, false);
    assert.equal(p.submitAndKick([p.buffer(4)]).kicked, false);
    p.device.setNotifications(true);
    assert.equal(p.mem.readU16(p.driver.deviceAddr + 4 + 8 * 8), 4, 'avail_event = avail idx on enable');
    assert.equal(p.submitAndKick([p.buffer(4)]).kicked, true);
    assert.equal(p.device.missedNotification(), false);
    assert.deepEqual(p.violations, []);
  });

  test('NOTIFICATION_DATA: the value is the 16-bit avail idx and the device accepts it', () => {
    const p = splitPair({ size: 8, features: { notificationData: true }, initialIndex: 0x7ffe, synchronousNotify: true });
    p.submitAndKick([p.buffer(4)]);
    assert.equal(p.driver.notificationData(), 0x7fff);
    p.submitAndKick([p.buffer(4)]);
    assert.equal(p.driver.notificationData(), 0x8000, 'bit 15 = next_wrap');
    assert.deepEqual(p.violations, []);
  });
});

describe('IN_ORDER (§2.7.9)', () => {
  test('descriptors are allocated sequentially, next = x + 1, wrapping at the table end', () => {
    const p = splitPair({ size: 8, features: { inOrder: true, indirect: true } });
    const heads: number[] = [];
    for (let k = 0; k < 12; k++) {
      const n = (k % 3) + 1;
      p.submit(Array.from({ length: n }, (_, j) => p.buffer(4, j === n - 1)), k % 4 === 3);
      const c: Chain = p.device.pop()!;
      assert.ok(c, JSON.stringify(p.violations));
      heads.push(c.head);
      p.device.pushUsed(c, 1);
      assert.equal(p.driver.harvest().length, 1);
    }
    // slots per chain: 1,2,3,1(indirect),2,3,1,1(indirect),3,1,2,1(indirect)
    assert.deepEqual(heads, [0, 1, 3, 6, 7, 1, 4, 5, 6, 1, 2, 4]);
    assert.deepEqual(p.violations, []);
  });

  test('a batch returned with one used entry (S17) gives every chain back, the earlier ones in full', () => {
    const p = splitPair({ size: 8, features: { inOrder: true } });
    const tokens = [0, 1, 2].map(() => p.submit([p.buffer(4), p.buffer(10, true)]));
    const chains = [p.device.pop()!, p.device.pop()!, p.device.pop()!];
    // One used entry with the id of the last chain, used idx advanced by 3.
    p.mem.writeU32(p.driver.deviceAddr + usedRingOffset(0), chains[2]!.id);
    p.mem.writeU32(p.driver.deviceAddr + usedRingOffset(0) + 4, 7);
    p.mem.writeU16(p.driver.deviceAddr + 2, 3);
    assert.deepEqual(p.driver.harvest().map((u) => [u.token, u.len]), [[tokens[0], 10], [tokens[1], 10], [tokens[2], 7]]);
    assert.equal(p.driver.freeCount(), 8);
    assert.deepEqual(p.deviceErrors, []);
  });
});
