/**
 * The live state the language server should have, kept in step with the running `virtio` debug sessions:
 * every snapshot the SnapshotHub hands over publishes that session's feature words and status; the end of a
 * session falls back to another running session or clears the state. No vscode here (the hub and
 * live-state-forwarder.ts wire the debug events), so the ordering rules are unit-tested.
 */
import { type SnapshotArguments } from '../protocol/dap';
import { type LiveStateParams } from '../protocol/lsp';
import { type SessionSnapshot } from '../protocol/snapshot';
import { liveStateFromSnapshot, NO_LIVE_STATE } from './live-state-params';
import { type SnapshotConsumer, type SnapshotSource } from './snapshot-hub';

const WANTS: SnapshotArguments = { rings: false };

export class LiveStateTracker implements SnapshotConsumer {
  /** Sessions with state, in the order their state last changed. */
  private readonly sessions = new Map<string, LiveStateParams>();
  /** The session whose state the server has now (the one that changed last). */
  private current: string | undefined;
  private lastSent = JSON.stringify(NO_LIVE_STATE);

  constructor(private readonly send: (params: LiveStateParams) => PromiseLike<void>) {}

  /** The live state needs no rings: feature words and status only. */
  wants(): SnapshotArguments {
    return WANTS;
  }

  /** A snapshot of a running session: its state is published. */
  snapshot(session: SnapshotSource, snapshot: SessionSnapshot): void {
    const params = liveStateFromSnapshot(session.name, snapshot);
    this.sessions.delete(session.id);
    this.sessions.set(session.id, params);
    this.current = session.id;
    this.publish(params);
  }

  /** The session ended: its state goes; another running session's state (or none) takes its place. */
  ended(sessionId: string): void {
    if (!this.sessions.delete(sessionId) || this.current !== sessionId) return;
    const other = [...this.sessions.entries()].at(-1);
    this.current = other?.[0];
    this.publish(other?.[1] ?? NO_LIVE_STATE);
  }

  /** Sends the current state again (the language server restarted and lost it). */
  resend(): void {
    const params = (this.current ? this.sessions.get(this.current) : undefined) ?? NO_LIVE_STATE;
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
