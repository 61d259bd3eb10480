/**
 * One trace event as one JSON line, exactly as `JSON.stringify(event) + '\n'` would write it (same fields, same
 * order, same number and string forms), with hand-written serialisers for the events every request emits
 * (notify, chain, used, interrupt): they skip the generic walk over the object's properties, and the device and
 * queue names, which repeat on every line, are escaped once. Any other event, or a hot one whose fields are not of
 * the declared types, goes through JSON.stringify. The key order is the order the engine builds these events in
 * (engine/device-core: type, device, queue fields, the event's own fields, then seq and time from Trace.emit);
 * test/engine/trace/jsonl-line.test.ts holds the two equal on events the engine emits and on generated ones.
 */
import { type ChainEvent, type InterruptEvent, type NotifyEvent, type TraceEvent, type UsedEvent } from '../../protocol/trace';

/** Quoted (JSON-escaped) forms of the short strings that repeat on every line: device and queue names. */
const quoted = new Map<string, string>();
const QUOTED_MAX = 4096;

/** Names (of those in `quoted`) with a character beyond ASCII: normally none. */
const wide = new Set<string>();
/** The line being built has only ASCII characters so far (see lastLineIsAscii). */
let ascii = true;

function q(s: string): string {
  let r = quoted.get(s);
  if (r === undefined) {
    r = JSON.stringify(s);
    if (quoted.size < QUOTED_MAX) {
      quoted.set(s, r);
      if (NON_ASCII.test(s)) wide.add(s);
    } else if (NON_ASCII.test(s)) ascii = false;
  }
  if (wide.size > 0 && wide.has(s)) ascii = false;
  return r;
}

const NON_ASCII = /[\u0080-\uffff]/;

/**
 * Summaries differ from line to line (sectors, addresses), but a sender that repeats one frame repeats its
 * summary (the net device remembers the text of its last frames): the last one is escaped once.
 */
let lastSummary = '';
let lastQuoted = '""';
let lastSummaryAscii = true;
function quoteSummary(s: string): string {
  if (s !== lastSummary) {
    lastQuoted = quote(s);
    lastSummary = s;
    lastSummaryAscii = !NON_ASCII.test(s);
  }
  if (!lastSummaryAscii) ascii = false;
  return lastQuoted;
}

/** What JSON.stringify escapes in a string: quote, backslash, control characters, and (lone) surrogates. */
// eslint-disable-next-line no-control-regex -- the control characters are exactly what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * A string as JSON writes it. Summaries rarely need escaping, and JSON.stringify of a two-byte string (a receive
 * summary starts with "←") took ~2 µs against ~0.4 µs for this test and a concatenation (a paired surrogate,
 * which JSON.stringify leaves as it is, takes the JSON.stringify path too: same text).
 */
export function quote(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : '"' + s + '"';
}

/** A number as JSON writes it: NaN and ±Infinity become null, -0 becomes 0 (as `'' + n` also does). */
const num = (n: number): string => (Number.isFinite(n) ? '' + n : 'null');

const isNum = (x: unknown): x is number => typeof x === 'number';
const isStr = (x: unknown): x is string => typeof x === 'string';
/** An optional field: absent (or undefined, which JSON.stringify leaves out as well) or of its type. */
const optNum = (x: unknown): boolean => x === undefined || typeof x === 'number';
const optStr = (x: unknown): boolean => x === undefined || typeof x === 'string';

/** The fields every event ends with, stamped by Trace.emit after the producer built the rest. */
const tail = (e: TraceEvent): string => `,"seq":${num(e.seq)},"time":${num(e.time)}}\n`;

function notify(e: NotifyEvent): string | undefined {
  if (!isStr(e.device) || !isNum(e.queue) || !isStr(e.queueName) || !optNum(e.data) || !isNum(e.seq) || !isNum(e.time)) return undefined;
  return (
    `{"type":"notify","device":${q(e.device)},"queue":${num(e.queue)},"queueName":${q(e.queueName)}` +
    (e.data !== undefined ? `,"data":${num(e.data)}` : '') +
    tail(e)
  );
}

function chain(e: ChainEvent): string | undefined {
  if (
    !isStr(e.device) ||
    !isNum(e.queue) ||
    !isStr(e.queueName) ||
    !isNum(e.id) ||
    !isNum(e.descriptors) ||
    !isNum(e.readableBytes) ||
    !isNum(e.writableBytes) ||
    typeof e.indirect !== 'boolean' ||
    !optStr(e.summary) ||
    !isNum(e.seq) ||
    !isNum(e.time)
  )
    return undefined;
  return (
    `{"type":"chain","device":${q(e.device)},"queue":${num(e.queue)},"queueName":${q(e.queueName)},"id":${num(e.id)}` +
    `,"descriptors":${num(e.descriptors)},"readableBytes":${num(e.readableBytes)},"writableBytes":${num(e.writableBytes)}` +
    `,"indirect":${e.indirect ? 'true' : 'false'}` +
    (e.summary !== undefined ? `,"summary":${quoteSummary(e.summary)}` : '') +
    tail(e)
  );
}

function used(e: UsedEvent): string | undefined {
  if (!isStr(e.device) || !isNum(e.queue) || !isStr(e.queueName) || !isNum(e.id) || !isNum(e.len) || !isNum(e.usedIdx) || !isNum(e.seq) || !isNum(e.time)) return undefined;
  return (
    `{"type":"used","device":${q(e.device)},"queue":${num(e.queue)},"queueName":${q(e.queueName)},"id":${num(e.id)}` +
    `,"len":${num(e.len)},"usedIdx":${num(e.usedIdx)}` +
    tail(e)
  );
}

function interrupt(e: InterruptEvent): string | undefined {
  if (!isStr(e.device) || !isStr(e.kind) || !optNum(e.queue) || !optStr(e.queueName) || !isNum(e.seq) || !isNum(e.time)) return undefined;
  return (
    `{"type":"interrupt","device":${q(e.device)},"kind":${q(e.kind)}` +
    (e.queue !== undefined ? `,"queue":${num(e.queue)}` : '') +
    (e.queueName !== undefined ? `,"queueName":${q(e.queueName)}` : '') +
    tail(e)
  );
}

/**
 * Whether the line traceLine returned last has only ASCII characters (a hand-written line whose strings are
 * ASCII; a JSON.stringify line counts as not). The writer keeps such lines in a one-byte string: one receive
 * summary ("← ...") in a batch made the whole batch a two-byte string, which took five times as long to encode.
 */
export function lastLineIsAscii(): boolean {
  return ascii;
}

/** The line (with its newline) that records `e` in a trace file. */
export function traceLine(e: TraceEvent): string {
  ascii = true;
  let line: string | undefined;
  switch (e.type) {
    case 'chain':
      line = chain(e);
      break;
    case 'used':
      line = used(e);
      break;
    case 'notify':
      line = notify(e);
      break;
    case 'interrupt':
      line = interrupt(e);
      break;
  }
  if (line !== undefined) return line;
  ascii = false;
  return JSON.stringify(e) + '\n';
}
