/**
 * Keeps the language server's live state (`virtio/liveState`) in step with the running `virtio` debug
 * sessions: on session start and on every `virtio/stateChanged` event it fetches `virtio/snapshot`
 * (without rings) and forwards feature words and status; when the session ends, the state is cleared.
 */
import * as vscode from 'vscode';
import { SNAPSHOT_REQUEST, STATE_CHANGED_EVENT, type SnapshotArguments, type SnapshotResponseBody } from '../protocol/dap';
import { type LiveStateParams } from '../protocol/lsp';
import { DEBUG_TYPE } from './adapter-factory';
import { liveStateFromSnapshot, NO_LIVE_STATE } from './live-state-params';

interface TrackedSession {
  readonly session: vscode.DebugSession;
  params?: LiveStateParams;
  /** A snapshot request is on its way; `dirty` asks for one more when it returns. */
  inFlight: boolean;
  dirty: boolean;
}

const SNAPSHOT_ARGS: SnapshotArguments = { rings: false };

export class LiveStateForwarder implements vscode.Disposable {
  private readonly sessions = new Map<string, TrackedSession>();
  /** The session whose state the server has now (the one that changed last). */
  private current: string | undefined;
  private lastSent = JSON.stringify(NO_LIVE_STATE);
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly send: (params: LiveStateParams) => Promise<void>) {
    this.subscriptions = [
      vscode.debug.onDidStartDebugSession((s) => {
        if (s.type === DEBUG_TYPE) void this.refresh(s);
      }),
      vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
        if (e.session.type === DEBUG_TYPE && e.event === STATE_CHANGED_EVENT) void this.refresh(e.session);
      }),
      vscode.debug.onDidTerminateDebugSession((s) => this.forget(s.id)),
    ];
  }

  /** Sends the current state again (the language server restarted and lost it). */
  resend(): void {
    const params = (this.current && this.sessions.get(this.current)?.params) || NO_LIVE_STATE;
    this.lastSent = '';
    this.publish(params);
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
    this.sessions.clear();
  }

  private async refresh(session: vscode.DebugSession): Promise<void> {
    let tracked = this.sessions.get(session.id);
    if (!tracked) {
      tracked = { session, inFlight: false, dirty: false };
      this.sessions.set(session.id, tracked);
    }
    if (tracked.inFlight) {
      tracked.dirty = true;
      return;
    }
    tracked.inFlight = true;
    try {
      do {
        tracked.dirty = false;
        let snapshot: SnapshotResponseBody;
        try {
          snapshot = (await session.customRequest(SNAPSHOT_REQUEST, SNAPSHOT_ARGS)) as SnapshotResponseBody;
        } catch {
          // Not launched yet, or already gone: the next `virtio/stateChanged` brings a new chance.
          continue;
        }
        // A late answer for a session that ended meanwhile must not bring its state back.
        if (this.sessions.get(session.id) !== tracked) return;
        tracked.params = liveStateFromSnapshot(session.name, snapshot);
        this.current = session.id;
        this.publish(tracked.params);
      } while (tracked.dirty);
    } finally {
      tracked.inFlight = false;
    }
  }

  private forget(id: string): void {
    if (!this.sessions.delete(id) || this.current !== id) return;
    // Fall back to another running session's state, or clear it.
    const other = [...this.sessions.values()].reverse().find((t) => t.params);
    this.current = other?.session.id;
    this.publish(other?.params ?? NO_LIVE_STATE);
  }

  private publish(params: LiveStateParams): void {
    const text = JSON.stringify(params);
    if (text === this.lastSent) return;
    this.lastSent = text;
    // The client may be stopping (window closing): nothing to keep up to date then.
    this.send(params).catch(() => {});
  }
}
