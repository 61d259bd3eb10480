// Small READs and WRITEs over vhost-user with mapped guest memory are done synchronously on the serving thread
// (preadv/pwritev straight into guest RAM), so every chain made available before a kick is answered in one
// batch with one used-buffer notification; larger READs too when the page cache holds them whole (preadv2
// RWF_NOWAIT), other larger ones (and every one with syncIoMax 0) go through libuv's thread pool. A back end
// failing a synchronous request gets IOERR and a note naming it, and serving goes on.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { VhostUserRequest as R } from '../../../../engine/transport/vhost-user/messages';
import { BlkDevice, type BlockBackend, RawImageBackend } from '../../../../engine/devices/blk';
import { encodeU64 } from '../../../../engine/transport/vhost-user/codec';
import { FrontRing, GuestRam, TestFrontEnd, blkRequest, native } from './front-end';
import { PROTOCOL_BIT, VERSION_1, pfBits, qemuInit, serve } from './harness';

const n = native();
const BLK_F_FLUSH = 1n << 9n;

/**
 * The raw image, counting which path each READ and WRITE took; `failSync` makes the synchronous ones fail,
 * `uncached` makes every cached read miss (as when the disk must be read).
 */
function counted(inner: RawImageBackend): BlockBackend & { sync: number; async: number; cached: number; failSync: boolean; uncached: boolean } {
  const c = {
    sync: 0,
    async: 0,
    cached: 0,
    failSync: false,
    uncached: false,
    get size() {
      return inner.size;
    },
    readOnly: inner.readOnly,
    description: inner.description,
    read: (o: number, b: Uint8Array) => inner.read(o, b),
    write: (o: number, b: Uint8Array) => inner.write(o, b),
    readv: (o: number, b: readonly Uint8Array[]) => (c.async++, inner.readv(o, b)),
    writev: (o: number, b: readonly Uint8Array[]) => (c.async++, inner.writev(o, b)),
    readvSync: (o: number, b: readonly Uint8Array[]) => {
      c.sync++;
      if (c.failSync) throw new Error('EIO: i/o error, preadv');
      inner.readvSync(o, b);
    },
    writevSync: (o: number, b: readonly Uint8Array[]) => (c.sync++, inner.writevSync(o, b)),
    readvCached: (o: number, b: readonly Uint8Array[]) => {
      if (c.uncached) return false;
      const whole = inner.readvCached(o, b);
      if (whole) c.cached++;
      return whole;
    },
    flush: () => inner.flush(),
    discard: (o: number, l: number) => inner.discard(o, l),
    writeZeroes: (o: number, l: number, u: boolean) => inner.writeZeroes(o, l, u),
    resize: (s: number) => inner.resize(s),
    close: () => inner.close(),
  };
  return c;
}

async function withDisk(syncIoMax: number | undefined, body: (t: { ram: GuestRam; ring: FrontRing; image: Buffer; backend: ReturnType<typeof counted>; dev: BlkDevice; notes: () => string[] }) => Promise<void>, cachedReads = true): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vd-blk-sync-'));
  const path = join(dir, 'disk.img');
  const image = randomBytes(4 << 20);
  writeFileSync(path, image);
  const raw = await RawImageBackend.open(path);
  const backend = counted(raw);
  const s = serve((mem, trace) => new BlkDevice({ id: 'blk0', mem, trace, backend, inProcess: false, queueSize: 64, cachedReads, ...(syncIoMax === undefined ? {} : { syncIoMax }) }));
  const ram = new GuestRam(n, 16 << 20);
  const fe = TestFrontEnd.connect(n, s.path);
  const ring = new FrontRing(n, ram, 0, 'split', 64);
  const err = n.eventfd();
  try {
    await qemuInit(fe, { protocol: pfBits('MQ', 'REPLY_ACK', 'CONFIG'), rings: 1, callFds: [ring.call], errFds: [err], blk: true });
    fe.send(R.SET_FEATURES, encodeU64(VERSION_1 | PROTOCOL_BIT | BLK_F_FLUSH)); // FLUSH: writeback, as QEMU negotiates
    const table = ram.memTable();
    assert.equal(await fe.acked(R.SET_MEM_TABLE, table.payload, table.fds), 0n);
    ring.setUp(fe, 'qemu');
    const notes = () => s.events.filter((e) => e.type === 'note').map((e) => (e as { message: string }).message);
    await body({ ram, ring, image, backend, dev: s.device, notes });
  } finally {
    ring.close();
    fe.close();
    n.close(err);
    await s.close();
    ram.close();
    await raw.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('blk synchronous small-request path over vhost-user', () => {
  test('eight 4 KiB READs made available before one kick: served on this thread, right bytes, one notification', async () => {
    await withDisk(undefined, async ({ ram, ring, image, backend, dev }) => {
      const reqs = Array.from({ length: 8 }, (_, i) => blkRequest(ram, 'in', 8 * i + 3, 4096));
      const interruptsBefore = dev.queues[0]!.counters.interrupts;
      // Submitted in one synchronous loop: the server (same event loop) reads one kick with all eight available.
      const used = await Promise.all(reqs.map((r) => ring.submitWithin(r.buffers)));
      for (const [i, r] of reqs.entries()) {
        assert.equal(ram.mem.readU8(r.statusAddr), 0, `READ ${i} OK`);
        assert.equal(used[i]!.len, 4096 + 1);
        const at = (8 * i + 3) * 512;
        assert.deepEqual(Buffer.from(ram.mem.read(r.dataAddr, 4096)), image.subarray(at, at + 4096));
      }
      assert.deepEqual({ sync: backend.sync, async: backend.async }, { sync: 8, async: 0 });
      assert.equal(dev.queues[0]!.counters.interrupts - interruptsBefore, 1, 'one used-buffer notification for the batch');
    });
  });

  test('a WRITE under the limit is synchronous and on disk when acknowledged; a 1 MiB READ not in the page cache goes to the thread pool', async () => {
    await withDisk(undefined, async ({ ram, ring, image, backend }) => {
      backend.uncached = true;
      const data = randomBytes(8192);
      const w = blkRequest(ram, 'out', 100, data);
      await ring.submitWithin(w.buffers);
      assert.equal(ram.mem.readU8(w.statusAddr), 0);
      assert.deepEqual({ sync: backend.sync, async: backend.async }, { sync: 1, async: 0 });
      const back = new Uint8Array(8192);
      await backend.read(100 * 512, back);
      assert.deepEqual(Buffer.from(back), data);

      const big = blkRequest(ram, 'in', 2048, 1 << 20);
      await ring.submitWithin(big.buffers);
      assert.equal(ram.mem.readU8(big.statusAddr), 0);
      assert.deepEqual({ sync: backend.sync, async: backend.async }, { sync: 1, async: 1 });
      assert.deepEqual(Buffer.from(ram.mem.read(big.dataAddr, 1 << 20)), image.subarray(2048 * 512, 2048 * 512 + (1 << 20)));
    });
  });

  test('1 MiB READs the page cache holds (the image was just written) are served on this thread with the small ones, one notification', async () => {
    await withDisk(undefined, async ({ ram, ring, image, backend, dev }) => {
      const interruptsBefore = dev.queues[0]!.counters.interrupts;
      const reqs = [blkRequest(ram, 'in', 0, 1 << 20), blkRequest(ram, 'in', 4096, 4096), blkRequest(ram, 'in', 5000, 1 << 20)];
      const used = await Promise.all(reqs.map((r) => ring.submitWithin(r.buffers)));
      for (const [i, r] of reqs.entries()) {
        const len = i === 1 ? 4096 : 1 << 20;
        const at = [0, 4096, 5000][i]! * 512;
        assert.equal(ram.mem.readU8(r.statusAddr), 0, `READ ${i} OK`);
        assert.equal(used[i]!.len, len + 1);
        assert.deepEqual(Buffer.from(ram.mem.read(r.dataAddr, len)), image.subarray(at, at + len), `READ ${i} bytes`);
      }
      assert.deepEqual({ sync: backend.sync, cached: backend.cached, async: backend.async }, { sync: 1, cached: 2, async: 0 });
      assert.equal(dev.queues[0]!.counters.interrupts - interruptsBefore, 1, 'one used-buffer notification for the batch');
    });
  });

  test('cachedReads false: a 1 MiB READ goes to the thread pool even when cached', async () => {
    await withDisk(undefined, async ({ ram, ring, image, backend }) => {
      const r = blkRequest(ram, 'in', 64, 1 << 20);
      await ring.submitWithin(r.buffers);
      assert.equal(ram.mem.readU8(r.statusAddr), 0);
      assert.deepEqual(Buffer.from(ram.mem.read(r.dataAddr, 1 << 20)), image.subarray(64 * 512, 64 * 512 + (1 << 20)));
      assert.deepEqual({ cached: backend.cached, async: backend.async }, { cached: 0, async: 1 });
    }, false);
  });

  test('syncIoMax 0: every READ goes to the thread pool', async () => {
    await withDisk(0, async ({ ram, ring, image, backend }) => {
      const r = blkRequest(ram, 'in', 7, 4096);
      await ring.submitWithin(r.buffers);
      assert.equal(ram.mem.readU8(r.statusAddr), 0);
      assert.deepEqual(Buffer.from(ram.mem.read(r.dataAddr, 4096)), image.subarray(7 * 512, 7 * 512 + 4096));
      assert.deepEqual({ sync: backend.sync, async: backend.async }, { sync: 0, async: 1 });
    });
  });

  test('a synchronous READ the back end fails is IOERR with a note naming the back end; the next one is served', async () => {
    await withDisk(undefined, async ({ ram, ring, image, backend, notes }) => {
      backend.failSync = true;
      const bad = blkRequest(ram, 'in', 0, 4096);
      const used = await ring.submitWithin(bad.buffers);
      assert.equal(ram.mem.readU8(bad.statusAddr), 1, 'IOERR');
      assert.equal(used.len, 1, 'only the status byte');
      assert.ok(notes().some((m) => /requestq1: IN failed in the back end \(raw image .*disk\.img\): EIO: i\/o error, preadv/.test(m)), notes().join('\n'));
      backend.failSync = false;
      const good = blkRequest(ram, 'in', 0, 4096);
      await ring.submitWithin(good.buffers);
      assert.equal(ram.mem.readU8(good.statusAddr), 0);
      assert.deepEqual(Buffer.from(ram.mem.read(good.dataAddr, 4096)), image.subarray(0, 4096));
    });
  });
});
