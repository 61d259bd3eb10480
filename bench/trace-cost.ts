// The cost of the trace per event, in process (issue 13, figures 2/3/4 "--trace on"): the events a blk request
// and a net round trip emit (notify, chain with its summary, used, interrupt) go through Trace.emit into a
// JsonlTraceWriter on a real file, against the same emits with no listener. Prints ns per event and the
// serialiser alone (hand-written vs JSON.stringify), and saves bench/.out/trace-cost.json.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonlTraceWriter, Trace } from '../engine/trace';
import { traceLine } from '../engine/trace/jsonl-line';
import { type TraceEvent } from '../protocol/trace';
import { saveResult } from './out';

const EVENTS = Number(process.env.BENCH_TRACE_EVENTS ?? 400_000);
const dir = mkdtempSync(join(tmpdir(), 'vd-trace-cost-'));

/** One blk request's events, as the engine emits them (same literals, same key order). */
function request(trace: Trace, i: number): void {
  trace.emit({ type: 'notify', device: 'blk0', queue: 0, queueName: 'requestq0' });
  trace.emit({
    type: 'chain',
    device: 'blk0',
    queue: 0,
    queueName: 'requestq0',
    id: i & 255,
    descriptors: 3,
    readableBytes: 16,
    writableBytes: 4097,
    indirect: false,
    ...{ summary: `IN sector ${i * 8} (4096 B)` },
  });
  trace.emit({ type: 'used', device: 'blk0', queue: 0, queueName: 'requestq0', id: i & 255, len: 4097, usedIdx: i & 0xffff });
  trace.emit({ type: 'interrupt', device: 'blk0', kind: 'used', ...{ queue: 0, queueName: 'requestq0' } });
}

function run(withWriter: boolean): { nsPerEvent: number; bytes: number } {
  const trace = new Trace({ capacity: 0 });
  const path = join(dir, `t${withWriter ? 1 : 0}.jsonl`);
  const writer = withWriter ? new JsonlTraceWriter(trace, path) : undefined;
  if (!withWriter) trace.on(() => undefined);
  for (let i = 0; i < 20_000; i++) request(trace, i); // warm-up
  const requests = EVENTS / 4;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < requests; i++) request(trace, i);
  writer?.flush();
  const ns = Number(process.hrtime.bigint() - t0);
  // close() adds an fsync, once per file: not a cost per event.
  writer?.close();
  return { nsPerEvent: ns / EVENTS, bytes: withWriter ? statSync(path).size : 0 };
}

function serialiser(events: TraceEvent[], f: (e: TraceEvent) => string): number {
  let n = 0;
  for (let r = 0; r < 3; r++) for (const e of events) n += f(e).length;
  const t0 = process.hrtime.bigint();
  for (const e of events) n += f(e).length;
  const ns = Number(process.hrtime.bigint() - t0);
  if (n < 0) console.log(n);
  return ns / events.length;
}

const sample: TraceEvent[] = [];
const collector = new Trace({ capacity: 0 });
collector.on((e) => sample.push(e));
for (let i = 0; i < EVENTS / 4; i++) request(collector, i);

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const bare: number[] = [];
const written: number[] = [];
let bytes = 0;
for (let r = 0; r < rounds; r++) {
  bare.push(run(false).nsPerEvent);
  const w = run(true);
  written.push(w.nsPerEvent);
  bytes = w.bytes;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const result = {
  events: EVENTS,
  emitNs: median(bare),
  emitAndWriteNs: median(written),
  traceNsPerEvent: median(written) - median(bare),
  bytesPerEvent: bytes / EVENTS,
  jsonStringifyNs: serialiser(sample, (e) => JSON.stringify(e)),
  traceLineNs: serialiser(sample, traceLine),
};
rmSync(dir, { recursive: true, force: true });
console.log(
  `trace cost per event (median of ${rounds}): emit alone ${result.emitNs.toFixed(0)} ns, emit + JSON line to a file ${result.emitAndWriteNs.toFixed(0)} ns ` +
    `(trace ${result.traceNsPerEvent.toFixed(0)} ns, ${result.bytesPerEvent.toFixed(0)} B/event); serialiser alone: JSON.stringify ${result.jsonStringifyNs.toFixed(0)} ns, traceLine ${result.traceLineNs.toFixed(0)} ns`,
);
saveResult('trace-cost', result);
