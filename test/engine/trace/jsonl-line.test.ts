/**
 * The trace file's hand-written serialisers (engine/trace/jsonl-line.ts) write exactly what
 * `JSON.stringify(event) + '\n'` writes: on the events the engine emits for real blk requests and net frames
 * (both ring layouts, indirect chains, summaries), on generated events of every hot type (names and summaries
 * with quotes, control characters, non-ASCII and lone surrogates; optional fields present and absent; numbers
 * that are fractional, negative, huge, NaN or infinite), and on events whose fields are not of the declared
 * types (which fall back to JSON.stringify). The writer's file holds the same lines, all of them, in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { JsonlTraceWriter, Trace } from '../../../engine/trace';
import { lastLineIsAscii, quote, traceLine } from '../../../engine/trace/jsonl-line';
import { blkRequest } from '../../../engine/driver/workloads/blk';
import { type TraceEvent } from '../../../protocol/trace';
import { LAYOUTS, blkMachine, pattern } from '../devices/blk/harness';
import { frameTo, netRig, until } from '../devices/net/harness';

const stringify = (e: unknown) => JSON.stringify(e) + '\n';

function assertSame(events: TraceEvent[]): void {
  for (const e of events) assert.equal(traceLine(e), stringify(e), `event ${e.seq} (${e.type})`);
}

for (const layout of LAYOUTS) {
  test(`the events of real blk requests serialise as JSON.stringify does (${layout} ring)`, async () => {
    const m = blkMachine({ layout });
    const events: TraceEvent[] = [];
    m.trace.on((e) => events.push(e));
    const data = pattern(8 * 512, 3);
    await m.client.write(0, 10, data);
    await m.client.read(0, 10, 8);
    await m.client.submit(0, { ...blkRequest('IN', 8, 8 * 512), segmentSize: 1024, indirect: true });
    await m.client.submit(0, { ...blkRequest('FLUSH', 0, 0) });
    for (const type of ['notify', 'chain', 'used', 'interrupt']) assert.ok(events.some((e) => e.type === type), `a ${type} event was emitted`);
    assert.ok(events.some((e) => e.type === 'chain' && e.indirect), 'an indirect chain was emitted');
    assert.ok(events.some((e) => e.type === 'chain' && e.summary), 'a chain with a summary was emitted');
    assertSame(events);
  });

  test(`the events of real net frames serialise as JSON.stringify does (${layout} ring)`, async () => {
    const r = await netRig({ layout });
    r.port.loopback = true;
    await r.client.commandByName('RX', 'PROMISC', [1]);
    for (let i = 0; i < 4; i++) await r.client.transmit(frameTo(Uint8Array.of(2, 0, 0, 0, 0, 1), 60 + i * 100, i));
    assert.ok(await until(() => r.events.filter((e) => e.type === 'used').length >= 8), 'the frames came back');
    r.client.stop();
    assert.ok(r.events.some((e) => e.type === 'chain' && e.summary), 'a chain with a summary was emitted');
    assertSame(r.events);
  });
}

// Strings as JSON must escape them: quotes, backslashes, control characters, non-ASCII, lone surrogates.
const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('blk0', 'requestq0', 'a"b\\c', '\u0000\u001f\n\t', '\ud800', 'tx\u2028q', 'é日本'));
const number = fc.oneof(
  fc.nat(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, 2 ** 53, 1e21, 1e-7, Number.MAX_VALUE, NaN, Infinity, -Infinity),
  fc.double({ min: 1.7e12, max: 1.8e12, noNaN: true }),
);
const stamp = { seq: number, time: number };
/** Events in the key order the engine builds them (engine/device-core), optional fields absent or present. */
const hot: fc.Arbitrary<TraceEvent> = fc.oneof(
  fc
    .record({ device: text, queue: number, queueName: text, data: fc.option(number, { nil: undefined }), ...stamp })
    .map(({ device, queue, queueName, data, seq, time }) => ({ type: 'notify' as const, device, queue, queueName, ...(data !== undefined ? { data } : {}), seq, time })),
  fc
    .record({ device: text, queue: number, queueName: text, id: number, descriptors: number, readableBytes: number, writableBytes: number, indirect: fc.boolean(), summary: fc.option(text, { nil: undefined }), ...stamp })
    .map(({ summary, seq, time, ...rest }) => ({ type: 'chain' as const, ...rest, ...(summary !== undefined ? { summary } : {}), seq, time })),
  fc.record({ device: text, queue: number, queueName: text, id: number, len: number, usedIdx: number, ...stamp }).map(({ seq, time, ...rest }) => ({ type: 'used' as const, ...rest, seq, time })),
  fc
    .record({ device: text, kind: fc.constantFrom('used' as const, 'config' as const), queue: fc.option(number, { nil: undefined }), queueName: fc.option(text, { nil: undefined }), ...stamp })
    .map(({ device, kind, queue, queueName, seq, time }) => ({
      type: 'interrupt' as const,
      device,
      kind,
      ...(queue !== undefined ? { queue } : {}),
      ...(queueName !== undefined ? { queueName } : {}),
      seq,
      time,
    })),
);

test('generated events of the hot types serialise as JSON.stringify does', () => {
  fc.assert(
    fc.property(hot, (e) => {
      assert.equal(traceLine(e), stringify(e));
    }),
    { numRuns: 5000 },
  );
});

test('an optional field set to undefined is left out, as JSON.stringify leaves it out', () => {
  const e = { type: 'chain', device: 'blk0', queue: 0, queueName: 'requestq0', id: 1, descriptors: 2, readableBytes: 16, writableBytes: 1, indirect: false, summary: undefined, seq: 1, time: 2.5 };
  assert.equal(traceLine(e as TraceEvent), stringify(e));
  const n = { type: 'notify', device: 'blk0', queue: 0, queueName: 'requestq0', data: undefined, seq: 3, time: 4 };
  assert.equal(traceLine(n as TraceEvent), stringify(n));
});

test('fields not of the declared types fall back to JSON.stringify, so the line is still what it would have been', () => {
  fc.assert(
    fc.property(hot, fc.anything(), fc.nat(), (e, junk, pick) => {
      const keys = Object.keys(e).filter((k) => k !== 'type');
      const odd = { ...e, [keys[pick % keys.length]!]: junk } as TraceEvent;
      assert.equal(traceLine(odd), stringify(odd));
    }),
    { numRuns: 3000 },
  );
});

test('quote() writes a string as JSON.stringify does, and lastLineIsAscii() says whether a line is ASCII', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), text), (s) => {
      assert.equal(quote(s), JSON.stringify(s));
      const line = traceLine({ type: 'chain', device: 'net0', queue: 0, queueName: 'receiveq1', id: 1, descriptors: 1, readableBytes: 0, writableBytes: 1, indirect: false, summary: s, seq: 1, time: 2 });
      // Never ASCII when it is not (the writer would encode it as one-byte text); ASCII whenever the summary is.
      if (lastLineIsAscii()) assert.doesNotMatch(line, /[\u0080-\uffff]/);
      assert.equal(lastLineIsAscii(), !/[\u0080-\uffff]/.test(s));
    }),
    { numRuns: 3000 },
  );
  traceLine({ type: 'note', device: 'd', message: 'plain', seq: 1, time: 2 });
  assert.equal(lastLineIsAscii(), false, 'a JSON.stringify line counts as not ASCII');
});

test('other event types are written by JSON.stringify', () => {
  const t = new Trace({ clock: () => 1.5 });
  const events = [
    t.emit({ type: 'note', device: 'd', message: 'a "quoted" note\n' }),
    t.emit({ type: 'status', device: 'd', from: 0, to: 1, names: ['ACKNOWLEDGE'], by: 'driver' }),
    t.emit({ type: 'transport', device: 'd', transport: 'vhost-user', direction: 'in', name: 'SET_VRING_KICK', summary: 'ring 0', fds: 1 }),
  ];
  assertSame(events);
});

test('the writer writes every line, in order, identical to JSON.stringify, across many batches', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vd-trace-lines-'));
  try {
    const path = join(dir, 't.jsonl');
    const t = new Trace({ capacity: 0 });
    const w = new JsonlTraceWriter(t, path);
    const expected: string[] = [];
    t.on((e) => expected.push(stringify(e)));
    const events = fc.sample(hot, 3000);
    for (let i = 0; i < 20_000; i++) {
      const { seq: _s, time: _t, ...input } = events[i % events.length]!;
      t.emit(input as Parameters<Trace['emit']>[0]);
      if (i === 7000) t.emit({ type: 'note', device: 'd', message: 'é'.repeat(100_000) }); // a line larger than a batch
      // An ASCII line larger than the whole buffer, and a receive summary (a character beyond ASCII) after it.
      if (i === 9000) t.emit({ type: 'chain', device: 'net0', queue: 1, queueName: 'transmitq1', id: 1, descriptors: 1, readableBytes: 1, writableBytes: 0, indirect: false, summary: 'x'.repeat(300_000) });
      if (i === 9001) t.emit({ type: 'chain', device: 'net0', queue: 0, queueName: 'receiveq1', id: 1, descriptors: 1, readableBytes: 0, writableBytes: 1, indirect: false, summary: '← ICMP echo reply' });
    }
    w.close();
    assert.equal(readFileSync(path, 'utf8'), expected.join(''));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lines still in memory are written when the process exits without closing the writer (process.exit, an uncaught error)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vd-trace-exit-'));
  try {
    for (const end of ['process.exit(3)', 'setImmediate(() => { throw new Error("boom"); })']) {
      const path = join(dir, 't.jsonl');
      const script =
        `const { JsonlTraceWriter, Trace } = require(${JSON.stringify(join(__dirname, '../../../engine/trace'))});` +
        `const t = new Trace({ capacity: 0 }); new JsonlTraceWriter(t, ${JSON.stringify(path)});` +
        `for (let i = 0; i < 1000; i++) t.emit({ type: 'used', device: 'blk0', queue: 0, queueName: 'requestq0', id: i, len: 1, usedIdx: i });` +
        end;
      const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' });
      assert.notEqual(r.status, 0, `${end} ends the process with a failure`);
      const lines = readFileSync(path, 'utf8').trim().split('\n');
      assert.equal(lines.length, 1000, `${end}: every line is in the file`);
      assert.equal(JSON.parse(lines[999]!).id, 999);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lines reach the file while the writer stays open (a quiet device, a user following the file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vd-trace-open-'));
  try {
    const path = join(dir, 't.jsonl');
    const t = new Trace({ capacity: 0 });
    const w = new JsonlTraceWriter(t, path);
    t.emit({ type: 'notify', device: 'blk0', queue: 0, queueName: 'requestq0' });
    t.emit({ type: 'note', device: 'blk0', message: 'quiet now' });
    const lines = () => readFileSync(path, 'utf8').split('\n').filter(Boolean);
    const deadline = Date.now() + 10_000;
    while (lines().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(lines().map((l) => JSON.parse(l).type), ['notify', 'note'], 'both lines were written before close');
    w.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
