import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonlTraceWriter, Trace } from '../../../engine/trace';

test('events are stamped with seq and time; violations take section and severity from the catalogue', () => {
  let now = 1000;
  const t = new Trace({ clock: () => now++ });
  const seen: unknown[] = [];
  t.on((e) => seen.push(e));
  t.emit({ type: 'note', device: 'd', message: 'hi' });
  const v = t.violation('d', 'split-chain-loop', 'loop at 3', { queue: 0, queueName: 'requestq1', index: 3 });
  assert.deepEqual(seen[0], { type: 'note', device: 'd', message: 'hi', seq: 1, time: 1000 });
  assert.ok(v, 'the first occurrence is emitted in full');
  assert.equal(v.section, '2.7.5.2');
  assert.equal(v.severity, 'fatal');
  assert.equal(v.index, 3);
});

test('the recent-event ring keeps the newest events in order', () => {
  const t = new Trace({ capacity: 3 });
  for (let i = 0; i < 5; i++) t.emit({ type: 'note', device: 'd', message: String(i) });
  assert.deepEqual(
    t.recent().map((e) => (e.type === 'note' ? e.message : '')),
    ['2', '3', '4'],
  );
  assert.equal(t.recent(2).length, 2);
});

test('a throwing listener does not break the producer', () => {
  const t = new Trace();
  t.on(() => {
    throw new Error('boom');
  });
  let got = 0;
  t.on(() => got++);
  t.emit({ type: 'note', device: 'd', message: 'x' });
  assert.equal(got, 1);
});

test('the JSON-lines writer writes one parseable event per line with type and time', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vd-trace-'));
  const path = join(dir, 't.jsonl');
  const t = new Trace();
  const w = new JsonlTraceWriter(t, path);
  t.emit({ type: 'note', device: 'd', message: 'a' });
  t.violation('d', 'split-desc-zero-length', 'desc 2 has length 0', { queue: 0, queueName: 'requestq1', index: 2 });
  w.close();
  const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 2);
  assert.equal(lines[1].type, 'violation');
  assert.equal(lines[1].rule, 'split-desc-zero-length');
  assert.equal(lines[1].section, '2.7.5');
  assert.equal(lines[1].queue, 0);
  assert.equal(typeof lines[1].time, 'number');
});

test('the JSON-lines writer reports a write error once (a full disk) and never throws', () => {
  const t = new Trace();
  const errors: string[] = [];
  const w = new JsonlTraceWriter(t, '/dev/full', { onError: (m) => errors.push(m) });
  for (let i = 0; i < 3; i++) {
    t.emit({ type: 'note', device: 'd', message: 'x'.repeat(40_000) });
    w.flush();
  }
  w.close();
  assert.deepEqual(errors, ['cannot write the trace file /dev/full (ENOSPC); no more trace lines are written to it']);
});
