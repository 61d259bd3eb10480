/** `virtio-debug demo blk` scenario: verified runs on both layouts, and the deliberate violation is caught. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ViolationEvent } from '../../../../protocol/trace';
import { blkDemo } from '../../../../cli/demos/blk';
import { DEMOS } from '../../../../cli/demos';
import { Trace } from '../../../../engine/trace';

test('demo blk is registered and runs clean on both layouts with decoded request summaries', async () => {
  assert.ok(DEMOS.includes(blkDemo));
  for (const layout of ['split', 'packed'] as const) {
    const trace = new Trace({ capacity: 0 });
    const summaries: string[] = [];
    const violations: ViolationEvent[] = [];
    trace.on((e) => {
      if (e.type === 'chain' && e.summary) summaries.push(e.summary);
      if (e.type === 'violation') violations.push(e);
    });
    const lines: string[] = [];
    const r = await blkDemo.run({ layout, count: 5, trace, print: (l) => lines.push(l) });
    assert.ok(r.ok, r.summary);
    assert.deepEqual(violations, []);
    assert.ok(summaries.some((s) => /^OUT sector \d+ len \d+$/.test(s)), summaries.join(' | '));
    assert.ok(summaries.some((s) => /^IN sector \d+ len \d+$/.test(s)));
    assert.ok(summaries.includes('FLUSH') && summaries.includes('GET_ID'));
    assert.ok(lines.includes('GET_ID: "virtio-debug-blk0"'));
    assert.match(r.summary, /(\d+)\/\1 sectors read back verified; (\d+)\/\2 written sectors found in the image file/);
  }
});

test('demo blk with its deliberate fault reports the rule and the IOERR answer', async () => {
  const trace = new Trace({ capacity: 0 });
  const rules: string[] = [];
  trace.on((e) => {
    if (e.type === 'violation') rules.push(e.rule);
  });
  const lines: string[] = [];
  const fault = blkDemo.demoFault('split');
  await blkDemo.run({ layout: 'split', count: 4, trace, print: (l) => lines.push(l), fault });
  assert.deepEqual(rules, [fault.rule]);
  assert.ok(lines.includes(`deliberate ${fault.rule}: the device answered IOERR, used length 1`), lines.join('\n'));
});
