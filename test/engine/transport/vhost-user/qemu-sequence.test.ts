// The back end against a front end that sends exactly what QEMU 7.2 sends (docs/architecture.md, "Measured facts"): device creation,
// the driver start (SET_FEATURES, SET_MEM_TABLE with two regions and two memfds, per ring NUM, BASE, ADDR,
// KICK, CALL, ENABLE), real blk requests through the reference driver's rings in the shared memfd, and the
// stop (ENABLE(0), GET_VRING_BASE) — split and packed.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { VhostUserRequest as R } from '../../../../engine/transport/vhost-user/messages';
import { type BlkDevice } from '../../../../engine/devices/blk';
import { decodeVringState, encodeU64, encodeVringState } from '../../../../engine/transport/vhost-user/codec';
import { FrontRing, GuestRam, TestFrontEnd, blkRequest, native } from './front-end';
import { DISK_BYTES, PROTOCOL_BIT, RING_PACKED, VERSION_1, blkDevice, pfBits, qemuInit, serve } from './harness';

const n = native();

async function runQemuSequence(layout: 'split' | 'packed'): Promise<void> {
  const contents = randomBytes(DISK_BYTES);
  const s = serve((mem, trace) => blkDevice(mem, trace, { contents }));
  const ram = new GuestRam(n);
  const fe = TestFrontEnd.connect(n, s.path);
  const ring = new FrontRing(n, ram, 0, layout, 16);
  const err = n.eventfd();
  try {
    // Device creation: QEMU negotiates MQ, REPLY_ACK, CONFIG (no CONFIGURE_MEM_SLOTS: SET_MEM_TABLE is used).
    const init = await qemuInit(fe, { protocol: pfBits('MQ', 'REPLY_ACK', 'CONFIG', 'RESET_DEVICE'), rings: 1, callFds: [ring.call], errFds: [err], blk: true });
    assert.ok(init.features & PROTOCOL_BIT, 'GET_FEATURES offers VHOST_USER_F_PROTOCOL_FEATURES');
    assert.ok(init.features & VERSION_1);
    assert.ok(init.features & RING_PACKED);
    assert.equal(init.features & (1n << 38n), 0n, 'NOTIFICATION_DATA is never offered over vhost-user');
    assert.equal(init.queueNum, 1n);
    const config = init.config!;
    assert.equal(config.readUInt32LE(4), 60, 'GET_CONFIG answers the size asked for');
    assert.equal(config.readBigUInt64LE(12), BigInt(DISK_BYTES / 512), 'capacity in the config space');

    // Driver start.
    const acked = VERSION_1 | (layout === 'packed' ? RING_PACKED : 0n) | PROTOCOL_BIT;
    fe.send(R.SET_FEATURES, encodeU64(acked));
    const table = ram.memTable();
    assert.equal(await fe.acked(R.SET_MEM_TABLE, table.payload, table.fds), 0n, 'SET_MEM_TABLE acked (REPLY_ACK)');
    ring.setUp(fe, 'qemu');

    const dev = s.device as BlkDevice;
    // Write 8 KiB at sector 16, read it back, read the original data elsewhere.
    const data = randomBytes(8192);
    const w = blkRequest(ram, 'out', 16, data);
    const used = await ring.submitWithin(w.buffers);
    assert.equal(ram.mem.readU8(w.statusAddr), 0, 'write status OK');
    assert.equal(used.len, 1);
    const onDisk = new Uint8Array(8192);
    await dev.backend.read(16 * 512, onDisk);
    assert.deepEqual(Buffer.from(onDisk), data, 'the back end holds the written data');

    const r = blkRequest(ram, 'in', 16, 8192);
    assert.equal((await ring.submitWithin(r.buffers)).len, 8192 + 1);
    assert.deepEqual(Buffer.from(ram.mem.read(r.dataAddr, 8192)), data, 'read back what was written');
    // More requests than the ring has entries: indices wrap (packed: the wrap counter flips).
    for (let i = 0; i < 20; i++) {
      const q = blkRequest(ram, 'in', 100 + i, 512);
      await ring.submitWithin(q.buffers);
      assert.deepEqual(Buffer.from(ram.mem.read(q.dataAddr, 512)), contents.subarray((100 + i) * 512, (101 + i) * 512));
    }
    assert.deepEqual(ring.deviceErrors, []);
    assert.ok(ring.calls > 0, 'the call eventfd was signalled');

    // Stop: the ring position after 22 requests. Packed: each used 3 slots (header, data, status), so 66
    // slots went round a 16-slot ring 4 times: offset 2, the wrap counter back at its initial 1.
    const slots = 22 * 3;
    const expected = layout === 'packed' ? (slots % 16) | ((1 ^ (Math.floor(slots / 16) & 1)) << 15) : 22;
    fe.send(R.SET_VRING_ENABLE, encodeVringState({ index: 0, num: 0 }));
    const base = decodeVringState((await fe.call(R.GET_VRING_BASE, encodeVringState({ index: 0, num: 0 }))).payload);
    assert.ok(base.ok);
    assert.equal(base.value.num, expected, 'GET_VRING_BASE: last_avail_idx (packed: offset | wrap << 15)');
    assert.equal(dev.queues[0]!.vq, undefined, 'the ring stopped');
    assert.equal(dev.status, 0, 'every ring stopped: the device is stopped');

    // Every request QEMU sent shows in the trace, in order, with its fds.
    const names = s.transport().filter((e) => e.direction === 'in').map((e) => e.name);
    assert.deepEqual(names, [
      'GET_FEATURES', 'GET_PROTOCOL_FEATURES', 'SET_PROTOCOL_FEATURES', 'GET_QUEUE_NUM', 'SET_OWNER', 'GET_FEATURES', 'SET_VRING_CALL',
      'SET_VRING_ERR', 'GET_CONFIG', 'SET_FEATURES', 'SET_MEM_TABLE', 'SET_VRING_NUM', 'SET_VRING_BASE', 'SET_VRING_ADDR', 'SET_VRING_KICK',
      'SET_VRING_CALL', 'SET_VRING_ENABLE', 'SET_VRING_ENABLE', 'GET_VRING_BASE',
    ]);
    const memTable = s.transport().find((e) => e.name === 'SET_MEM_TABLE' && e.direction === 'in')!;
    assert.equal(memTable.fds, 2);
    assert.match(memTable.summary, /^2 regions: gpa 0x0\+0xa0000 uaddr 0x7f1234000000 offset 0x0; gpa 0x100000\+/);
    assert.match(memTable.summary, /\[need reply\]/);
    const replies = s.transport().filter((e) => e.direction === 'out');
    assert.ok(replies.some((e) => e.name === 'GET_VRING_BASE' && /base/.test(e.summary)));
    assert.ok(replies.some((e) => e.name === 'SET_MEM_TABLE' && e.summary === 'ack: ok'));
    // Message events are in the same stream as the ring events.
    const kinds = new Set(s.events.map((e) => e.type));
    for (const k of ['transport', 'queue-setup', 'notify', 'chain', 'used', 'interrupt'] as const) assert.ok(kinds.has(k), `trace has ${k} events`);
    assert.deepEqual(s.violations(), []);
  } finally {
    fe.close();
    ring.close();
    n.close(err);
    await s.server.whenIdle();
    await s.close();
    ram.close();
  }
}

describe('vhost-user: QEMU 7.2 message sequence (blk)', () => {
  after(() => undefined);
  test('split ring: writes and reads through the memfd, GET_VRING_BASE after the stop', () => runQemuSequence('split'));
  test('packed ring: the same, GET_VRING_BASE carries the wrap counter', () => runQemuSequence('packed'));
});
