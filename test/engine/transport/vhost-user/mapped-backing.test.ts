// MappedBacking and the memory table's mappings: guest memory mmap'ed from the front end's memfd is the same
// memory the file holds (both ways, at once), bad accesses stay MemoryFaults, a replaced table never leaves a
// view onto unmapped memory (retained regions are unmapped only after their I/O), an unsealed memfd is mapped
// too, and a front end that shrinks a mapped file afterwards neither kills the process nor goes unnoticed.
import assert from 'node:assert/strict';
import { ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { describe, test } from 'node:test';
import { GuestMemory, MemoryFault } from '../../../../engine/memory';
import { FdBacking } from '../../../../engine/memory/fd-backing';
import { MappedBacking } from '../../../../engine/memory/mapped-backing';
import { MemoryTable } from '../../../../engine/transport/vhost-user/memory-table';
import { LOW_END, GuestRam, native } from './front-end';

const n = native();
const settle = () => new Promise<void>((r) => setImmediate(r));

describe('MappedBacking', () => {
  test('a mapping at an unaligned file offset is the file: writes either way are seen at once', () => {
    const fd = n.memfdCreate('mapped', 1 << 16, true);
    const before = n.mappedBytes();
    const b = new MappedBacking(n.mmapShared(fd, 0x1003, 0x2000), n);
    try {
      assert.equal(b.size, 0x2000);
      b.writeU16(0, 0xbeef);
      b.writeU32(4, 0xdeadbeef);
      b.writeU64(8, 0x1122334455667788n);
      b.writeU64(16, 2 ** 40 + 5);
      const raw = Buffer.alloc(24);
      readSync(fd, raw, 0, 24, 0x1003);
      assert.equal(raw.readUInt16LE(0), 0xbeef, 'the file holds what was stored, at mmap offset 0x1003');
      assert.equal(raw.readBigUInt64LE(8), 0x1122334455667788n);
      assert.equal(raw.readBigUInt64LE(16), 2n ** 40n + 5n);
      writeSync(fd, Buffer.from([1, 2, 3, 4]), 0, 4, 0x1003 + 0x100);
      assert.equal(b.readU32(0x100), 0x04030201, 'a write to the file is a load away');
      assert.equal(b.readU64(8), Number(0x1122334455667788n));
      n.fence();
    } finally {
      b.close();
      n.close(fd);
    }
    assert.ok(b.isUnmapped);
    return settle().then(() => assert.equal(n.mappedBytes(), before, 'unmapped after close'));
  });

  test('closed: every access is a MemoryFault, a retained mapping stays until released, views become empty', async () => {
    await settle();
    const fd = n.memfdCreate('mapped', 1 << 16, true);
    const before = n.mappedBytes();
    const b = new MappedBacking(n.mmapShared(fd, 0, 1 << 16), n);
    const mem = new GuestMemory([{ gpa: 0x10000, size: 1 << 16, backing: b, offset: 0 }]);
    const loan = mem.borrow(0x10000, 4096)!;
    assert.ok(loan, 'mapped memory can be lent');
    assert.equal(loan.views.length, 1);
    b.close();
    assert.ok(!b.isUnmapped, 'a loan keeps the mapping');
    assert.throws(() => mem.readU32(0x10000), MemoryFault);
    assert.throws(() => mem.write(0x10000, new Uint8Array(4)), MemoryFault);
    assert.throws(() => mem.borrow(0x10000, 16), MemoryFault, 'no new loan from a closed region');
    loan.views[0]![0] = 7; // still mapped: the loan is valid until done()
    loan.done(true);
    loan.done(true); // idempotent
    assert.ok(b.isUnmapped);
    assert.equal(loan.views[0]!.length, 0, 'a leftover view is empty, not dangling');
    await settle();
    assert.equal(n.mappedBytes(), before);
    n.close(fd);
  });

  test('out-of-range addresses are MemoryFaults from GuestMemory; memory not mapped cannot be lent', () => {
    const fd = n.memfdCreate('mapped', 1 << 16, true);
    const b = new MappedBacking(n.mmapShared(fd, 0, 1 << 16), n);
    try {
      const mem = new GuestMemory([{ gpa: 0x10000, size: 1 << 16, backing: b, offset: 0 }]);
      assert.throws(() => mem.readU16(0x10000 + (1 << 16) - 1), MemoryFault);
      assert.throws(() => mem.borrow(0x10000 + 100, 1 << 16), MemoryFault);
      assert.throws(() => mem.read(0xffff, 2), MemoryFault);
      const plain = new GuestMemory([{ gpa: 0, size: 4096, backing: new FdBacking(fd, 4096), offset: 0 }]);
      assert.equal(plain.borrow(0, 16), undefined, 'positioned-I/O memory is copied, not lent');
    } finally {
      b.close();
      n.close(fd);
    }
  });
});

describe('memory table mappings', () => {
  test('a sealed memfd is mapped; replacing the table unmaps the old regions; an unsealed one is mapped too', async () => {
    await settle(); // earlier tests' unmaps are done
    const before = n.mappedBytes();
    const notes: string[] = [];
    const mem = new GuestMemory();
    const table = new MemoryTable(mem, { native: n, note: (m) => notes.push(m) });
    const sealed = new GuestRam(n, 4 << 20);
    const fds = sealed.memTable().fds.map((fd) => dupFd(fd));
    assert.equal(table.replace(sealed.regions(), fds), undefined);
    assert.equal(table.mappedCount, 2);
    assert.deepEqual(notes, []);
    sealed.mem.writeU32(LOW_END - 4, 0xcafef00d);
    assert.equal(mem.readU32(LOW_END - 4), 0xcafef00d, 'the back end sees the driver side through the mapping');
    mem.writeU32(0x100000, 0x12345678);
    assert.equal(sealed.mem.readU32(0x100000), 0x12345678, 'and the other way, mmap_offset honoured');
    const oldBackings = table.list.map((r) => r.backing as MappedBacking);
    const loan = mem.borrow(0x100000, 4096)!;

    const unsealed = new GuestRam(n, 4 << 20, { seal: false });
    assert.equal(table.replace(unsealed.regions(), unsealed.memTable().fds.map((fd) => dupFd(fd))), undefined);
    assert.equal(table.mappedCount, 2, 'mapped like a sealed one (as qemu-storage-daemon and DPDK do)');
    assert.deepEqual(notes, []);
    assert.ok(oldBackings[0]!.isUnmapped, 'the old low region is unmapped at once');
    assert.ok(!oldBackings[1]!.isUnmapped, 'the lent region waits for its loan');
    loan.done(true);
    assert.ok(oldBackings[1]!.isUnmapped);
    unsealed.mem.writeU32(0x100000, 0x0badcafe);
    assert.equal(mem.readU32(0x100000), 0x0badcafe, 'the unsealed memfd through the mapping');
    table.clear();
    sealed.close();
    unsealed.close();
    await settle();
    assert.equal(n.mappedBytes(), before, 'nothing stays mapped');
  });

  test('a mapped file the front end truncates reads as zeros: the SIGBUS is caught, counted and noted', async () => {
    const notes: string[] = [];
    const mem = new GuestMemory();
    const table = new MemoryTable(mem, { native: n, note: (m) => notes.push(m) });
    const ram = new GuestRam(n, 4 << 20, { seal: false });
    const fds = ram.memTable().fds.map((fd) => dupFd(fd));
    assert.equal(table.replace(ram.regions(), fds), undefined);
    assert.equal(table.mappedCount, 2);
    mem.writeU32(0x200000, 0x12345678);
    assert.equal(mem.readU32(0x200000), 0x12345678);
    const faults = n.mappingFaults();
    for (const fd of ram.memTable().fds) ftruncateSync(fd, 0); // the front end shrinks its memory under us
    assert.equal(mem.readU32(0x200000), 0, 'an access past the end of the file reads zero instead of killing the process');
    mem.writeU32(0x200000, 7); // lands in the zero pages, no signal
    assert.ok(n.mappingFaults() > faults, 'the guard counted the fault');
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal(notes.length, 1);
    assert.match(notes[0]!, /shrank under us.*reads as zeros/);
    table.clear();
    ram.close();
  });

  test('a refused table maps nothing and leaves the caller its fds', async () => {
    await settle();
    const before = n.mappedBytes();
    const mem = new GuestMemory();
    const table = new MemoryTable(mem, { native: n });
    const ram = new GuestRam(n, 4 << 20);
    const regions = ram.regions();
    regions[1] = { ...regions[1]!, guestPhysAddr: 0n }; // overlaps region 0
    const fds = ram.memTable().fds.map((fd) => dupFd(fd));
    assert.match(table.replace(regions, fds) ?? '', /overlap/);
    await settle();
    assert.equal(n.mappedBytes(), before);
    for (const fd of fds) n.close(fd); // still open: the table took none
    ram.close();
  });
});

/** An independent fd on the same memfd, as SCM_RIGHTS delivers it. */
function dupFd(fd: number): number {
  return openSync(`/proc/self/fd/${fd}`, 'r+');
}
