// The blk data path over vhost-user with mapped guest memory: reads land in guest RAM and writes come from it
// without copies (scattered segments, one vectored system call), a request whose descriptors add up to 2 GiB
// (legal lengths, all aliasing one buffer, SEG_MAX not negotiated) is answered IOERR with a note instead of
// aborting the process, and the back end keeps serving afterwards.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { VhostUserRequest as R } from '../../../../engine/transport/vhost-user/messages';
import { BlkDevice, RawImageBackend } from '../../../../engine/devices/blk';
import { encodeU64 } from '../../../../engine/transport/vhost-user/codec';
import { FrontRing, GuestRam, TestFrontEnd, native } from './front-end';
import { PROTOCOL_BIT, VERSION_1, pfBits, qemuInit, serve } from './harness';

const n = native();
const GiB = 1 << 30;

describe('blk data path over vhost-user', () => {
  test('scattered reads and writes go straight between the image and mapped guest RAM; 2 GiB of aliased descriptors is IOERR', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vd-blk-data-'));
    const image = join(dir, 'disk.img');
    const head = randomBytes(1 << 20);
    writeFileSync(image, head);
    truncateSync(image, 3 * GiB); // sparse: capacity for a 2 GiB read
    const backend = await RawImageBackend.open(image);
    const s = serve((mem, trace) => new BlkDevice({ id: 'blk0', mem, trace, backend, inProcess: false, queueSize: 64 }));
    const ram = new GuestRam(n, GiB + (16 << 20)); // sparse: only what is written takes memory
    const fe = TestFrontEnd.connect(n, s.path);
    const ring = new FrontRing(n, ram, 0, 'split', 64);
    const err = n.eventfd();
    try {
      await qemuInit(fe, { protocol: pfBits('MQ', 'REPLY_ACK', 'CONFIG'), rings: 1, callFds: [ring.call], errFds: [err], blk: true });
      fe.send(R.SET_FEATURES, encodeU64(VERSION_1 | PROTOCOL_BIT)); // no SEG_MAX, no SIZE_MAX: lengths are unbounded
      const table = ram.memTable();
      const mappedBefore = n.mappedBytes();
      assert.equal(await fe.acked(R.SET_MEM_TABLE, table.payload, table.fds), 0n);
      assert.ok(n.mappedBytes() - mappedBefore >= ram.size - 0x100000, 'both regions mapped');
      ring.setUp(fe, 'qemu');

      const hdr = (type: number, sector: number) => {
        const a = ram.alloc.alloc(16, 16);
        ram.mem.writeU32(a, type);
        ram.mem.writeU32(a + 4, 0);
        ram.mem.writeU64(a + 8, BigInt(sector));
        return a;
      };
      const status = () => {
        const a = ram.alloc.alloc(1, 1);
        ram.mem.writeU8(a, 0xff);
        return a;
      };
      // READ of sectors 2..17 into three scattered buffers (1 KiB, 4 KiB, 3 KiB), one of them crossing nothing.
      const bufs = [1024, 4096, 3072].map((len) => ({ addr: ram.alloc.alloc(len, 512), len }));
      const st = status();
      const used = await ring.submitWithin([{ addr: hdr(0, 2), len: 16, write: false }, ...bufs.map((b) => ({ ...b, write: true })), { addr: st, len: 1, write: true }]);
      assert.equal(ram.mem.readU8(st), 0, 'READ OK');
      assert.equal(used.len, 8192 + 1);
      const got = Buffer.concat(bufs.map((b) => Buffer.from(ram.mem.read(b.addr, b.len))));
      assert.deepEqual(got, head.subarray(1024, 1024 + 8192), 'the image bytes, in segment order');

      // WRITE from two scattered buffers, read back from the image.
      const data = randomBytes(2048);
      const w = [ram.alloc.alloc(512, 512), ram.alloc.alloc(1536, 512)];
      ram.mem.write(w[0]!, data.subarray(0, 512));
      ram.mem.write(w[1]!, data.subarray(512));
      const st2 = status();
      await ring.submitWithin([{ addr: hdr(1, 100), len: 16, write: false }, { addr: w[0]!, len: 512, write: false }, { addr: w[1]!, len: 1536, write: false }, { addr: st2, len: 1, write: true }]);
      assert.equal(ram.mem.readU8(st2), 0, 'WRITE OK');
      const back = new Uint8Array(2048);
      await backend.read(100 * 512, back);
      assert.deepEqual(Buffer.from(back), data);

      // 2 GiB: two 1 GiB - 512 descriptors and a small one, all aliasing the same guest RAM (legal lengths), above
      // the ring and the headers (a buffer over the ring is split-buffer-overlaps-ring, fatal: not this test's point).
      const alias = 8 << 20;
      const big = GiB - 512;
      const st3 = status();
      await ring.submitWithin([
        { addr: hdr(0, 0), len: 16, write: false },
        { addr: alias, len: big, write: true },
        { addr: alias, len: big, write: true },
        { addr: alias, len: 1024, write: true },
        { addr: st3, len: 1, write: true },
      ]);
      const notes = s.events.filter((e) => e.type === 'note').map((e) => (e as { message: string }).message);
      assert.equal(ram.mem.readU8(st3), 1, 'IOERR for 2 GiB of data');
      assert.ok(notes.some((m) => /refused with IOERR: IN of 2147483648 data bytes is more than the \d+ bytes a request may move/.test(m)), notes.join('\n'));

      // Still serving.
      const st4 = status();
      const b4 = ram.alloc.alloc(512, 512);
      await ring.submitWithin([{ addr: hdr(0, 0), len: 16, write: false }, { addr: b4, len: 512, write: true }, { addr: st4, len: 1, write: true }]);
      assert.equal(ram.mem.readU8(st4), 0);
      assert.deepEqual(Buffer.from(ram.mem.read(b4, 512)), head.subarray(0, 512));
    } finally {
      ring.close();
      fe.close();
      n.close(err);
      await s.close();
      ram.close();
      await backend.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
