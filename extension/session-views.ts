/**
 * What a `virtio` session shows outside the debug views: the "Virtio Trace" output channel (the adapter's
 * `virtio/trace` events, formatted like the CLI's trace, kept after the session ends) and a status bar item
 * with the session's devices and its violation count (refreshed on `virtio/stateChanged`).
 */
import * as vscode from 'vscode';
import { SNAPSHOT_REQUEST, STATE_CHANGED_EVENT, TRACE_EVENT, type SnapshotArguments, type SnapshotResponseBody, type TraceEventBody } from '../protocol/dap';
import { DEBUG_TYPE } from './adapter-factory';
import { resetHexState } from './device-commands';
import { statusText } from './status-text';
import { TraceLines } from './trace-lines';

export const SHOW_TRACE_COMMAND = 'virtio.showTrace';
export const TRACE_CHANNEL = 'Virtio Trace';

/** Refreshes the status bar from one session's snapshots: one request at a time, one more if changed meanwhile. */
class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('virtio.session', vscode.StatusBarAlignment.Left, 50);
  private session: vscode.DebugSession | undefined;
  private inFlight = false;
  private dirty = false;

  constructor() {
    this.item.name = 'Virtio session';
    this.item.command = SHOW_TRACE_COMMAND;
  }

  async refresh(session: vscode.DebugSession): Promise<void> {
    this.session = session;
    if (this.inFlight) {
      this.dirty = true;
      return;
    }
    this.inFlight = true;
    try {
      do {
        this.dirty = false;
        const args: SnapshotArguments = { rings: false };
        let snapshot: SnapshotResponseBody;
        try {
          snapshot = (await session.customRequest(SNAPSHOT_REQUEST, args)) as SnapshotResponseBody;
        } catch {
          continue; // not launched yet or already gone: the next state event brings another chance
        }
        if (this.session !== session) return;
        const s = statusText(snapshot);
        this.item.text = s.text;
        this.item.tooltip = s.tooltip;
        this.item.backgroundColor = s.warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
        this.item.show();
      } while (this.dirty);
    } finally {
      this.inFlight = false;
    }
  }

  ended(session: vscode.DebugSession): void {
    if (this.session?.id !== session.id) return;
    this.session = undefined;
    this.item.hide();
  }

  dispose(): void {
    this.item.dispose();
  }
}

export function registerSessionViews(): vscode.Disposable[] {
  const channel = vscode.window.createOutputChannel(TRACE_CHANNEL);
  const lines = new TraceLines();
  const status = new StatusBar();
  const append = (text: string[]) => {
    for (const l of text) channel.appendLine(l);
  };
  return [
    channel,
    status,
    vscode.commands.registerCommand(SHOW_TRACE_COMMAND, () => channel.show(true)),
    vscode.debug.onDidStartDebugSession((s) => {
      if (s.type !== DEBUG_TYPE) return;
      resetHexState();
      append(lines.started(s.id, s.name));
      void status.refresh(s);
    }),
    vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
      if (e.session.type !== DEBUG_TYPE) return;
      if (e.event === TRACE_EVENT) append(lines.events(e.session.id, (e.body as TraceEventBody).events));
      else if (e.event === STATE_CHANGED_EVENT) void status.refresh(e.session);
    }),
    vscode.debug.onDidTerminateDebugSession((s) => {
      if (s.type !== DEBUG_TYPE) return;
      append(lines.ended(s.id, s.name));
      status.ended(s);
    }),
  ];
}
