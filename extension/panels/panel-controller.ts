/**
 * One webview panel (ring, device or timeline): creates or adopts the VS Code panel, loads the page with
 * its CSP and nonce, pushes the feed's data on `ready` and whenever it changes, and turns the panel's
 * messages into actions.
 */
import * as vscode from 'vscode';
import { type SessionSnapshot } from '../../protocol/snapshot';
import { type FromPanelMessage, type PanelKind, type SessionInfo, type ToPanelMessage } from '../../protocol/webview';
import { bundleName, newNonce, panelHtml } from './panel-html';
import { ringsMessage } from './ring-patch';
import { type FeedListener, type SessionFeed } from './session-feed';

export const PANEL_TITLES: Record<PanelKind, string> = { rings: 'Virtio Rings', device: 'Virtio Device', timeline: 'Virtio Timeline' };

export interface PanelActions {
  openRing(device: string, queue: string, index?: number): void;
  openTrace(): void;
  editConfig(device: string, field: string, value: string): Promise<string>;
}

export class PanelController implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private queued: ToPanelMessage[] = [];
  /** Ring panel: the number of the last `rings` message and the snapshot it carried (what the page holds). */
  private ringsSeq = 0;
  private ringsSent: { seq: number; snapshot: SessionSnapshot } | undefined;
  readonly disposed: Promise<void>;

  constructor(
    readonly kind: PanelKind,
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly feed: SessionFeed,
    private readonly actions: PanelActions,
  ) {
    const root = vscode.Uri.joinPath(extensionUri, 'dist', 'webviews');
    panel.webview.options = { enableScripts: true, localResourceRoots: [root] };
    panel.webview.html = panelHtml({
      kind,
      title: PANEL_TITLES[kind],
      cspSource: panel.webview.cspSource,
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(root, bundleName(kind))).toString(),
      codiconUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(root, 'codicon.css')).toString(),
      nonce: newNonce(),
    });
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: FromPanelMessage) => this.onMessage(m)),
      feed.subscribe(this.listener()),
    );
    this.disposed = new Promise((resolve) => this.disposables.push(panel.onDidDispose(() => (this.dispose(), resolve()))));
  }

  private listener(): FeedListener {
    const l: FeedListener = { ended: (name) => this.send({ type: 'sessionEnded', name }) };
    if (this.kind === 'rings') l.snapshot = (session, snapshot) => this.sendRings(session, snapshot);
    else if (this.kind === 'device') l.snapshot = (session, snapshot, statusHistory) => this.send({ type: 'snapshot', session, snapshot, statusHistory });
    else {
      l.trace = (session, events, replace) => this.send({ type: 'trace', session, events, replace });
      l.violations = (violations) => this.send({ type: 'violations', violations });
    }
    return l;
  }

  /**
   * Ring panel: the snapshot as a delta on what the page holds, or whole (`full`: the page is new, reloaded or
   * out of sync). docs/architecture.md, "The ring panel's deltas".
   */
  private sendRings(session: SessionInfo, snapshot: SessionSnapshot, full = false): void {
    if (!this.ready) return;
    const seq = ++this.ringsSeq;
    const m = ringsMessage(session, snapshot, seq, full ? undefined : this.ringsSent);
    this.ringsSent = { seq, snapshot };
    this.send(m);
  }

  /** Messages wait until the page says it is ready (a hidden panel reloads and asks again). */
  send(m: ToPanelMessage): void {
    if (!this.ready) {
      if (m.type !== 'snapshot' && m.type !== 'rings' && m.type !== 'trace') this.queued.push(m);
      return;
    }
    void this.panel.webview.postMessage(m);
  }

  private pushAll(): void {
    const f = this.feed;
    if (this.kind === 'timeline') {
      if (f.info) this.send({ type: 'trace', session: f.info, events: f.trace, replace: true });
      this.send({ type: 'violations', violations: f.violations });
    } else if (f.info && f.lastSnapshot) {
      if (this.kind === 'rings') this.sendRings(f.info, f.lastSnapshot, true);
      else this.send({ type: 'snapshot', session: f.info, snapshot: f.lastSnapshot, statusHistory: f.statusHistory });
    }
    const q = this.queued;
    this.queued = [];
    for (const m of q) this.send(m);
  }

  private onMessage(m: FromPanelMessage): void {
    switch (m?.type) {
      case 'ready':
        this.ready = true;
        this.pushAll();
        break;
      case 'resync':
        // The page missed a message: the whole state again.
        if (this.kind === 'rings' && this.feed.info && this.feed.lastSnapshot) this.sendRings(this.feed.info, this.feed.lastSnapshot, true);
        break;
      case 'openRing':
        this.actions.openRing(m.device, m.queue, m.index);
        break;
      case 'openTrace':
        this.actions.openTrace();
        break;
      case 'editConfig':
        this.actions.editConfig(m.device, m.field, m.value).then(
          (value) => this.send({ type: 'editResult', device: m.device, field: m.field, ok: true, message: `set to ${value}` }),
          (e: unknown) => this.send({ type: 'editResult', device: m.device, field: m.field, ok: false, message: (e as Error).message }),
        );
        break;
      default:
        break;
    }
  }

  /** Shows the panel where it is, keeping the keyboard focus (and the active editor group) where it was. */
  reveal(): void {
    this.panel.reveal(undefined, true);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
