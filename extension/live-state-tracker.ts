/**
 * The live state the language server should have, kept in step with the running `virtio` debug sessions:
 * on `changed(session)` it fetches `virtio/snapshot` (no rings) and publishes the session's feature words
 * and status; on `ended(session)` it falls back to another running session or clears the state. No vscode
 * here (live-state-forwarder.ts wires the debug events), so the ordering rules are unit-tested.
 */
import { type CustomRequestSender, type SnapshotArguments, type SnapshotResponseBody, sendCustomRequest, snapshotRequest } from '../protocol/dap';
import { type LiveStateParams } from '../protocol/lsp';
import { liveStateFromSnapshot, NO_LIVE_STATE } from './live-state-params';

/** The part of a vscode.DebugSession the tracker uses. */
export interface SnapshotSource extends CustomRequestSender {
  readonly id: string;
  readonly name: string;
}

interface TrackedSession {
  readonly session: SnapshotSource;
  params?: LiveStateParams;
  /** A snapshot request is on its way; `dirty` asks for one more when it returns. */
  inFlight: boolean;
  dirty: boolean;
}

const SNAPSHOT_ARGS: SnapshotArguments = { rings: false };

export class LiveStateTracker {
  private readonly sessions = new Map<string, TrackedSession>();
  /** The session whose state the server has now (the one that changed last). */
  private current: string | undefined;
  private lastSent = JSON.stringify(NO_LIVE_STATE);

  constructor(private readonly send: (params: LiveStateParams) => PromiseLike<void>) {}

  /**
   * The session started or its state changed: fetch a snapshot and publish it. At most one request per
   * session is on its way; changes meanwhile cause exactly one more (adapters send many state events).
   */
  async changed(session: SnapshotSource): Promise<void> {
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
          snapshot = await sendCustomRequest(session, snapshotRequest, SNAPSHOT_ARGS);
        } catch {
          // Not launched yet, or already gone: the next state event brings a new chance.
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

  /** The session ended: its state goes; another running session's state (or none) takes its place. */
  ended(sessionId: string): void {
    if (!this.sessions.delete(sessionId) || this.current !== sessionId) return;
    const other = [...this.sessions.values()].reverse().find((t) => t.params);
    this.current = other?.session.id;
    this.publish(other?.params ?? NO_LIVE_STATE);
  }

  /** Sends the current state again (the language server restarted and lost it). */
  resend(): void {
    const params = (this.current ? this.sessions.get(this.current)?.params : undefined) ?? NO_LIVE_STATE;
    this.lastSent = '';
    this.publish(params);
  }

  private publish(params: LiveStateParams): void {
    const text = JSON.stringify(params);
    if (text === this.lastSent) return;
    this.lastSent = text;
    // The client may be stopping (window closing): nothing to keep up to date then.
    this.send(params).then(undefined, () => {});
  }
}
