/**
 * The panels of the extension: "Virtio: Show Rings / Show Device / Show Timeline / Open Trace File", one
 * panel of each kind, restored after a window reload by a WebviewPanelSerializer per kind.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { PANEL_KINDS, panelViewType, type PanelKind, type TimelinePanelState } from '../../protocol/webview';
import { setConfigField } from './config-edit';
import { PANEL_TITLES, PanelController, type PanelActions } from './panel-controller';
import { ringTarget } from './ring-target';
import { DEBUG_TYPE } from '../adapter-factory';
import { type SnapshotHub } from '../snapshot-hub';
import { SessionFeed } from './session-feed';
import { parseTraceFile } from './trace-file';

export const PANEL_COMMANDS: Record<string, PanelKind> = {
  'virtio.showRings': 'rings',
  'virtio.showDevice': 'device',
  'virtio.showTimeline': 'timeline',
};

export function registerPanels(context: vscode.ExtensionContext, hub: SnapshotHub): void {
  const feed = new SessionFeed(hub);
  const panels = new Map<PanelKind, PanelController>();

  const adopt = (kind: PanelKind, panel: vscode.WebviewPanel): PanelController => {
    const c = new PanelController(kind, panel, context.extensionUri, feed, actions);
    panels.set(kind, c);
    void c.disposed.then(() => {
      if (panels.get(kind) === c) panels.delete(kind);
    });
    return c;
  };

  const show = (kind: PanelKind): PanelController => {
    const existing = panels.get(kind);
    if (existing) {
      existing.reveal();
      return existing;
    }
    // Beside the editor, without taking the keyboard focus: the editor group stays the active one, so the
    // debugger's next stop opens its queue listing there instead of over the panel (a hidden webview is torn down).
    const panel = vscode.window.createWebviewPanel(panelViewType(kind), PANEL_TITLES[kind], { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: true });
    return adopt(kind, panel);
  };

  const openTraceFile = async (uri?: vscode.Uri): Promise<void> => {
    const target =
      uri ??
      (await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Open Trace', title: 'Open a virtio-debug --trace file', filters: { 'JSON lines': ['jsonl', 'json', 'ndjson', 'log'], 'All files': ['*'] } }))?.[0];
    if (!target) return;
    let text: string;
    try {
      text = target.scheme === 'file' ? await readFile(target.fsPath, 'utf8') : new TextDecoder().decode(await vscode.workspace.fs.readFile(target));
    } catch (e) {
      void vscode.window.showErrorMessage(`Virtio: cannot read ${target.fsPath}: ${(e as Error).message}`);
      return;
    }
    const r = parseTraceFile(text);
    if (!r.events.length) {
      void vscode.window.showErrorMessage(`Virtio: ${basename(target.fsPath)} has no trace events${r.errorCount ? ` (${r.errorCount} bad lines; line ${r.errors[0]!.line}: ${r.errors[0]!.message})` : ''}`);
      return;
    }
    show('timeline');
    feed.loadFile(basename(target.fsPath), target.fsPath, r.events);
    if (r.errorCount) {
      const list = r.errors.map((e) => `line ${e.line}: ${e.message}`).join('; ');
      void vscode.window.showWarningMessage(`Virtio: ${r.errorCount} line(s) of ${basename(target.fsPath)} were skipped (${list}${r.errorCount > r.errors.length ? '; …' : ''})`);
    }
  };

  /** From a context menu: show the queue the row belongs to (see ring-target.ts for what VS Code passes). */
  const revealTarget = async (arg: unknown, rowContext: unknown): Promise<void> => {
    const focused = vscode.debug.activeStackItem;
    const target = ringTarget(arg, focused && focused.session.type === DEBUG_TYPE ? focused.threadId : undefined, rowContext);
    if (!target) return;
    if ('device' in target) {
      actions.openRing(target.device, target.queue);
      return;
    }
    const s = feed.live;
    if (!s) return;
    try {
      const { threads } = (await s.customRequest('threads')) as { threads: { id: number; name: string }[] };
      const name = threads.find((t) => t.id === target.threadId)?.name;
      const dot = name?.indexOf('.') ?? -1;
      if (name && dot > 0) actions.openRing(name.slice(0, dot), name.slice(dot + 1));
    } catch {
      // The session went away meanwhile: the panel shows what it has.
    }
  };

  const actions: PanelActions = {
    openRing: (device, queue, index) => show('rings').send({ type: 'reveal', device, queue, ...(index !== undefined ? { index } : {}) }),
    openTrace: () => void openTraceFile(),
    editConfig: (device, field, value) => {
      const s = feed.live;
      if (!s) return Promise.reject(new Error('no virtio debug session is running'));
      return setConfigField(s, device, field, value);
    },
  };

  context.subscriptions.push(
    feed,
    { dispose: () => panels.forEach((p) => p.dispose()) },
    ...Object.entries(PANEL_COMMANDS).map(([command, kind]) =>
      vscode.commands.registerCommand(command, (arg?: unknown, rowContext?: unknown) => {
        show(kind);
        // From the Call Stack's or Variables' context menu: show that row's queue.
        if (kind === 'rings') void revealTarget(arg, rowContext);
      }),
    ),
    vscode.commands.registerCommand('virtio.openTrace', (uri?: vscode.Uri) => openTraceFile(uri instanceof vscode.Uri ? uri : undefined)),
    ...PANEL_KINDS.map((kind) =>
      vscode.window.registerWebviewPanelSerializer(panelViewType(kind), {
        async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
          adopt(kind, panel);
          // A timeline that showed a trace file shows it again.
          const file = kind === 'timeline' ? (state as TimelinePanelState | undefined)?.file : undefined;
          if (file) await openTraceFile(vscode.Uri.file(file));
        },
      }),
    ),
  );
}
