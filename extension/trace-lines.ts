/**
 * The "Virtio Trace" output's lines: `virtio/trace` batches formatted like the CLI demo's trace, with a
 * header and a footer per session so several sessions stay apart. No vscode here (unit-tested).
 */
import { type TraceEvent } from '../protocol/trace';
import { formatEvent } from '../engine/trace/format';

export class TraceLines {
  /** Time origin per session: the first event it sent. */
  private readonly t0 = new Map<string, number>();

  started(sessionId: string, name: string, now = new Date()): string[] {
    this.t0.delete(sessionId);
    return [`── ${name}: session started ${now.toISOString()} ──`];
  }

  events(sessionId: string, events: readonly TraceEvent[]): string[] {
    if (!events.length) return [];
    let t0 = this.t0.get(sessionId);
    if (t0 === undefined) this.t0.set(sessionId, (t0 = events[0]!.time));
    return events.flatMap((e) => formatEvent(e, { t0: t0! }));
  }

  ended(sessionId: string, name: string, now = new Date()): string[] {
    this.t0.delete(sessionId);
    return [`── ${name}: session ended ${now.toISOString()} (the trace above stays here) ──`];
  }
}
