import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allRules, findRule, registerRules, rule } from '../../../engine/rules';

test('every rule is complete: id, section, rule, explanation, fix', () => {
  const rules = allRules();
  assert.ok(rules.length >= 60, `only ${rules.length} rules`);
  for (const r of rules) {
    assert.match(r.id, /^[a-z0-9]+(-[a-z0-9]+)+$/, r.id);
    assert.match(r.section, /^\d+(\.\d+)*$/, `${r.id} section ${r.section}`);
    for (const k of ['rule', 'explanation', 'fix'] as const) assert.ok(r[k].length > 20, `${r.id}.${k} too short`);
    assert.ok(['fatal', 'error', 'warning'].includes(r.severity), `${r.id} severity ${r.severity}`);
  }
});

test('the split rules S1–S18 and packed P1–P10 of the digest are each covered where a driver can break them', () => {
  const refs = new Set(allRules().flatMap((r) => r.refs ?? []));
  for (const s of ['S1', 'S3', 'S5', 'S6', 'S7', 'S9', 'S10', 'S14', 'S16']) assert.ok(refs.has(s), s);
  for (const p of ['P1', 'P4', 'P5', 'P6', 'P8', 'P10']) assert.ok(refs.has(p), p);
});

test('every ring/transport/status/feature failure mode of driver-failure-modes.md has a rule', () => {
  const refs = new Set(allRules().flatMap((r) => r.refs ?? []));
  // F2, F3 (blk framing), F15 (net header) and F18 (vhost-user) belong to the device and transport issues.
  for (const f of ['F1', 'F4', 'F5', 'F6', 'F7', 'F8', 'F9', 'F10', 'F11', 'F12', 'F13', 'F14', 'F16', 'F17']) {
    assert.ok(refs.has(f), `failure mode ${f} has no rule`);
  }
});

test('lookups: unknown ids are errors, duplicates rejected', () => {
  assert.equal(rule('split-desc-zero-length').section, '2.7.5');
  assert.equal(findRule('no-such-rule'), undefined);
  // @ts-expect-error -- an id outside the catalogue is a type error; at run time, a thrown error.
  assert.throws(() => rule('no-such-rule'), /unknown rule/);
  assert.throws(() => registerRules([rule('split-chain-loop')]), /duplicate/);
});
