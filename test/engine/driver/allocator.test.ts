import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { GuestAllocator } from '../../../engine/driver/allocator';

test('allocations are aligned, disjoint and inside the arena; freeing merges back to one block', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 300 }), fc.constantFrom(1, 2, 4, 16, 64, 4096)), { maxLength: 40 }), (reqs) => {
      const a = new GuestAllocator(0x10000, 0x40000);
      const got: [number, number][] = [];
      for (const [size, align] of reqs) {
        const addr = a.alloc(size, align);
        assert.equal(addr % align, 0);
        assert.ok(addr >= 0x10000 && addr + size <= 0x50000);
        for (const [b, s] of got) assert.ok(addr + size <= b || b + s <= addr, 'overlap');
        got.push([addr, size]);
      }
      for (const [b] of got.reverse()) a.release(b);
      assert.equal(a.bytesFree, 0x40000);
      assert.equal(a.alloc(0x40000, 1), 0x10000);
    }),
    { numRuns: 300 },
  );
});

test('exhaustion and double free are clear errors', () => {
  const a = new GuestAllocator(0, 100);
  a.alloc(100, 1);
  assert.throws(() => a.alloc(1), /no 1 bytes free/);
  assert.throws(() => a.release(5), /was not allocated/);
});
