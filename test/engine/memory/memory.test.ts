import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArrayBufferBacking, GuestMemory, MemoryFault } from '../../../engine/memory';

function twoRegions() {
  return new GuestMemory([
    { gpa: 0x1000, size: 0x1000, backing: new ArrayBufferBacking(0x1000), offset: 0 },
    { gpa: 0x2000, size: 0x1000, backing: new ArrayBufferBacking(0x3000), offset: 0x2000 },
  ]);
}

test('little-endian accessors round-trip in every width', () => {
  const m = twoRegions();
  m.writeU8(0x1000, 0xab);
  m.writeU16(0x1002, 0xbeef);
  m.writeU32(0x1004, 0xdeadbeef);
  m.writeU64(0x1008, 0x1234_5678_9abc_def0n);
  assert.equal(m.readU8(0x1000), 0xab);
  assert.equal(m.readU16(0x1002), 0xbeef);
  assert.equal(m.readU32(0x1004), 0xdeadbeef);
  assert.equal(m.readU64Big(0x1008), 0x1234_5678_9abc_def0n);
  assert.deepEqual([...m.read(0x1002, 2)], [0xef, 0xbe]);
  m.writeU64(0x1010, 2 ** 40 + 5);
  assert.equal(m.readU64(0x1010), 2 ** 40 + 5);
});

test('every access outside guest memory throws MemoryFault, never touching other memory', () => {
  const m = twoRegions();
  assert.throws(() => m.readU8(0xfff), MemoryFault);
  assert.throws(() => m.readU32(0x2ffe), MemoryFault);
  assert.throws(() => m.read(0x2f00, 0x200), MemoryFault);
  assert.throws(() => m.write(0x3000, new Uint8Array(1)), MemoryFault);
  assert.throws(() => m.readU16(-2), MemoryFault);
  assert.throws(() => m.readU8(2 ** 60), MemoryFault);
  assert.throws(() => m.readU8(Number.NaN), MemoryFault);
});

test('byte ranges may cross adjacent regions; the backing offset is honoured', () => {
  const m = twoRegions();
  m.write(0x1ffe, new Uint8Array([1, 2, 3, 4]));
  assert.deepEqual([...m.read(0x1ffe, 4)], [1, 2, 3, 4]);
  const second = m.list()[1]!.backing as ArrayBufferBacking;
  assert.deepEqual([...second.bytes.subarray(0x2000, 0x2002)], [3, 4]);
  assert.equal(m.isValid(0x1ffe, 4), true);
  assert.equal(m.isValid(0x2fff, 2), false);
});

test('peek never throws and has no side effects', () => {
  const m = twoRegions();
  let writes = 0;
  m.watchWrites(() => writes++);
  assert.equal(m.peek(0x5000, 4), undefined);
  assert.deepEqual([...m.peek(0x1000, 2)!], [0, 0]);
  assert.equal(writes, 0);
});

test('write observers see every write and can be removed', () => {
  const m = twoRegions();
  const seen: [number, number][] = [];
  const stop = m.watchWrites((gpa, len) => seen.push([gpa, len]));
  m.writeU16(0x1000, 1);
  m.write(0x1010, new Uint8Array(5));
  m.fill(0x1020, 3, 0);
  stop();
  m.writeU32(0x1000, 1);
  assert.deepEqual(seen, [
    [0x1000, 2],
    [0x1010, 5],
    [0x1020, 3],
  ]);
});

test('regions: overlap rejected, removal and atomic replacement', () => {
  const m = twoRegions();
  assert.throws(() => m.addRegion({ gpa: 0x1800, size: 0x1000, backing: new ArrayBufferBacking(0x1000), offset: 0 }), /overlaps/);
  assert.ok(m.removeRegion(0x2000));
  assert.throws(() => m.readU8(0x2000), MemoryFault);
  const before = m.list();
  assert.throws(() =>
    m.replaceRegions([
      { gpa: 0, size: 0x100, backing: new ArrayBufferBacking(0x100), offset: 0 },
      { gpa: 0x80, size: 0x100, backing: new ArrayBufferBacking(0x100), offset: 0 },
    ]),
  );
  assert.equal(m.list(), before, 'a failed replacement keeps the old table');
});

test('writeU64 stores numbers without BigInt exactly as the 64-bit path stores them', () => {
  const m = twoRegions();
  const values: (number | bigint)[] = [0, 1, 0xffff_ffff, 0x1_0000_0000, 2 ** 40 + 5, Number.MAX_SAFE_INTEGER, -1, 2 ** 64, 0xffff_ffff_ffff_ffffn];
  for (const v of values) {
    m.writeU64(0x1008, v);
    // The reference: BigInt.asUintN(64, …) of the same value, as the 64-bit path stores it.
    assert.equal(m.readU64Big(0x1008), BigInt.asUintN(64, BigInt(v)), `value ${v}`);
  }
  assert.throws(() => m.writeU64(0x1008, 1.5), RangeError, 'a fraction is refused as before');
});

test('small and large copies (loop and set paths) read and write the same bytes, across regions too', () => {
  const m = twoRegions();
  for (const len of [1, 16, 32, 33, 100]) {
    const src = Uint8Array.from({ length: len }, (_, i) => (i * 7 + len) & 0xff);
    m.write(0x1ff0, src);
    assert.deepEqual([...m.read(0x1ff0, len)], [...src], `${len} bytes`);
  }
});

test('borrowSync lends in-process memory for a synchronous call and reports the writes to observers', () => {
  const m = twoRegions();
  const seen: [number, number][] = [];
  m.watchWrites((gpa, len) => seen.push([gpa, len]));
  const loan = m.borrowSync(0x1100, 8)!;
  assert.equal(loan.views.length, 1);
  loan.views[0]!.set([1, 2, 3, 4, 5, 6, 7, 8]);
  loan.done(true);
  assert.deepEqual([...m.read(0x1100, 8)], [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(seen, [[0x1100, 8]]);
  m.borrowSync(0x1100, 8)!.done(false);
  assert.equal(seen.length, 1, 'a read-only loan is no write');
  assert.equal(m.borrow(0x1100, 8), undefined, 'borrow() still refuses in-process memory (asynchronous I/O copies)');
  assert.throws(() => m.borrowSync(0x2f00, 0x200), MemoryFault);
});
