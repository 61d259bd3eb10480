/**
 * The data the panels show, gathered from the active `virtio` debug session: its snapshots (from the shared
 * SnapshotHub: every stop, throttled while it runs; with rings only while a panel wants snapshots), the trace
 * (`virtio/trace`) kept after the session ends, status history and violations. Panels subscribe.
 */
import * as vscode from 'vscode';
import { TRACE_EVENT, type SnapshotArguments, type TraceEventBody } from '../../protocol/dap';
import { type SessionSnapshot } from '../../protocol/snapshot';
import { type StatusEvent, type TraceEvent } from '../../protocol/trace';
import { type SessionInfo, type ViolationDto } from '../../protocol/webview';
import { DEBUG_TYPE } from '../adapter-factory';
import { type SnapshotConsumer, type SnapshotHub, type SnapshotSource } from '../snapshot-hub';
import { violationDto } from './violations';

const MAX_TRACE = 100_000;
const SNAPSHOT_ARGS: SnapshotArguments = { rings: true, maxRingEntries: 32768, chains: 64, bytesLimit: 512 };
/** The first snapshot of a session also brings the trace so far (status history, timeline of a late panel). */
const FIRST_ARGS: SnapshotArguments = { ...SNAPSHOT_ARGS, traceEvents: 20_000 };

export interface FeedListener {
  snapshot?(info: SessionInfo, snapshot: SessionSnapshot, statusHistory: StatusEvent[]): void;
  trace?(info: SessionInfo, events: TraceEvent[], replace: boolean): void;
  violations?(violations: ViolationDto[]): void;
  ended?(name: string): void;
}

export class SessionFeed implements vscode.Disposable, SnapshotConsumer {
  private session: vscode.DebugSession | undefined;
  info: SessionInfo | undefined;
  lastSnapshot: SessionSnapshot | undefined;
  trace: TraceEvent[] = [];
  readonly statusHistory: StatusEvent[] = [];
  violations: ViolationDto[] = [];
  private readonly listeners = new Set<FeedListener>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly hub: SnapshotHub) {
    this.disposables.push(
      hub.subscribe(this),
      vscode.debug.onDidStartDebugSession((s) => {
        if (s.type === DEBUG_TYPE) this.adopt(s);
      }),
      vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
        if (e.session.type !== DEBUG_TYPE) return;
        if (e.session !== this.session) this.adopt(e.session);
        if (e.event === TRACE_EVENT) this.addTrace((e.body as TraceEventBody).events ?? []);
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
    if (l.snapshot && this.session) void this.hub.refresh(this.session);
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
    this.lastSnapshot = undefined;
    this.trace = [];
    this.statusHistory.length = 0;
    this.violations = [];
    for (const l of this.listeners) {
      l.trace?.(this.info, [], true);
      l.violations?.([]);
    }
    void this.hub.refresh(s);
  }

  private addTrace(events: TraceEvent[]): void {
    if (!this.info || this.info.state === 'file') return;
    this.trace.push(...events);
    if (this.trace.length > MAX_TRACE) this.trace.splice(0, this.trace.length - MAX_TRACE);
    for (const e of events) if (e.type === 'status') this.statusHistory.push(e);
    const vs = events.filter((e) => e.type === 'violation');
    if (vs.length) this.violations = [...this.violations, ...vs.map((e) => violationDto(e))];
    // Repeats the trace counted: the last listed one of the rule and queue shows the count.
    let counted = false;
    for (const e of events) {
      if (e.type !== 'violation-summary') continue;
      let i = this.violations.length - 1;
      while (i >= 0 && !(this.violations[i]!.device === e.device && this.violations[i]!.rule === e.rule && this.violations[i]!.queue === e.queueName)) i--;
      if (i >= 0) this.violations[i] = { ...this.violations[i]!, total: e.total };
      counted ||= i >= 0;
    }
    if (counted) this.violations = [...this.violations];
    for (const l of this.listeners) {
      l.trace?.(this.info, events, false);
      if (vs.length || counted) l.violations?.(this.violations);
    }
  }

  private wantsSnapshots(): boolean {
    return [...this.listeners].some((l) => l.snapshot);
  }

  /** Rings, chains and buffers of the followed session while a panel shows snapshots; otherwise nothing. */
  wants(session: SnapshotSource): SnapshotArguments | undefined {
    if (session.id !== this.session?.id || !this.wantsSnapshots()) return undefined;
    return this.lastSnapshot === undefined ? FIRST_ARGS : SNAPSHOT_ARGS;
  }

  snapshot(session: SnapshotSource, snap: SessionSnapshot, args: SnapshotArguments): void {
    // Snapshots without rings (another consumer asked alone) or of another session are not for the panels.
    if (session.id !== this.session?.id || args.rings === false) return;
    if (args.traceEvents && snap.trace?.length && !this.trace.length) this.addTrace(snap.trace);
    const { trace: _trace, ...rest } = snap;
    this.lastSnapshot = rest;
    const counts = (xs: readonly { total?: number }[]) => xs.reduce((n, v) => n + (v.total ?? 1), 0);
    if (snap.violations.length !== this.violations.length || counts(snap.violations) !== counts(this.violations)) {
      this.violations = snap.violations.map((v) => violationDto(v));
      for (const l of this.listeners) l.violations?.(this.violations);
    }
    for (const l of this.listeners) l.snapshot?.(this.info!, rest, this.statusHistory);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.listeners.clear();
  }
}
