// The session runtime with a trace that collapses repeats: with the "Spec violations" exception filter on
// (the default) every violation is an event (each one may stop the session); with it off the runtime lists the
// first ones and shows the count the trace reported, in the snapshot and in the Debug Console.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Trace, VIOLATIONS_IN_FULL } from '../../engine/trace';
import { SessionRuntime } from '../../adapter/runtime/session-runtime';
import { runReplCommand } from '../../adapter/inspect/repl';

const RULE = 'net-tx-num-buffers-nonzero';

test('stopping on violations (the default filter): every one is an event, none is collapsed', () => {
  const trace = new Trace({ capacity: 0 });
  const rt = new SessionRuntime(trace);
  for (let i = 0; i < 50; i++) trace.violation('net0', RULE, `frame ${i}`, { queue: 1, queueName: 'transmitq1' });
  trace.flushViolationSummaries();
  const vs = rt.snapshot({}).violations;
  assert.equal(vs.length, 50);
  assert.ok(vs.every((v) => v.total === undefined));
});

test('filter off: the first ones listed, the last of them carries the count of every occurrence', async () => {
  const trace = new Trace({ capacity: 0 });
  const rt = new SessionRuntime(trace);
  const stderr: string[] = [];
  rt.on('output', (_c, text) => stderr.push(text));
  rt.setExceptionFilters([]);
  for (let i = 0; i < 1000; i++) trace.violation('net0', RULE, `frame ${i}`, { queue: 1, queueName: 'transmitq1' });
  trace.violation('net0', 'net-tx-too-short', 'short', { queue: 1, queueName: 'transmitq1' });
  trace.flushViolationSummaries();
  const vs = rt.snapshot({}).violations;
  assert.equal(vs.length, VIOLATIONS_IN_FULL + 1);
  assert.deepEqual(
    vs.map((v) => v.total),
    [...Array<undefined>(VIOLATIONS_IN_FULL - 1).fill(undefined), 1000, undefined],
  );
  assert.match(stderr.at(-1) ?? '', /violation net-tx-num-buffers-nonzero \(§5\.1\.6\.2\.1\) net0\.transmitq1: ×990 more \(1,000 since /);
  const listing = await runReplCommand(rt, 'violations', { stoppedThread: undefined });
  assert.match(listing, /frame 9 \(1,000 in all\)/);
  // Back on: each one is an event again.
  rt.setExceptionFilters(['violation']);
  for (let i = 0; i < 20; i++) trace.violation('net0', RULE, 'again', { queue: 1, queueName: 'transmitq1' });
  assert.equal(rt.snapshot({}).violations.length, VIOLATIONS_IN_FULL + 1 + 20);
});
