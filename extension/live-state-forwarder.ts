/**
 * Connects the `virtio` debug sessions to the language server's live state (`virtio/liveState`): session
 * start and every `virtio/stateChanged` event refresh it, the end of a session clears it.
 */
import * as vscode from 'vscode';
import { STATE_CHANGED_EVENT } from '../protocol/dap';
import { type LiveStateParams } from '../protocol/lsp';
import { DEBUG_TYPE } from './adapter-factory';
import { LiveStateTracker } from './live-state-tracker';

export class LiveStateForwarder implements vscode.Disposable {
  private readonly tracker: LiveStateTracker;
  private readonly subscriptions: vscode.Disposable[];

  constructor(send: (params: LiveStateParams) => Promise<void>) {
    const tracker = new LiveStateTracker(send);
    this.tracker = tracker;
    this.subscriptions = [
      vscode.debug.onDidStartDebugSession((s) => {
        if (s.type === DEBUG_TYPE) void tracker.changed(s);
      }),
      vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
        if (e.session.type === DEBUG_TYPE && e.event === STATE_CHANGED_EVENT) void tracker.changed(e.session);
      }),
      vscode.debug.onDidTerminateDebugSession((s) => tracker.ended(s.id)),
    ];
  }

  /** Sends the current state again (the language server restarted and lost it). */
  resend(): void {
    this.tracker.resend();
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
  }
}
