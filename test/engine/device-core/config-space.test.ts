import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigSpace, type ConfigJudge } from '../../../engine/device-core/config-space';

const fields = [
  { name: 'capacity', offset: 0, size: 8 },
  { name: 'gated', offset: 8, size: 4, features: ['X'] },
  { name: 'wb', offset: 12, size: 1, features: ['W'], driverWritable: true },
];

function judge(o: Partial<{ offered: string[]; negotiated: string[]; featuresOk: boolean }> = {}) {
  const seen: string[] = [];
  const j: ConfigJudge = {
    offered: (s) => (o.offered ?? ['W']).includes(s),
    negotiated: (s) => (o.negotiated ?? ['W']).includes(s),
    featuresOk: () => o.featuresOk ?? true,
    violation: (rule) => seen.push(rule),
  };
  return { j, seen };
}

test('values are little-endian per field; reads of any width', () => {
  const c = new ConfigSpace(fields, 16);
  c.set('capacity', 0x1_0000_0002n);
  assert.equal(c.get('capacity'), 0x1_0000_0002n);
  assert.equal(c.read(0, 4), 2);
  assert.equal(c.read(4, 4), 1);
  assert.equal(c.read(0, 1), 2);
});

test('driver accesses are judged', () => {
  const c = new ConfigSpace(fields, 16);
  let t = judge();
  c.read(8, 4, t.j);
  assert.deepEqual(t.seen, ['config-field-not-offered']);
  t = judge();
  assert.equal(c.read(14, 4, t.j), 0);
  assert.deepEqual(t.seen, ['config-out-of-range']);
  t = judge();
  assert.deepEqual(c.write(0, new Uint8Array(8), t.j), []);
  assert.deepEqual(t.seen, ['config-write-readonly']);
  t = judge({ featuresOk: false });
  c.write(12, new Uint8Array([1]), t.j);
  assert.deepEqual(t.seen, ['config-write-before-features-ok']);
  t = judge({ negotiated: [] });
  c.write(12, new Uint8Array([1]), t.j);
  assert.deepEqual(t.seen, ['config-write-readonly']);
  t = judge();
  assert.deepEqual(
    c.write(12, new Uint8Array([1]), t.j).map((f) => f.name),
    ['wb'],
  );
  assert.deepEqual(t.seen, []);
  assert.equal(c.get('wb'), 1n);
});
