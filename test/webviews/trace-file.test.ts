// Loading a --trace JSON-lines file: every line validated, bad lines reported by number, never a throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTraceFile } from '../../extension/panels/trace-file';
import { recordings } from './fixtures';

test('a real trace round-trips and bad lines are reported with their line numbers', async () => {
  const rec = await recordings();
  const lines = rec.violation.trace.map((e) => JSON.stringify(e));
  const text = [lines[0], '{not json', '', '[1,2]', '{"type":"chain","time":1}', '{"type":"bogus","time":1}', ...lines.slice(1), '{"type":"violation","time":5}'].join('\n');
  const r = parseTraceFile(text);
  assert.equal(r.events.length, lines.length);
  assert.deepEqual(r.events.map((e) => e.seq), rec.violation.trace.map((e) => e.seq));
  assert.equal(r.errorCount, 5);
  assert.deepEqual(r.errors.map((e) => e.line), [2, 4, 5, 6, lines.length + 6]);
  assert.match(r.errors[0]!.message, /not JSON/);
  assert.match(r.errors[1]!.message, /not a JSON object/);
  assert.match(r.errors[2]!.message, /numeric "queue"/);
  assert.match(r.errors[3]!.message, /unknown event type "bogus"/);
  assert.match(r.errors[4]!.message, /"rule" and "section"/);
  assert.ok(r.events.some((e) => e.type === 'violation'));
});

test('garbage of every kind never throws', () => {
  for (const text of ['', '\n\n', 'null', '"x"', '{"type":1}', '\u0000\u0001', '{"type":"note","time":NaN}', 'x'.repeat(100_000)]) {
    const r = parseTraceFile(text);
    assert.equal(r.events.length, 0);
  }
  const many = Array.from({ length: 50 }, () => 'bad').join('\n');
  const r = parseTraceFile(many);
  assert.equal(r.errorCount, 50);
  assert.equal(r.errors.length, 20, 'the list is capped, the count is not');
});
