/**
 * The one place the extension fetches `virtio/snapshot`: once per stop, and at most once per throttle period
 * while a session runs (`virtio/stateChanged`), shared by every consumer (panels, status bar, the language
 * server's live state). Each consumer says what it needs (`wants`); the hub asks for the union (rings only while
 * a panel wants them) and hands the same answer to all. One request per session at a time; changes meanwhile
 * cause exactly one more; a late answer for a session that ended is dropped. No vscode here
 * (snapshot-hub-wiring.ts connects the debug events), so the ordering rules are unit-tested.
 */
import { type CustomRequestSender, type SnapshotArguments, type SnapshotResponseBody, sendCustomRequest, snapshotRequest } from '../protocol/dap';

/** The part of a vscode.DebugSession the hub uses. */
export interface SnapshotSource extends CustomRequestSender {
  readonly id: string;
  readonly name: string;
}

export interface SnapshotConsumer {
  /** What this consumer needs from `session` now; undefined: nothing (it does not cause a request). */
  wants(session: SnapshotSource): SnapshotArguments | undefined;
  /** A snapshot of `session`; `args` is what was asked for (at least what `wants` said). */
  snapshot(session: SnapshotSource, snapshot: SnapshotResponseBody, args: SnapshotArguments): void;
  ended?(sessionId: string): void;
}

/** Why the hub is asked: a stop fetches at once, anything else is throttled. */
export type ChangeKind = 'stopped' | 'running';

/** Snapshots while running: at most one per this many ms per session (a 32768-entry ring is a few MB of JSON). */
export const RUNNING_THROTTLE_MS = 500;

type Schedule = (fn: () => void, ms: number) => { cancel(): void };
const realSchedule: Schedule = (fn, ms) => {
  const t = setTimeout(fn, ms);
  return { cancel: () => clearTimeout(t) };
};

interface Tracked {
  readonly session: SnapshotSource;
  inFlight: boolean;
  dirty: boolean;
  timer: { cancel(): void } | undefined;
  lastFetch: number;
}

/** The union of what consumers want: rings if any wants rings, the largest limits. */
export function mergeWants(all: readonly (SnapshotArguments | undefined)[]): SnapshotArguments | undefined {
  const wanted = all.filter((a): a is SnapshotArguments => a !== undefined);
  if (!wanted.length) return undefined;
  const out: SnapshotArguments = { rings: wanted.some((a) => a.rings !== false) };
  for (const key of ['maxRingEntries', 'chains', 'bytesLimit', 'traceEvents'] as const) {
    const values = wanted.map((a) => a[key]).filter((v): v is number => typeof v === 'number');
    if (values.length) out[key] = Math.max(...values);
  }
  return out;
}

export class SnapshotHub {
  private readonly sessions = new Map<string, Tracked>();
  private readonly consumers = new Set<SnapshotConsumer>();

  constructor(
    private readonly throttleMs = RUNNING_THROTTLE_MS,
    private readonly schedule: Schedule = realSchedule,
    private readonly now: () => number = Date.now,
  ) {}

  subscribe(c: SnapshotConsumer): { dispose(): void } {
    this.consumers.add(c);
    return { dispose: () => this.consumers.delete(c) };
  }

  /** The session started or its state changed. */
  changed(session: SnapshotSource, kind: ChangeKind): void {
    const t = this.track(session);
    if (kind === 'stopped') {
      t.timer?.cancel();
      t.timer = undefined;
      void this.fetch(t);
      return;
    }
    if (t.timer) return;
    const wait = Math.max(0, this.throttleMs - (this.now() - t.lastFetch));
    t.timer = this.schedule(() => {
      t.timer = undefined;
      void this.fetch(t);
    }, wait);
  }

  /** Fetches now (a consumer started wanting more, e.g. a panel opened). */
  refresh(session: SnapshotSource): Promise<void> {
    return this.fetch(this.track(session));
  }

  ended(sessionId: string): void {
    const t = this.sessions.get(sessionId);
    if (!t) return;
    t.timer?.cancel();
    this.sessions.delete(sessionId);
    for (const c of this.consumers) c.ended?.(sessionId);
  }

  private track(session: SnapshotSource): Tracked {
    let t = this.sessions.get(session.id);
    if (!t) {
      t = { session, inFlight: false, dirty: false, timer: undefined, lastFetch: -Infinity };
      this.sessions.set(session.id, t);
    }
    return t;
  }

  private async fetch(t: Tracked): Promise<void> {
    if (t.inFlight) {
      t.dirty = true;
      return;
    }
    t.inFlight = true;
    try {
      do {
        t.dirty = false;
        const args = mergeWants([...this.consumers].map((c) => c.wants(t.session)));
        if (!args) return;
        t.lastFetch = this.now();
        let snapshot: SnapshotResponseBody;
        try {
          snapshot = await sendCustomRequest(t.session, snapshotRequest, args);
        } catch {
          continue; // not launched yet, or already gone: the next state event brings a new chance
        }
        if (this.sessions.get(t.session.id) !== t) return; // ended meanwhile
        for (const c of this.consumers) c.snapshot(t.session, snapshot, args);
      } while (t.dirty);
    } finally {
      t.inFlight = false;
    }
  }

  dispose(): void {
    for (const t of this.sessions.values()) t.timer?.cancel();
    this.sessions.clear();
    this.consumers.clear();
  }
}
