// FdBacking: guest memory in a shared file through positioned I/O — every access sees the other side's
// writes at once, bad accesses are MemoryFaults (never other exceptions), and close() is final.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GuestMemory, MemoryFault } from '../../../../engine/memory';
import { FdBacking } from '../../../../engine/memory/fd-backing';
import { native } from './front-end';

const n = native();

describe('FdBacking', () => {
  test('accessors read and write little-endian at the file position; two fds on one memfd see each other at once', () => {
    const fd = n.memfdCreate('fd-backing', 1 << 16);
    const a = new FdBacking(fd, 1 << 16);
    const other = n.memfdCreate('unused', 16);
    try {
      a.writeU8(1, 0xab);
      a.writeU16(2, 0xbeef);
      a.writeU32(4, 0xdeadbeef);
      a.writeU64(8, 0x1122334455667788n);
      assert.equal(a.readU8(1), 0xab);
      assert.equal(a.readU16(2), 0xbeef);
      assert.equal(a.readU32(4), 0xdeadbeef);
      assert.equal(a.readU64Big(8), 0x1122334455667788n);
      assert.equal(a.readU64(8), Number(0x1122334455667788n));
      const raw = new Uint8Array(16);
      a.read(0, raw);
      assert.deepEqual([...raw.subarray(2, 4)], [0xef, 0xbe], 'little-endian in the file');
      // A guest-memory region with an mmap offset: gpa 0x1000 is file position 0x2000.
      const mem = new GuestMemory([{ gpa: 0x1000, size: 0x1000, backing: a, offset: 0x2000 }]);
      mem.write(0x1010, Buffer.from('ring data'));
      const direct = new Uint8Array(9);
      a.read(0x2010, direct);
      assert.equal(Buffer.from(direct).toString(), 'ring data');
      // Nothing is cached: a write through another view of the same file is seen by the next read.
      const b = new FdBacking(fd, 1 << 16);
      b.writeU32(0x2010, 0x01020304);
      assert.equal(mem.readU32(0x1010), 0x01020304);
      mem.fill(0x1100, 0x300, 0x5a);
      assert.equal(a.readU8(0x2100 + 0x2ff), 0x5a);
      assert.equal(a.readU8(0x2100 + 0x300), 0);
    } finally {
      n.close(fd);
      n.close(other);
    }
  });

  test('beyond the end of the file or after close(): MemoryFault, nothing else', () => {
    const fd = n.memfdCreate('small', 4096);
    const backing = new FdBacking(fd, 8192); // claims more than the file has
    assert.throws(() => backing.readU32(4094), MemoryFault, 'a read crossing the end of the file');
    assert.throws(() => backing.read(5000, new Uint8Array(4)), MemoryFault);
    backing.close();
    assert.equal(backing.isClosed, true);
    assert.throws(() => backing.readU8(0), (e: unknown) => e instanceof MemoryFault && e.reason === 'backing');
    assert.throws(() => backing.writeU8(0, 1), MemoryFault);
    backing.close(); // idempotent
    const mem = new GuestMemory([{ gpa: 0, size: 4096, backing, offset: 0 }]);
    assert.equal(mem.peek(0, 4), undefined, 'peek never throws');
  });
});
