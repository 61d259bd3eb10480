/**
 * The data the panels show, gathered from the active `virtio` debug session: a snapshot on every stop and,
 * throttled, while it runs (`virtio/stateChanged`); the trace (`virtio/trace`) kept after the session ends;
 * status history and violations. Panels subscribe; nothing is fetched while no panel wants snapshots.
 */
import * as vscode from 'vscode';
import { SNAPSHOT_REQUEST, STATE_CHANGED_EVENT, TRACE_EVENT, type SnapshotArguments, type StateChangedEventBody, type TraceEventBody } from '../../protocol/dap';
import { type SessionSnapshot } from '../../protocol/snapshot';
import { type StatusEvent, type TraceEvent } from '../../protocol/trace';
import { type SessionInfo, type ViolationDto } from '../../protocol/webview';
import { DEBUG_TYPE } from '../adapter-factory';
import { violationDto } from './violations';

/** Snapshots while running: at most one per this many ms (a 32768-entry ring is a few MB of JSON). */
const RUNNING_THROTTLE_MS = 500;
const MAX_TRACE = 100_000;
const SNAPSHOT_ARGS: SnapshotArguments = { rings: true, maxRingEntries: 32768, chains: 64, bytesLimit: 512 };

export interface FeedListener {
  snapshot?(info: SessionInfo, snapshot: SessionSnapshot, statusHistory: StatusEvent[]): void;
  trace?(info: SessionInfo, events: TraceEvent[], replace: boolean): void;
  violations?(violations: ViolationDto[]): void;
  ended?(name: string): void;
}

export class SessionFeed implements vscode.Disposable {
  private session: vscode.DebugSession | undefined;
  info: SessionInfo | undefined;
  snapshot: SessionSnapshot | undefined;
  trace: TraceEvent[] = [];
  readonly statusHistory: StatusEvent[] = [];
  violations: ViolationDto[] = [];
  private readonly listeners = new Set<FeedListener>();
  private readonly disposables: vscode.Disposable[] = [];
  private inFlight = false;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private lastFetch = 0;

  constructor() {
    this.disposables.push(
      vscode.debug.onDidStartDebugSession((s) => {
        if (s.type === DEBUG_TYPE) this.adopt(s);
      }),
      vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
        if (e.session.type !== DEBUG_TYPE) return;
        if (e.session !== this.session) this.adopt(e.session);
        if (e.event === STATE_CHANGED_EVENT) this.stateChanged(e.body as StateChangedEventBody);
        else if (e.event === TRACE_EVENT) this.addTrace((e.body as TraceEventBody).events ?? []);
      }),
      vscode.debug.onDidTerminateDebugSession((s) => {
        if (s !== this.session) return;
        this.session = undefined;
        if (this.info) this.info = { ...this.info, state: 'ended' };
        for (const l of this.listeners) l.ended?.(s.name);
      }),
    );
    const active = vscode.debug.activeDebugSession;
    if (active?.type === DEBUG_TYPE) this.adopt(active);
  }

  subscribe(l: FeedListener): vscode.Disposable {
    this.listeners.add(l);
    if (l.snapshot && this.session) this.request();
    return { dispose: () => this.listeners.delete(l) };
  }

  /** The session panels act on (config edits): the live one, if any. */
  get live(): vscode.DebugSession | undefined {
    return this.session;
  }

  /** Shows a trace file instead of the session's trace (the timeline). */
  loadFile(name: string, path: string, events: TraceEvent[]): void {
    this.info = { name, state: 'file', path };
    this.trace = events.slice(-MAX_TRACE);
    this.violations = events.filter((e) => e.type === 'violation').map((e) => violationDto(e));
    for (const l of this.listeners) {
      l.trace?.(this.info, this.trace, true);
      l.violations?.(this.violations);
    }
  }

  private adopt(s: vscode.DebugSession): void {
    if (this.session === s) return;
    this.session = s;
    this.info = { name: s.name, state: 'live' };
    this.snapshot = undefined;
    this.trace = [];
    this.statusHistory.length = 0;
    this.violations = [];
    for (const l of this.listeners) {
      l.trace?.(this.info, [], true);
      l.violations?.([]);
    }
    this.request();
  }

  private addTrace(events: TraceEvent[]): void {
    if (!this.info || this.info.state === 'file') return;
    this.trace.push(...events);
    if (this.trace.length > MAX_TRACE) this.trace.splice(0, this.trace.length - MAX_TRACE);
    for (const e of events) if (e.type === 'status') this.statusHistory.push(e);
    const vs = events.filter((e) => e.type === 'violation');
    if (vs.length) this.violations = [...this.violations, ...vs.map((e) => violationDto(e))];
    for (const l of this.listeners) {
      l.trace?.(this.info, events, false);
      if (vs.length) l.violations?.(this.violations);
    }
  }

  private stateChanged(body: StateChangedEventBody): void {
    if (body.reason === 'stopped') {
      this.request();
      return;
    }
    // While running: throttled, and only when a panel shows snapshots.
    if (this.timer) return;
    const wait = Math.max(0, RUNNING_THROTTLE_MS - (Date.now() - this.lastFetch));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.request();
    }, wait);
  }

  private wantsSnapshots(): boolean {
    return [...this.listeners].some((l) => l.snapshot);
  }

  /** Fetches a snapshot; at most one request at a time, changes meanwhile cause exactly one more. */
  private async request(): Promise<void> {
    const s = this.session;
    if (!s || !this.wantsSnapshots()) return;
    if (this.inFlight) {
      this.dirty = true;
      return;
    }
    this.inFlight = true;
    try {
      do {
        this.dirty = false;
        this.lastFetch = Date.now();
        let snap: SessionSnapshot;
        try {
          // The first request also brings the trace so far (status history, timeline of a late panel).
          const first = this.snapshot === undefined;
          snap = (await s.customRequest(SNAPSHOT_REQUEST, { ...SNAPSHOT_ARGS, ...(first ? { traceEvents: 20_000 } : {}) })) as SessionSnapshot;
          if (first && snap.trace?.length && !this.trace.length) this.addTrace(snap.trace);
        } catch {
          continue; // not launched yet, or gone: the next state event brings a new chance
        }
        if (s !== this.session) return;
        const { trace: _trace, ...rest } = snap;
        this.snapshot = rest;
        if (snap.violations.length !== this.violations.length) {
          this.violations = snap.violations.map((v) => violationDto(v));
          for (const l of this.listeners) l.violations?.(this.violations);
        }
        for (const l of this.listeners) l.snapshot?.(this.info!, rest, this.statusHistory);
      } while (this.dirty);
    } finally {
      this.inFlight = false;
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
    this.listeners.clear();
  }
}
