// A front end that breaks the protocol: every mistake gets a clear error (a violation with a rule id, and
// the spec's error answer: a non-zero ack or a zero-size reply) and the connection stays usable.
import assert from 'node:assert/strict';
import { readdirSync, readlinkSync } from 'node:fs';
import { describe, test } from 'node:test';
import { VhostUserRequest as R } from '../../../../engine/transport/vhost-user/messages';
import { encodeMemRegion, encodeU64, encodeVringAddr, encodeVringState } from '../../../../engine/transport/vhost-user/codec';
import { FrontRing, GuestRam, TestFrontEnd, native, sleep, until } from './front-end';
import { PROTOCOL_BIT, VERSION_1, blkDevice, pfBits, serve } from './harness';

const n = native();
/** Open eventfds of this process (other fds come and go with the test runner). */
const openFds = () =>
  readdirSync('/proc/self/fd').filter((f) => {
    try {
      return readlinkSync(`/proc/self/fd/${f}`) === 'anon_inode:[eventfd]';
    } catch {
      return false;
    }
  }).length;

async function session(protocol: bigint, o: { owner?: boolean } = {}) {
  const s = serve((mem, trace) => blkDevice(mem, trace));
  const fe = TestFrontEnd.connect(n, s.path);
  const offered = await fe.getU64(R.GET_PROTOCOL_FEATURES);
  fe.send(R.SET_PROTOCOL_FEATURES, encodeU64(offered & protocol));
  if (o.owner ?? true) fe.send(R.SET_OWNER);
  const done = async () => {
    fe.close();
    await s.close();
  };
  return { s, fe, done };
}

const rules = (s: ReturnType<typeof serve>) => s.violations().map((v) => v.rule);

describe('vhost-user: protocol errors', () => {
  test('an unknown request: non-zero ack with NEED_REPLY, nothing without, fds closed, the connection goes on', async () => {
    const { s, fe, done } = await session(pfBits('REPLY_ACK', 'MQ'));
    try {
      const ev = n.eventfd();
      const before = openFds();
      fe.send(99, new Uint8Array(16).fill(7), { needReply: true, fds: [ev] });
      const r = await fe.reply();
      assert.equal(r.request, 99);
      assert.notEqual(r.payload.readBigUInt64LE(0), 0n, 'error ack');
      fe.send(200, new Uint8Array(5));
      await fe.noReply();
      await until(() => openFds() === before, 'the received eventfd to be closed');
      n.close(ev);
      assert.equal(await fe.getU64(R.GET_QUEUE_NUM), 1n, 'the next request is answered normally');
      const unknown = s.violations().filter((v) => v.rule === 'vhost-user-unknown-request');
      assert.equal(unknown.length, 2);
      assert.match(unknown[0]!.message, /request 99 is not a vhost-user request/);
      assert.equal(unknown[0]!.section, '3.10');
    } finally {
      await done();
    }
  });

  test('a payload larger than any request is skipped; a wrong-sized payload is refused', async () => {
    const { s, fe, done } = await session(pfBits('REPLY_ACK'));
    try {
      fe.send(R.SET_FEATURES, new Uint8Array(6000), { needReply: true });
      assert.notEqual((await fe.reply()).payload.readBigUInt64LE(0), 0n);
      fe.send(R.SET_VRING_NUM, new Uint8Array(4), { needReply: true });
      assert.notEqual((await fe.reply()).payload.readBigUInt64LE(0), 0n);
      // A request with a reply body answers its error with a zero-size payload.
      const r = await fe.call(R.GET_VRING_BASE, new Uint8Array(3));
      assert.equal(r.payload.length, 0);
      assert.equal(await fe.getU64(R.GET_FEATURES) & PROTOCOL_BIT, PROTOCOL_BIT, 'still in step');
      assert.deepEqual(rules(s), ['vhost-user-payload-size', 'vhost-user-payload-size', 'vhost-user-payload-size']);
    } finally {
      await done();
    }
  });

  test('REPLY_ACK: success is 0, a refused memory table is non-zero and keeps the old one', async () => {
    const { s, fe, done } = await session(pfBits('REPLY_ACK'));
    const ram = new GuestRam(n);
    try {
      const t = ram.memTable();
      assert.equal(await fe.acked(R.SET_MEM_TABLE, t.payload, t.fds), 0n);
      assert.equal(s.device.mem.list().length, 2);
      assert.notEqual(await fe.acked(R.SET_MEM_TABLE, t.payload, [ram.memfd]), 0n, 'one fd for two regions');
      const overlapping = ram.memTable();
      const bad = Buffer.from(overlapping.payload);
      bad.writeBigUInt64LE(0x50000n, 8 + 32); // region 1 now starts inside region 0
      assert.notEqual(await fe.acked(R.SET_MEM_TABLE, bad, overlapping.fds), 0n);
      assert.equal(s.device.mem.list().length, 2, 'the previous table stays');
      assert.equal(s.device.mem.list()[1]!.gpa, 0x100000);
      assert.deepEqual(rules(s), ['vhost-user-fd-missing', 'vhost-user-mem-table-invalid']);
      assert.match(s.violations()[1]!.message, /overlap/);
    } finally {
      await done();
      ram.close();
    }
  });

  test('NEED_REPLY without REPLY_ACK is answered anyway, and reported once', async () => {
    const { s, fe, done } = await session(pfBits('MQ'));
    try {
      assert.equal(await fe.acked(R.SET_FEATURES, encodeU64(VERSION_1)), 0n);
      assert.equal(await fe.acked(R.SET_FEATURES, encodeU64(VERSION_1)), 0n);
      assert.deepEqual(rules(s), ['vhost-user-need-reply-without-reply-ack']);
    } finally {
      await done();
    }
  });

  test('requests of protocol features that were not negotiated are refused', async () => {
    const { s, fe, done } = await session(pfBits('REPLY_ACK'));
    try {
      const cfg = Buffer.alloc(12 + 8);
      cfg.writeUInt32LE(8, 4);
      assert.equal((await fe.call(R.GET_CONFIG, cfg)).payload.length, 0, 'GET_CONFIG without CONFIG: zero-size reply');
      assert.equal((await fe.call(R.GET_QUEUE_NUM)).payload.length, 0, 'GET_QUEUE_NUM without MQ');
      assert.equal((await fe.call(R.SET_LOG_BASE, new Uint8Array(16))).payload.length, 0, 'LOG_SHMFD is not even offered');
      const v = s.violations();
      assert.deepEqual(v.map((x) => x.rule), ['vhost-user-not-negotiated', 'vhost-user-not-negotiated', 'vhost-user-not-negotiated']);
      assert.match(v[0]!.message, /GET_CONFIG needs protocol feature CONFIG, which was not negotiated/);
      assert.match(v[2]!.message, /does not offer/);
    } finally {
      await done();
    }
  });

  test('set-up before SET_OWNER is reported; protocol features and features not offered are dropped', async () => {
    const { s, fe, done } = await session(pfBits('REPLY_ACK'), { owner: false });
    try {
      fe.send(R.SET_PROTOCOL_FEATURES, encodeU64(pfBits('REPLY_ACK', 'INBAND_NOTIFICATIONS')));
      assert.equal(await fe.acked(R.SET_FEATURES, encodeU64(VERSION_1 | (1n << 50n))), 0n);
      assert.equal(s.device.negotiated, VERSION_1, 'only offered bits are applied');
      // The protocol bit is the vhost-user rule; the virtio bit is the driver's acceptance (the device rule).
      assert.deepEqual(rules(s), ['vhost-user-features-not-offered', 'vhost-user-before-owner', 'features-not-offered']);
      assert.equal(s.violations()[1]!.severity, 'warning');
    } finally {
      await done();
    }
  });

  test('ring requests: unknown ring, bad size, missing fd, addresses outside the table, busy ring, never-started ring', async () => {
    const { s, fe, done } = await session(pfBits('REPLY_ACK'));
    const ram = new GuestRam(n);
    const ring = new FrontRing(n, ram, 0, 'split', 16);
    try {
      fe.send(R.SET_FEATURES, encodeU64(VERSION_1 | PROTOCOL_BIT));
      const t = ram.memTable();
      fe.send(R.SET_MEM_TABLE, t.payload, { fds: t.fds });
      assert.notEqual(await fe.acked(R.SET_VRING_NUM, encodeVringState({ index: 3, num: 16 })), 0n);
      assert.notEqual(await fe.acked(R.SET_VRING_NUM, encodeVringState({ index: 0, num: 24 })), 0n, 'split size must be a power of two');
      assert.notEqual(await fe.acked(R.SET_VRING_NUM, encodeVringState({ index: 0, num: 128 })), 0n, 'above the maximum (64)');
      assert.notEqual(await fe.acked(R.SET_VRING_KICK, encodeU64(0)), 0n, 'no fd and no "no fd" bit');
      // GET_VRING_BASE of a ring that never started: answered, with a warning.
      const r = await fe.call(R.GET_VRING_BASE, encodeVringState({ index: 0, num: 0 }));
      assert.equal(r.payload.length, 8);
      // Addresses as guest-physical ones (the classic mistake): the ring cannot start.
      fe.send(R.SET_VRING_NUM, encodeVringState({ index: 0, num: 16 }));
      fe.send(R.SET_VRING_ADDR, encodeVringAddr({ index: 0, flags: 0, desc: BigInt(ring.ring.descAddr), used: BigInt(ring.ring.deviceAddr), avail: BigInt(ring.ring.driverAddr), log: 0n }));
      fe.send(R.SET_VRING_KICK, encodeU64(0), { fds: [ring.kick] });
      fe.send(R.SET_VRING_ENABLE, encodeVringState({ index: 0, num: 1 }));
      assert.equal(await fe.acked(R.SET_VRING_BASE, encodeVringState({ index: 0, num: 5 })), 1n, 'a started ring keeps its base');
      await sleep(10);
      assert.equal(s.device.queues[0]!.vq, undefined);
      // The right addresses: the ring goes live.
      fe.send(R.SET_VRING_ADDR, encodeVringAddr(ring.addr()));
      await until(() => s.device.queues[0]!.vq !== undefined, 'the ring to start');
      assert.deepEqual(rules(s), [
        'vhost-user-vring-index',
        // The driver's size is named by the queue rule first (as in process), then refused as vhost-user.
        'queue-size-not-power-of-2',
        'vhost-user-vring-size',
        'queue-size-above-max',
        'vhost-user-vring-size',
        'vhost-user-fd-missing',
        'vhost-user-get-base-not-started',
        'vhost-user-address-unmapped',
        'vhost-user-vring-busy',
      ]);
      const unmapped = s.violations()[7]!;
      assert.match(unmapped.message, /ring 0: desc 0x[0-9a-f]+\+256, avail .*, used .* not inside the memory table/);
      assert.equal(unmapped.queue, 0);
    } finally {
      await done();
      ring.close();
      ram.close();
    }
  });

  test('a config read outside the config space gets the zero-size error reply', async () => {
    const { s, fe, done } = await session(pfBits('CONFIG'));
    try {
      const cfg = Buffer.alloc(12);
      cfg.writeUInt32LE(250, 0);
      const big = Buffer.concat([cfg, Buffer.alloc(0)]);
      big.writeUInt32LE(0, 4);
      assert.equal((await fe.call(R.GET_CONFIG, big)).payload.length, 0, 'size 0');
      const outside = Buffer.alloc(12 + 16);
      outside.writeUInt32LE(250, 0);
      outside.writeUInt32LE(16, 4);
      assert.equal((await fe.call(R.GET_CONFIG, outside)).payload.length, 0, 'past 256 bytes');
      assert.deepEqual(rules(s), ['vhost-user-config-range', 'vhost-user-config-range']);
    } finally {
      await done();
    }
  });

  test('a config read partly past the device\'s config space is config-out-of-range; the bytes past it read as zero', async () => {
    const { s, fe, done } = await session(pfBits('CONFIG'));
    try {
      const size = s.device.config.size;
      const req = Buffer.alloc(12 + 16);
      req.writeUInt32LE(size - 4, 0);
      req.writeUInt32LE(16, 4);
      const r = (await fe.call(R.GET_CONFIG, req)).payload;
      assert.equal(r.length, 12 + 16, 'answered with the size asked for');
      assert.deepEqual([...r.subarray(12 + 4)], new Array(12).fill(0), 'bytes past the config space are zero');
      assert.deepEqual(r.subarray(12, 16), Buffer.from(s.device.config.bytes.subarray(size - 4)));
      const v = s.violations();
      assert.deepEqual(v.map((x) => x.rule), ['config-out-of-range']);
      assert.equal(v[0]!.index, size - 4);
      assert.match(v[0]!.message, new RegExp(`GET_CONFIG of 16 bytes at offset ${size - 4}: the config space has ${size} bytes; bytes ${size}\\.\\.${size + 11} read as zero`));
      const inside = Buffer.alloc(12 + 8);
      inside.writeUInt32LE(8, 4);
      assert.equal((await fe.call(R.GET_CONFIG, inside)).payload.length, 20);
      assert.equal(s.violations().length, 1, 'a read inside the config space is not reported');
    } finally {
      await done();
    }
  });

  test('header flags with another version are reported once; REM_MEM_REG of an unknown region is refused', async () => {
    const { s, fe, done } = await session(pfBits('REPLY_ACK', 'CONFIGURE_MEM_SLOTS'));
    try {
      fe.send(R.GET_FEATURES, new Uint8Array(0), { flags: 0x2 });
      assert.equal((await fe.reply()).payload.length, 8, 'answered anyway');
      fe.send(R.GET_FEATURES, new Uint8Array(0), { flags: 0x2 });
      await fe.reply();
      const region = { guestPhysAddr: 0n, memorySize: 4096n, userspaceAddr: 0x1000n, mmapOffset: 0n };
      assert.notEqual(await fe.acked(R.REM_MEM_REG, encodeMemRegion(region)), 0n);
      assert.deepEqual(rules(s), ['vhost-user-bad-version', 'vhost-user-mem-table-invalid']);
    } finally {
      await done();
    }
  });
});
