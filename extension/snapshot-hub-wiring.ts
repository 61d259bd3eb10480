/**
 * Feeds the SnapshotHub from VS Code's debug events: a `virtio` session that starts, its
 * `virtio/stateChanged` events (a stop fetches at once, the rest is throttled) and its end.
 */
import * as vscode from 'vscode';
import { STATE_CHANGED_EVENT, type StateChangedEventBody } from '../protocol/dap';
import { DEBUG_TYPE } from './adapter-factory';
import { type SnapshotHub } from './snapshot-hub';

export function watchVirtioSessions(hub: SnapshotHub): vscode.Disposable[] {
  const active = vscode.debug.activeDebugSession;
  if (active?.type === DEBUG_TYPE) hub.changed(active, 'running');
  return [
    vscode.debug.onDidStartDebugSession((s) => {
      if (s.type === DEBUG_TYPE) hub.changed(s, 'running');
    }),
    vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
      if (e.session.type !== DEBUG_TYPE || e.event !== STATE_CHANGED_EVENT) return;
      hub.changed(e.session, (e.body as StateChangedEventBody | undefined)?.reason === 'stopped' ? 'stopped' : 'running');
    }),
    vscode.debug.onDidTerminateDebugSession((s) => {
      if (s.type === DEBUG_TYPE) hub.ended(s.id);
    }),
    { dispose: () => hub.dispose() },
  ];
}
