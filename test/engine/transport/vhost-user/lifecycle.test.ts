// Session lifecycle: the memory table replaced mid-session, memory slots added and removed, a front end
// that disconnects and the next one, a config change reaching the front end, RESET_DEVICE, and the socket
// path and native-addon checks of the server.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { VhostUserBackendRequest, VhostUserRequest as R } from '../../../../engine/transport/vhost-user/messages';
import { BlkDevice, type BlockBackend, MemoryBackend } from '../../../../engine/devices/blk';
import { decodeHeader, decodeVringState, encodeMemRegion, encodeU64, encodeVringAddr, encodeVringState } from '../../../../engine/transport/vhost-user/codec';
import { VhostUserError, VhostUserServer } from '../../../../engine/transport/vhost-user/server';
import { FrontRing, GuestRam, TestFrontEnd, USER_BASE, blkRequest, native, sleep, until } from './front-end';
import { DISK_BYTES, PROTOCOL_BIT, RING_PACKED, VERSION_1, blkDevice, pfBits, serve } from './harness';

const n = native();

/** Open memfds of this process. */
const memfds = () =>
  readdirSync('/proc/self/fd').filter((f) => {
    try {
      return readlinkSync(`/proc/self/fd/${f}`).startsWith('/memfd:');
    } catch {
      return false;
    }
  }).length;

/** The QEMU-like start of a blk device with one ring; returns a function doing one 4 KiB write + read. */
async function startBlk(fe: TestFrontEnd, ram: GuestRam, ring: FrontRing, protocol = pfBits('REPLY_ACK', 'MQ', 'CONFIG')): Promise<(sector: number) => Promise<void>> {
  const offered = await fe.getU64(R.GET_PROTOCOL_FEATURES);
  fe.send(R.SET_PROTOCOL_FEATURES, encodeU64(offered & protocol));
  fe.send(R.SET_OWNER);
  fe.send(R.SET_FEATURES, encodeU64(VERSION_1 | PROTOCOL_BIT | (ring.layout === 'packed' ? RING_PACKED : 0n)));
  const t = ram.memTable();
  assert.equal(await fe.acked(R.SET_MEM_TABLE, t.payload, t.fds), 0n);
  ring.setUp(fe, 'qemu');
  return async (sector) => {
    const data = randomBytes(4096);
    const w = blkRequest(ram, 'out', sector, data);
    await ring.submitWithin(w.buffers);
    assert.equal(ram.mem.readU8(w.statusAddr), 0);
    const r = blkRequest(ram, 'in', sector, 4096);
    await ring.submitWithin(r.buffers);
    assert.deepEqual(Buffer.from(ram.mem.read(r.dataAddr, 4096)), data);
  };
}

describe('vhost-user: lifecycle', () => {
  test('SET_MEM_TABLE replaced mid-session: new fds, then moved user addresses; old fds closed, I/O goes on', async () => {
    const s = serve((mem, trace) => blkDevice(mem, trace));
    const ram = new GuestRam(n);
    const fe = TestFrontEnd.connect(n, s.path);
    const ring = new FrontRing(n, ram, 0, 'split', 16);
    try {
      const io = await startBlk(fe, ram, ring);
      await io(8);
      const before = memfds();
      // The same layout again with new fds (QEMU re-sends the table): the back end's count does not grow.
      const again = ram.memTable();
      assert.equal(await fe.acked(R.SET_MEM_TABLE, again.payload, again.fds), 0n);
      assert.equal(memfds(), before, 'the previous table\'s fds were closed');
      await io(16);
      // RAM moved in the front end's address space: the ring's old user addresses no longer translate,
      // the ring waits (reported) until SET_VRING_ADDR brings the new ones, then continues where it was.
      const moved = USER_BASE + 0x10_0000_0000n;
      const t = ram.memTable(moved);
      assert.equal(await fe.acked(R.SET_MEM_TABLE, t.payload, t.fds), 0n);
      assert.equal(s.device.queues[0]!.vq, undefined, 'the ring is not live with untranslatable addresses');
      assert.deepEqual(s.violations().map((v) => v.rule), ['vhost-user-address-unmapped']);
      fe.send(R.SET_VRING_ADDR, encodeVringAddr(ring.addr(moved)));
      await io(24);
      const base = decodeVringState((await fe.call(R.GET_VRING_BASE, encodeVringState({ index: 0, num: 0 }))).payload);
      assert.ok(base.ok);
      assert.equal(base.value.num, 6, 'three writes and three reads, none lost or repeated');
    } finally {
      fe.close();
      ring.close();
      await s.close();
      ram.close();
    }
  });

  test('CONFIGURE_MEM_SLOTS: ADD_MEM_REG per region (duplicates counted), REM_MEM_REG, GET_MAX_MEM_SLOTS', async () => {
    const s = serve((mem, trace) => blkDevice(mem, trace));
    const ram = new GuestRam(n);
    const fe = TestFrontEnd.connect(n, s.path);
    try {
      const offered = await fe.getU64(R.GET_PROTOCOL_FEATURES);
      fe.send(R.SET_PROTOCOL_FEATURES, encodeU64(offered & pfBits('REPLY_ACK', 'CONFIGURE_MEM_SLOTS')));
      assert.equal(await fe.getU64(R.GET_MAX_MEM_SLOTS), 32n);
      fe.send(R.SET_OWNER);
      const [low, high] = ram.regions();
      for (const r of [low!, high!, high!]) assert.equal(await fe.acked(R.ADD_MEM_REG, encodeMemRegion(r), [ram.memfd]), 0n);
      assert.deepEqual(s.device.mem.list().map((r) => [r.gpa, r.size]), [[0, 0xa0000], [0x100000, ram.size - 0x100000]]);
      assert.notEqual(await fe.acked(R.ADD_MEM_REG, encodeMemRegion(low!)), 0n, 'ADD_MEM_REG needs its fd');
      assert.equal(await fe.acked(R.REM_MEM_REG, encodeMemRegion(high!)), 0n);
      assert.equal(s.device.mem.list().length, 2, 'added twice: still there after one removal');
      assert.equal(await fe.acked(R.REM_MEM_REG, encodeMemRegion(high!)), 0n);
      assert.equal(s.device.mem.list().length, 1);
      // Guest memory written by the front end is what the back end reads.
      ram.mem.write(0x1000, Buffer.from('shared low memory'));
      assert.equal(Buffer.from(s.device.mem.read(0x1000, 17)).toString(), 'shared low memory');
      assert.deepEqual(s.violations().map((v) => v.rule), ['vhost-user-fd-missing']);
    } finally {
      fe.close();
      await s.close();
      ram.close();
    }
  });

  test('disconnect: requests in flight complete, the disk is flushed, the device reset; the next front end is served', async () => {
    let flushedWhileMapped = false;
    const s = serve((mem, trace) => blkDevice(mem, trace), {
      onDisconnect: () => {
        flushedWhileMapped = true;
      },
    });
    const ram = new GuestRam(n);
    const dev = s.device as BlkDevice;
    try {
      for (let round = 0; round < 2; round++) {
        const fe = TestFrontEnd.connect(n, s.path);
        const ring = new FrontRing(n, ram, 0, round ? 'packed' : 'split', 16);
        const io = await startBlk(fe, ram, ring);
        await io(round * 8);
        assert.equal(s.server.connected, true);
        fe.close();
        await until(() => s.disconnects.length === round + 1, 'the disconnect to be handled');
        await s.server.whenIdle();
        ring.close();
        assert.equal(dev.status, 0, 'device reset');
        assert.equal(dev.negotiated, 0n);
        assert.equal(dev.queues[0]!.vq, undefined);
        assert.equal(dev.mem.list().length, 0, 'guest memory unmapped');
      }
      assert.equal(flushedWhileMapped, true);
      assert.equal(s.server.connections, 2);
      assert.deepEqual(s.disconnects, ['the front end closed the connection', 'the front end closed the connection']);
      assert.deepEqual(s.violations(), []);
    } finally {
      await s.close();
      ram.close();
    }
  });

  test('a front end that disconnects with a write in flight: the write lands, then the flush', async () => {
    const order: string[] = [];
    const s = serve(
      (mem, trace) => {
        const inner = new MemoryBackend({ size: DISK_BYTES });
        const slow: BlockBackend = {
          size: inner.size,
          readOnly: false,
          description: 'slow in-memory disk',
          read: (o, into) => inner.read(o, into),
          write: async (o, data) => {
            await sleep(50);
            await inner.write(o, data);
            order.push('write');
          },
          flush: async () => {
            order.push('flush');
            await inner.flush();
          },
          discard: (o, l) => inner.discard(o, l),
          writeZeroes: (o, l, u) => inner.writeZeroes(o, l, u),
          resize: (size) => inner.resize(size),
          close: () => inner.close(),
        };
        return new BlkDevice({ id: 'blk0', mem, trace, backend: slow, inProcess: false, queueSize: 64 });
      },
      { onDisconnect: async () => void (await (s.device as BlkDevice).backend.flush()) },
    );
    const ram = new GuestRam(n);
    const fe = TestFrontEnd.connect(n, s.path);
    const ring = new FrontRing(n, ram, 0, 'split', 16);
    try {
      await startBlk(fe, ram, ring);
      const data = randomBytes(4096);
      void ring.submit(blkRequest(ram, 'out', 40, data).buffers);
      await until(() => (s.device as BlkDevice).queues[0]!.pending.length === 1, 'the write to be in flight');
      fe.close();
      await until(() => s.disconnects.length === 1, 'the disconnect');
      await s.server.whenIdle();
      // (Without FLUSH negotiated the device is writethrough: it flushes after the write itself, too.)
      assert.equal(order[0], 'write', 'the write completed before anything else');
      assert.equal(order.at(-1), 'flush', 'the disconnect flushed after it');
      const onDisk = new Uint8Array(4096);
      await (s.device as BlkDevice).backend.read(40 * 512, onDisk);
      assert.deepEqual(Buffer.from(onDisk), data);
    } finally {
      ring.close();
      await s.close();
      ram.close();
    }
  });

  test('a second front end waits until the first is gone', async () => {
    const s = serve((mem, trace) => blkDevice(mem, trace));
    const a = TestFrontEnd.connect(n, s.path);
    const b = TestFrontEnd.connect(n, s.path);
    try {
      assert.ok((await a.getU64(R.GET_FEATURES)) & PROTOCOL_BIT);
      b.send(R.GET_FEATURES);
      await b.noReply(100);
      a.close();
      assert.ok((await b.reply()).payload.readBigUInt64LE(0) & PROTOCOL_BIT, 'served after the first left');
    } finally {
      b.close();
      await s.close();
    }
  });

  test('a capacity change reaches the front end as CONFIG_CHANGE_MSG on the back-end channel; GET_CONFIG shows it', async () => {
    const s = serve((mem, trace) => blkDevice(mem, trace));
    const fe = TestFrontEnd.connect(n, s.path);
    const [ours, theirs] = n.socketPair();
    try {
      const offered = await fe.getU64(R.GET_PROTOCOL_FEATURES);
      fe.send(R.SET_PROTOCOL_FEATURES, encodeU64(offered & pfBits('REPLY_ACK', 'BACKEND_REQ', 'CONFIG')));
      assert.equal(await fe.acked(R.SET_BACKEND_REQ_FD, new Uint8Array(0), [theirs]), 0n);
      fe.send(R.SET_OWNER);
      const dev = s.device as BlkDevice;
      dev.status = 0xf; // a running device (a config change is only signalled after DRIVER_OK)
      await dev.resize(BigInt(DISK_BYTES / 512) * 2n);
      let msg: Buffer | undefined;
      await until(() => {
        const got = n.recvMsg(ours, 64);
        if (got) msg = Buffer.from(got.bytes);
        return msg !== undefined;
      }, 'CONFIG_CHANGE_MSG');
      const h = decodeHeader(msg!);
      assert.deepEqual(h, { request: VhostUserBackendRequest.CONFIG_CHANGE_MSG, flags: 1, size: 0 });
      const req = Buffer.alloc(12 + 8);
      req.writeUInt32LE(8, 4);
      const cfg = (await fe.call(R.GET_CONFIG, req)).payload;
      assert.equal(cfg.readBigUInt64LE(12), BigInt(DISK_BYTES / 512) * 2n, 'the new capacity');
      assert.ok(s.transport().some((e) => e.name === 'CONFIG_CHANGE_MSG' && e.direction === 'out'));
    } finally {
      fe.close();
      n.close(ours);
      await s.close();
    }
  });

  test('RESET_DEVICE stops the rings and resets the device; the front end starts again', async () => {
    const s = serve((mem, trace) => blkDevice(mem, trace));
    const ram = new GuestRam(n);
    const fe = TestFrontEnd.connect(n, s.path);
    const ring = new FrontRing(n, ram, 0, 'split', 16);
    try {
      const io = await startBlk(fe, ram, ring, pfBits('REPLY_ACK', 'RESET_DEVICE', 'STATUS'));
      await io(0);
      fe.send(R.SET_STATUS, encodeU64(0xf));
      assert.equal(await fe.getU64(R.GET_STATUS), 0xfn);
      assert.equal(await fe.acked(R.RESET_DEVICE), 0n);
      assert.equal(s.device.queues[0]!.vq, undefined);
      assert.equal(s.device.negotiated, 0n);
      assert.equal(await fe.getU64(R.GET_STATUS), 0n);
      // Start again on a fresh ring.
      const ring2 = new FrontRing(n, ram, 0, 'split', 16);
      fe.send(R.SET_FEATURES, encodeU64(VERSION_1 | PROTOCOL_BIT));
      ring2.setUp(fe, 'qemu');
      const w = blkRequest(ram, 'out', 4, 512);
      await ring2.submitWithin(w.buffers);
      assert.equal(ram.mem.readU8(w.statusAddr), 0);
      ring2.close();
    } finally {
      fe.close();
      ring.close();
      await s.close();
      ram.close();
    }
  });

  test('socket path: a stale socket is replaced, a live one or a regular file is refused; no addon, a clear error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vd-vhost-path-'));
    const s = serve((mem, trace) => blkDevice(mem, trace));
    try {
      const device = s.device;
      assert.throws(() => VhostUserServer.listen({ path: s.path, device, native: n }), (e: unknown) => e instanceof VhostUserError && /is in use/.test(e.message));
      const file = join(dir, 'file');
      writeFileSync(file, 'x');
      assert.throws(() => VhostUserServer.listen({ path: file, device, native: n }), /exists and is not a socket/);
      // A socket file left behind by a killed back end.
      const stale = join(dir, 'stale.sock');
      n.close(n.socketListen(stale));
      const again = VhostUserServer.listen({ path: stale, device, native: n });
      await again.close();
      assert.throws(() => VhostUserServer.listen({ path: join(dir, 'no', 'such', 'dir.sock'), device, native: n }), /cannot listen on/);
      assert.throws(
        () => VhostUserServer.listen({ path: join(dir, 'x.sock'), device, native: { error: 'the native addon virtio_debug_native is not built: run `npm rebuild`' } }),
        /^VhostUserError: vhost-user is not available: the native addon virtio_debug_native is not built: run `npm rebuild`$/,
      );
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
