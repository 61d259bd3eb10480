/**
 * Connects the `virtio` debug sessions to the language server's live state (`virtio/liveState`): every
 * snapshot the shared SnapshotHub fetches (session start, stops, throttled state changes) refreshes it, the
 * end of a session clears it.
 */
import type * as vscode from 'vscode';
import { type LiveStateParams } from '../protocol/lsp';
import { LiveStateTracker } from './live-state-tracker';
import { type SnapshotHub } from './snapshot-hub';

export class LiveStateForwarder implements vscode.Disposable {
  private readonly tracker: LiveStateTracker;
  private readonly subscription: { dispose(): void };

  constructor(hub: SnapshotHub, send: (params: LiveStateParams) => Promise<void>) {
    this.tracker = new LiveStateTracker(send);
    this.subscription = hub.subscribe(this.tracker);
  }

  /** Sends the current state again (the language server restarted and lost it). */
  resend(): void {
    this.tracker.resend();
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
