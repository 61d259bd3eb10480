import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TraceEvent, type ViolationEvent, type ViolationSummaryEvent } from '../../../protocol/trace';
import { formatEvent, JsonlTraceWriter, Trace } from '../../../engine/trace';

const RULE = 'net-tx-num-buffers-nonzero';

function collect(t: Trace): { violations: ViolationEvent[]; summaries: ViolationSummaryEvent[] } {
  const out = { violations: [] as ViolationEvent[], summaries: [] as ViolationSummaryEvent[] };
  t.on((e: TraceEvent) => {
    if (e.type === 'violation') out.violations.push(e);
    if (e.type === 'violation-summary') out.summaries.push(e);
  });
  return out;
}

test('a rule repeated on one queue: the first N in full, then summaries at most once a second, every one counted', () => {
  let now = 0;
  const t = new Trace({ clock: () => now, violationsInFull: 3 });
  const seen = collect(t);
  for (let i = 0; i < 1000; i++) {
    now = i * 5; // 200 a second for 5 s
    const e = t.violation('net0', RULE, `transmit header has num_buffers 1 (chain ${i})`, { queue: 1, queueName: 'txq0', index: i });
    assert.equal(e !== undefined, i < 3, `occurrence ${i + 1}`);
  }
  assert.deepEqual(
    seen.violations.map((v) => [v.index, v.message, v.section, v.queueName]),
    [0, 1, 2].map((i) => [i, `transmit header has num_buffers 1 (chain ${i})`, '5.1.6.2.1', 'txq0']),
  );
  // One line a second while it goes on (the last second's tail waits for the timer or a flush).
  assert.equal(seen.summaries.length, 4);
  t.flushViolationSummaries();
  assert.equal(seen.summaries.length, 5);
  assert.equal(seen.summaries.reduce((n, s) => n + s.count, 0), 997, 'every repeat is counted exactly once');
  const last = seen.summaries.at(-1)!;
  assert.equal(last.total, 1000);
  assert.equal(last.since, 0);
  assert.equal(last.queueName, 'txq0');
  assert.equal(last.severity, 'error');
  for (let i = 1; i < seen.summaries.length; i++) assert.ok(seen.summaries[i].time - seen.summaries[i - 1].time >= 1000 || i === seen.summaries.length - 1);
  // Nothing left: a second flush says nothing.
  t.flushViolationSummaries();
  assert.equal(seen.summaries.length, 5);
});

test('counts are per device, rule and queue; a reset settles them and the next driver is shown in full again', () => {
  const t = new Trace({ violationsInFull: 2 });
  const seen = collect(t);
  for (let i = 0; i < 10; i++) {
    t.violation('net0', RULE, 'm', { queue: 1, queueName: 'txq0' });
    t.violation('net0', RULE, 'm', { queue: 3, queueName: 'txq1' });
    t.violation('net0', 'net-tx-too-short', 'm', { queue: 1, queueName: 'txq0' });
    t.violation('net1', RULE, 'm', { queue: 1, queueName: 'txq0' });
  }
  assert.equal(seen.violations.length, 8);
  t.settleViolations('net0');
  assert.deepEqual(
    seen.summaries.map((s) => [s.device, s.rule, s.queueName, s.count, s.total]),
    [
      ['net0', RULE, 'txq0', 8, 10],
      ['net0', RULE, 'txq1', 8, 10],
      ['net0', 'net-tx-too-short', 'txq0', 8, 10],
    ],
  );
  t.violation('net0', RULE, 'after the reset', { queue: 1, queueName: 'txq0' });
  assert.equal(seen.violations.at(-1)?.message, 'after the reset');
  t.flushViolationSummaries();
  assert.deepEqual(seen.summaries.at(-1)?.device, 'net1');
  assert.equal(seen.summaries.at(-1)?.total, 10);
});

test('violationsInFull = Infinity emits every one (a debug session stopping on each)', () => {
  const t = new Trace({ violationsInFull: Infinity });
  const seen = collect(t);
  for (let i = 0; i < 500; i++) assert.ok(t.violation('net0', RULE, 'm', { queue: 1, queueName: 'txq0' }));
  t.flushViolationSummaries();
  assert.equal(seen.violations.length, 500);
  assert.equal(seen.summaries.length, 0);
});

test('a quiet tail is summarised by the timer within about a second', async () => {
  const t = new Trace({ violationsInFull: 1 });
  const seen = collect(t);
  for (let i = 0; i < 5; i++) t.violation('net0', RULE, 'm', { queue: 1, queueName: 'txq0' });
  assert.equal(seen.summaries.length, 0);
  await new Promise((r) => setTimeout(r, 1300));
  assert.deepEqual(
    seen.summaries.map((s) => [s.count, s.total]),
    [[4, 5]],
  );
});

test('the JSON-lines file ends with the counts; the text rendering names the rule, queue and count', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vd-collapse-'));
  try {
    const t = new Trace({ violationsInFull: 2 });
    const w = new JsonlTraceWriter(t, join(dir, 't.jsonl'));
    for (let i = 0; i < 14_662; i++) t.violation('net0', RULE, 'transmit header has num_buffers 1', { queue: 1, queueName: 'txq0', index: i });
    w.close();
    const lines = readFileSync(join(dir, 't.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TraceEvent);
    assert.equal(lines.filter((e) => e.type === 'violation').length, 2);
    const summaries = lines.filter((e): e is ViolationSummaryEvent => e.type === 'violation-summary');
    assert.ok(summaries.length >= 1 && summaries.length <= 3, `${summaries.length} summary lines`);
    assert.equal(summaries.reduce((n, s) => n + s.count, 0), 14_660);
    assert.equal(summaries.at(-1)!.total, 14_662);
    const text = formatEvent(summaries.at(-1)!, { t0: 0 }).join('\n');
    assert.match(text, /VIOLATION net-tx-num-buffers-nonzero {2}§5\.1\.6\.2\.1 {2}net0\.txq0 {2}×[\d,]+ more \(14,662 since \d\d:\d\d:\d\d\.\d{3} UTC\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
