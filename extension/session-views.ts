/**
 * What a `virtio` session shows outside the debug views: the "Virtio Trace" output channel (the adapter's
 * `virtio/trace` events, formatted like the CLI's trace, kept after the session ends) and a status bar item
 * with the session's devices and its violation count (from the shared SnapshotHub: every stop, throttled while
 * running).
 */
import * as vscode from 'vscode';
import { TRACE_EVENT, type SnapshotArguments, type SnapshotResponseBody, type TraceEventBody } from '../protocol/dap';
import { DEBUG_TYPE } from './adapter-factory';
import { resetHexState } from './device-commands';
import { type SnapshotConsumer, type SnapshotHub, type SnapshotSource } from './snapshot-hub';
import { statusText } from './status-text';
import { TraceLines } from './trace-lines';

export const SHOW_TRACE_COMMAND = 'virtio.showTrace';
export const TRACE_CHANNEL = 'Virtio Trace';
/** The status bar needs no rings. */
const STATUS_WANTS: SnapshotArguments = { rings: false };

/** The status bar item: the devices and violation count of the session whose state changed last. */
class StatusBar implements vscode.Disposable, SnapshotConsumer {
  private readonly item = vscode.window.createStatusBarItem('virtio.session', vscode.StatusBarAlignment.Left, 50);
  private sessionId: string | undefined;

  constructor() {
    this.item.name = 'Virtio session';
    this.item.command = SHOW_TRACE_COMMAND;
  }

  wants(): SnapshotArguments {
    return STATUS_WANTS;
  }

  snapshot(session: SnapshotSource, snapshot: SnapshotResponseBody): void {
    this.sessionId = session.id;
    const s = statusText(snapshot);
    this.item.text = s.text;
    this.item.tooltip = s.tooltip;
    this.item.backgroundColor = s.warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.show();
  }

  ended(sessionId: string): void {
    if (this.sessionId !== sessionId) return;
    this.sessionId = undefined;
    this.item.hide();
  }

  dispose(): void {
    this.item.dispose();
  }
}

export function registerSessionViews(hub: SnapshotHub): vscode.Disposable[] {
  const channel = vscode.window.createOutputChannel(TRACE_CHANNEL);
  const lines = new TraceLines();
  const status = new StatusBar();
  const append = (text: string[]) => {
    for (const l of text) channel.appendLine(l);
  };
  return [
    channel,
    status,
    hub.subscribe(status),
    vscode.commands.registerCommand(SHOW_TRACE_COMMAND, () => channel.show(true)),
    vscode.debug.onDidStartDebugSession((s) => {
      if (s.type !== DEBUG_TYPE) return;
      resetHexState();
      append(lines.started(s.id, s.name));
    }),
    vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
      if (e.session.type !== DEBUG_TYPE) return;
      if (e.event === TRACE_EVENT) append(lines.events(e.session.id, (e.body as TraceEventBody).events));
    }),
    vscode.debug.onDidTerminateDebugSession((s) => {
      if (s.type !== DEBUG_TYPE) return;
      append(lines.ended(s.id, s.name));
    }),
  ];
}
