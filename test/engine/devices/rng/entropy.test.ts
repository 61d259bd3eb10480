/** virtio-rng's entropy sources: the seed stream is fixed (a contract: guests' tests predict it), files wrap, bad specs name the cause. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EntropySpecError, openEntropy, seededEntropy } from '../../../../engine/devices/rng/entropy';

test('seed:N is mulberry32(N), each output as 4 little-endian bytes, and does not depend on how it is read', () => {
  const whole = new Uint8Array(10);
  seededEntropy(42).fill(whole);
  // mulberry32(42)'s first output, computed independently.
  const a = (42 + 0x6d2b79f5) >>> 0;
  let t = Math.imul(a ^ (a >>> 15), a | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  const first = (t ^ (t >>> 14)) >>> 0;
  assert.deepEqual([...whole.subarray(0, 4)], [first & 0xff, (first >>> 8) & 0xff, (first >>> 16) & 0xff, first >>> 24]);
  const s = seededEntropy(42);
  const parts = [new Uint8Array(3), new Uint8Array(5), new Uint8Array(2)];
  for (const p of parts) s.fill(p);
  assert.deepEqual(Uint8Array.from(parts.flatMap((p) => [...p])), whole);
  const other = new Uint8Array(10);
  openEntropy('seed:43').fill(other);
  assert.notDeepEqual(other, whole);
});

test('file:PATH gives the file in order and starts again at its end', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vd-entropy-'));
  const path = join(dir, 'e.bin');
  writeFileSync(path, Uint8Array.from([1, 2, 3, 4, 5]));
  const src = openEntropy(`file:${path}`);
  const a = new Uint8Array(3);
  const b = new Uint8Array(6);
  src.fill(a);
  src.fill(b);
  src.close();
  assert.deepEqual([...a, ...b], [1, 2, 3, 4, 5, 1, 2, 3, 4]);
  assert.equal(src.description, `file:${path}`);
});

test('bad sources are refused with a message that names the cause', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vd-entropy-'));
  const empty = join(dir, 'empty');
  writeFileSync(empty, '');
  for (const [spec, re] of [
    ['urandom', /entropy "urandom" is not a source \(random, file:PATH or seed:N\)/],
    ['seed:-1', /the seed is an integer from 0 to 4294967295/],
    ['seed:99999999999', /the seed is an integer/],
    ['file:', /is not a source/],
    [`file:${join(dir, 'missing')}`, /entropy file .*missing: ENOENT/],
    [`file:${dir}`, /is a directory/],
    [`file:${empty}`, /is empty/],
  ] as const) {
    assert.throws(() => openEntropy(spec), (e: Error) => e instanceof EntropySpecError && re.test(e.message), spec);
  }
});
