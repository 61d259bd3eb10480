/**
 * Reads a `--trace` JSON-lines file for the timeline: every line is checked on its own; a bad line is
 * reported with its line number and skipped, never thrown. No vscode here (unit-tested).
 */
import { type TraceEvent } from '../../protocol/trace';

export interface TraceFileResult {
  events: TraceEvent[];
  /** Bad lines (1-based), at most `maxErrors` listed; `errorCount` counts all. */
  errors: { line: number; message: string }[];
  errorCount: number;
}

const TYPES = new Set(['notify', 'chain', 'used', 'interrupt', 'status', 'features', 'config-read', 'config-write', 'config-change', 'reset', 'queue-setup', 'violation', 'transport', 'note']);

/** Why a parsed line is not a trace event, or undefined when it is one. */
function problem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const o = v as Record<string, unknown>;
  if (typeof o.type !== 'string') return 'no "type"';
  if (!TYPES.has(o.type)) return `unknown event type "${o.type}"`;
  if (typeof o.time !== 'number' || !Number.isFinite(o.time)) return 'no numeric "time"';
  if (o.type === 'violation' && (typeof o.rule !== 'string' || typeof o.section !== 'string')) return 'a violation needs "rule" and "section"';
  if (['notify', 'chain', 'used'].includes(o.type) && typeof o.queue !== 'number') return `a ${o.type} event needs a numeric "queue"`;
  return undefined;
}

export function parseTraceFile(text: string, maxErrors = 20): TraceFileResult {
  const events: TraceEvent[] = [];
  const errors: TraceFileResult['errors'] = [];
  let errorCount = 0;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    let v: unknown;
    let why: string | undefined;
    try {
      v = JSON.parse(line);
      why = problem(v);
    } catch (e) {
      why = `not JSON (${(e as Error).message})`;
    }
    if (why) {
      errorCount++;
      if (errors.length < maxErrors) errors.push({ line: i + 1, message: why });
      return;
    }
    const o = v as Record<string, unknown>;
    // Lines without seq or device still draw: give them the line number and a placeholder device.
    events.push({ ...o, seq: typeof o.seq === 'number' ? o.seq : i + 1, device: typeof o.device === 'string' ? o.device : '?' } as unknown as TraceEvent);
  });
  return { events, errors, errorCount };
}
