import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeStatusWrite } from '../../../engine/device-core/status';
import { judgeFeatures } from '../../../engine/device-core/features';

const ok = { featuresOkRefused: false, featuresOkChecked: true, modern: true };
const rules = (v: { violations: { rule: string }[] }) => v.violations.map((x) => x.rule);

test('the normal initialisation sequence is clean', () => {
  let s = 0;
  for (const v of [1, 3, 11, 15]) {
    const verdict = judgeStatusWrite(s, v, ok);
    assert.deepEqual(rules(verdict), [], `write ${v}`);
    s = verdict.status;
  }
  assert.equal(s, 15);
});

test('status rules: order, cleared bits, FAILED, DEVICE_NEEDS_RESET, FEATURES_OK checks', () => {
  assert.deepEqual(rules(judgeStatusWrite(0, 2, ok)), ['status-order']);
  assert.deepEqual(rules(judgeStatusWrite(3, 7, ok)), ['status-order']); // DRIVER_OK without FEATURES_OK
  assert.deepEqual(rules(judgeStatusWrite(11, 9, ok)), ['status-bit-cleared']);
  assert.deepEqual(rules(judgeStatusWrite(3 | 128, 3 | 128 | 8, ok)), ['status-after-failed']);
  assert.deepEqual(rules(judgeStatusWrite(3, 3 | 64, ok)), ['status-device-bit-written']);
  assert.deepEqual(rules(judgeStatusWrite(11, 15, { ...ok, featuresOkChecked: false })), ['status-features-ok-not-checked']);
  assert.deepEqual(rules(judgeStatusWrite(3, 7, { ...ok, featuresOkRefused: true })), ['status-features-ok-refused-ignored']);
  // The device keeps DEVICE_NEEDS_RESET: a driver write cannot clear it.
  assert.equal(judgeStatusWrite(15 | 64, 15, ok).status, 15 | 64);
});

test('feature judging: unoffered bits, VERSION_1 refused, dependencies', () => {
  const V1 = 1n << 32n;
  assert.deepEqual(rules(judgeFeatures(V1 | 1n, V1 | 1n, 'net')), []);
  const extra = judgeFeatures(V1, V1 | 4n, 'net');
  assert.deepEqual(rules(extra), ['features-not-offered']);
  assert.ok(extra.refuse);
  assert.deepEqual(rules(judgeFeatures(V1, 0n, 'net')), ['features-version1-not-accepted']);
  // GUEST_TSO4 (7) requires GUEST_CSUM (1).
  const dep = judgeFeatures(V1 | (1n << 7n) | 2n, V1 | (1n << 7n), 'net');
  assert.deepEqual(rules(dep), ['features-dependency']);
  assert.match(dep.refuse!, /GUEST_TSO4/);
});
