/**
 * The ring panel: a queue picker, the descriptor table, available ring and used ring side by side (split)
 * or the descriptor ring with wrap counters and event suppression (packed), and the selected chain.
 * Only the visible rows exist in the DOM (lit-virtualizer), so 32768-entry rings stay fast.
 */
import { LitElement, css, html, nothing, type TemplateResult } from 'lit';
import { styleMap } from 'lit/directives/style-map.js';
import '@lit-labs/virtualizer';
import { type PackedRingDto, type QueueSnapshot, type SessionSnapshot } from '../../protocol/snapshot';
import { type RingPanelState, type SessionInfo } from '../../protocol/webview';
import { picker, pickerStyles } from '../shared/picker';
import { baseStyles, chainColour } from '../shared/styles';
import { type Cell, EVENT_FLAGS, type PackedRow, type SplitRow, packedRows, splitRows } from './ring-model';
import { type RingColumns, type RingStore } from './ring-store';
import './chain-detail';
import { ringRowLayout } from './row-layout';

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

const STATE_LABEL: Record<Cell['state'], string> = { free: 'free', available: 'available', inflight: 'in flight', used: 'used', held: 'held' };

/** The virtualizer's items: row indices (rows are made on demand for the visible ones). */
const indexCache = new Map<number, number[]>();
function indices(n: number): number[] {
  let a = indexCache.get(n);
  if (!a) {
    // A plain loop: Array.from with a mapping function took ~10 ms for 32768 entries in the first paint's profile.
    a = new Array<number>(n);
    for (let i = 0; i < n; i++) a[i] = i;
    indexCache.set(n, a);
  }
  return a;
}

interface VirtualizerElement extends HTMLElement {
  element(index: number): { scrollIntoView(o?: ScrollIntoViewOptions): void } | undefined;
}

export class RingPanelView extends LitElement {
  static override properties = {
    snapshot: { attribute: false },
    store: { attribute: false },
    revision: { type: Number },
    session: { attribute: false },
    thread: {},
    chain: { type: Number },
    focusIndex: { type: Number },
  };
  /** The session's state without the rings (store.snapshot). */
  declare snapshot: SessionSnapshot | undefined;
  /** The rings, patched in place; `revision` changes when they did. */
  declare store: RingStore | undefined;
  declare revision: number;
  declare session: SessionInfo | undefined;
  declare thread: string | undefined;
  declare chain: number | undefined;
  declare focusIndex: number | undefined;

  static override styles = [
    baseStyles,
    pickerStyles,
    css`
      :host { display: flex; flex-direction: column; height: 100vh; box-sizing: border-box; }
      .bar { display: flex; align-items: center; gap: 12px; padding: 8px 12px; border-bottom: 1px solid var(--border); flex-wrap: wrap; }
      .legend { display: flex; gap: 10px; font-size: 11px; margin-left: auto; }
      .legend span::before { content: '■ '; }
      .main { display: flex; flex: 1; min-height: 0; }
      .rings { flex: 1 1 auto; display: flex; flex-direction: column; min-width: 0; border-right: 1px solid var(--border); overflow-x: auto; }
      .detail { flex: 0 0 490px; overflow: auto; }
      .stop { padding: 6px 12px; }
      .packed-info { display: grid; grid-template-columns: repeat(4, max-content); gap: 2px 18px; padding: 6px 12px; font-size: 12px; border-bottom: 1px solid var(--border); }
      .packed-info b { font-weight: 600; }
      .head, .row { display: grid; align-items: center; font-family: var(--mono); font-size: 12px; }
      .split { grid-template-columns: 48px 110px 50px 92px 44px 70px 10px 48px 48px 70px 150px 10px 48px 48px 44px 56px 170px; min-width: 1110px; }
      .packed { grid-template-columns: 52px 118px 58px 130px 44px 52px 52px 84px 1fr; }
      .head { color: var(--muted); border-bottom: 1px solid var(--border); padding: 2px 0 2px 8px; font-family: var(--vscode-font-family); font-size: 11px; }
      .groups { display: grid; padding: 6px 0 0 8px; font-weight: 600; font-size: 12px; }
      .groups.split { grid-template-columns: 414px 10px 316px 10px 366px; }
      lit-virtualizer { flex: 1; min-height: 0; overflow: auto; }
      .row { width: 100%; height: var(--row-h); padding-left: 8px; box-sizing: border-box; cursor: default; }
      .row > span { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; padding-right: 4px; }
      .c { border-left: 3px solid transparent; padding-left: 4px; }
      .sel { background: var(--vscode-list-inactiveSelectionBackground); }
      .gap { width: 12px; }
      .idx { color: var(--muted); }
      .st { font-family: var(--vscode-font-family); font-size: 11px; }
      .marker { font-family: var(--vscode-font-family); font-size: 10px; padding: 0 4px; border-radius: 3px; background: var(--vscode-badge-background); color: var(--vscode-badge-foreground); margin-left: 2px; }
      .row:hover { background: var(--vscode-list-hoverBackground); }
      .clickable { cursor: pointer; }
      .markers { overflow: visible !important; }
    `,
  ];

  constructor() {
    super();
    this.snapshot = undefined;
    this.store = undefined;
    this.revision = 0;
    this.session = undefined;
    this.thread = undefined;
    this.chain = undefined;
    this.focusIndex = undefined;
  }

  private queues(): QueueSnapshot[] {
    return this.snapshot?.devices.flatMap((d) => d.queues) ?? [];
  }

  private current(): QueueSnapshot | undefined {
    const qs = this.queues();
    return qs.find((q) => q.thread === this.thread) ?? qs.find((q) => q.thread === this.snapshot?.stop?.thread) ?? qs.find((q) => q.enabled) ?? qs[0];
  }

  private select(chain: number | undefined): void {
    if (chain === undefined) return;
    this.chain = chain;
    this.emitState();
  }

  private emitState(): void {
    const state: RingPanelState = { kind: 'rings', ...(this.thread ? { thread: this.thread } : {}), ...(this.chain !== undefined ? { chain: this.chain } : {}) };
    this.dispatchEvent(new CustomEvent('state', { detail: state }));
  }

  /** Lit's render and commit of the panel (the rows the virtualizer draws follow in its own update). */
  protected override update(changed: Map<PropertyKey, unknown>): void {
    performance.mark('rings:render');
    super.update(changed);
    performance.measure('ring panel: render', 'rings:render');
  }

  override updated(): void {
    if (this.focusIndex === undefined) return;
    const v = this.renderRoot.querySelector('lit-virtualizer') as VirtualizerElement | null;
    const i = this.focusIndex;
    this.focusIndex = undefined;
    // The virtualizer lays out asynchronously: scroll once it knows the row.
    requestAnimationFrame(() => v?.element(i)?.scrollIntoView({ block: 'center' }));
  }

  private cellParts(c: Cell | undefined, selected: boolean): { cls: string; style: Record<string, string> } {
    if (!c) return { cls: 'c', style: {} };
    return {
      cls: `c ${c.changed ? 'changed' : ''} ${selected ? 'sel' : ''} ${c.chain !== undefined ? 'clickable' : ''}`,
      // styleMap sets CSSOM properties: allowed by the panels' CSP, unlike style attributes.
      style: c.chain !== undefined && c.state !== 'free' ? { 'border-left-color': chainColour(c.chain) } : {},
    };
  }

  private state(c: Cell | undefined): TemplateResult | typeof nothing {
    return c ? html`<span class="st st-${c.state}">${STATE_LABEL[c.state]}</span>` : nothing;
  }

  private markers(c: Cell | undefined): TemplateResult | typeof nothing {
    return c?.markers.length ? html`<span class="markers" data-col="markers">${c.markers.map((m) => html`<span class="marker">◀ ${m}</span>`)}</span>` : html`<span></span>`;
  }

  private splitRow = (r: SplitRow): TemplateResult => {
    const d = r.desc;
    const a = r.avail;
    const u = r.used;
    const dp = this.cellParts(d, d?.chain !== undefined && d.chain === this.chain);
    const ap = this.cellParts(a, a?.chain !== undefined && a.chain === this.chain);
    const up = this.cellParts(u, u?.chain !== undefined && u.chain === this.chain);
    return html`<div class="row split" data-index=${r.i}>
      <span class="idx ${dp.cls}" style=${styleMap(dp.style)} @click=${() => this.select(d?.chain)}>${r.i}</span>
      <span class=${dp.cls.replace('c ', '')} @click=${() => this.select(d?.chain)}>${d?.addr ?? ''}</span>
      <span>${d?.len ?? ''}</span>
      <span>${d?.flagNames.join('|') || (d ? '—' : '')}</span>
      <span>${d && d.flags & 1 ? d.next : ''}</span>
      <span data-col="desc-state">${this.state(d)}</span>
      <span class="gap"></span>
      <span class="idx ${ap.cls}" style=${styleMap(ap.style)} @click=${() => this.select(a?.chain)}>${r.i}</span>
      <span class=${ap.cls.replace('c ', '')} @click=${() => this.select(a?.chain)}>${a?.value ?? ''}</span>
      <span data-col="avail-state">${this.state(a)}</span>
      ${this.markers(a)}
      <span class="gap"></span>
      <span class="idx ${up.cls}" style=${styleMap(up.style)} @click=${() => this.select(u?.chain)}>${r.i}</span>
      <span class=${up.cls.replace('c ', '')} @click=${() => this.select(u?.chain)}>${u?.id ?? ''}</span>
      <span>${u?.len ?? ''}</span>
      <span data-col="used-state">${this.state(u)}</span>
      ${this.markers(u)}
    </div>`;
  };

  private packedRow = (r: PackedRow): TemplateResult => {
    const d = r.desc;
    const p = this.cellParts(d, d?.chain !== undefined && d.chain === this.chain);
    return html`<div class="row packed" data-index=${r.i} @click=${() => this.select(d?.chain)}>
      <span class="idx ${p.cls}" style=${styleMap(p.style)}>${r.i}</span>
      <span>${d?.addr ?? ''}</span>
      <span>${d?.len ?? ''}</span>
      <span>${d?.flagNames.filter((f) => f !== 'AVAIL' && f !== 'USED').join('|') || (d ? '—' : '')}</span>
      <span>${d?.id ?? ''}</span>
      <span title="AVAIL flag">${d ? (d.avail ? 1 : 0) : ''}</span>
      <span title="USED flag">${d ? (d.used ? 1 : 0) : ''}</span>
      <span data-col="desc-state">${this.state(d)}</span>
      ${this.markers(d)}
    </div>`;
  };

  private splitTable(q: QueueSnapshot, ring: RingColumns): TemplateResult {
    const rowAt = splitRows(q, ring);
    // A new function each state: the virtualizer redraws its visible rows (and only those).
    const renderItem = (i: number) => this.splitRow(rowAt(i));
    return html`
      <div class="groups split">
        <span>Descriptor table</span><span></span>
        <span>Available ring <span class="muted">idx ${ring.avail.idx}, flags ${ring.avail.flags}</span></span><span></span>
        <span>Used ring <span class="muted">idx ${ring.used.idx}, flags ${ring.used.flags}</span></span>
      </div>
      <div class="head split">
        <span>#</span><span>addr</span><span>len</span><span>flags</span><span>next</span><span>state</span><span></span>
        <span>slot</span><span>head</span><span>state</span><span>indices</span><span></span>
        <span>slot</span><span>id</span><span>len</span><span>state</span><span>indices</span>
      </div>
      <lit-virtualizer scroller .layout=${ringRowLayout} .items=${indices(q.size)} .renderItem=${renderItem}></lit-virtualizer>
    `;
  }

  private packedTable(q: QueueSnapshot, ring: RingColumns): TemplateResult {
    const rowAt = packedRows(q, ring);
    const renderItem = (i: number) => this.packedRow(rowAt(i));
    const ev = (e: PackedRingDto['driverEvent']) => `${EVENT_FLAGS[e.flags] ?? e.flags}${e.flags === 2 ? `, offset ${e.offset}, wrap ${e.wrap}` : ''}`;
    return html`
      <div class="packed-info" data-testid="packed-info">
        <span><b>Driver wrap counter</b> ${q.availWrap ? 1 : 0}</span>
        <span><b>Device wrap counter</b> ${q.usedWrap ? 1 : 0}</span>
        <span><b>Driver event</b> ${ev(ring.driverEvent)}</span>
        <span><b>Device event</b> ${ev(ring.deviceEvent)}</span>
        <span class="muted">device next slot ${q.lastAvail}</span>
        <span class="muted">next used slot ${q.usedIdx}</span>
        <span class="muted">§2.8.10: the driver asks for interrupts</span>
        <span class="muted">§2.8.10: the device asks for notifications</span>
      </div>
      <div class="groups"><span>Descriptor ring</span></div>
      <div class="head packed"><span>slot</span><span>addr</span><span>len</span><span>flags</span><span>id</span><span>AVAIL</span><span>USED</span><span>state</span><span></span></div>
      <lit-virtualizer scroller .layout=${ringRowLayout} .items=${indices(q.size)} .renderItem=${renderItem}></lit-virtualizer>
    `;
  }

  private stopBanner(): TemplateResult | typeof nothing {
    const s = this.snapshot;
    if (!s) return nothing;
    const ended = this.session?.state === 'ended';
    if (ended) return html`<div class="banner stop">Session ${this.session?.name} ended: showing its last state.</div>`;
    if (s.running) return html`<div class="banner stop">Running…</div>`;
    const st = s.stop;
    return html`<div class="banner stop ${st?.reason === 'exception' ? 'error' : ''}">Stopped: ${st?.description ?? st?.reason ?? 'paused'}</div>`;
  }

  override render() {
    const q = this.current();
    if (!this.snapshot || !q) return html`<div class="empty">No virtio session yet. Start one with F5 (a <code>virtio</code> launch configuration); its rings appear here when it stops.</div>`;
    const chain = q.chains?.find((c) => c.id === this.chain);
    const ring = this.store?.ring(q.thread);
    return html`
      <div class="bar">
        ${picker(
          'queue',
          'Queue',
          this.queues().map((x) => ({ value: x.thread, label: x.thread })),
          q.thread,
          (thread) => {
            // Only a different queue drops the selected chain.
            if (thread === q.thread) return;
            this.thread = thread;
            this.chain = undefined;
            this.emitState();
          },
        )}
        <span class="muted">${q.layout} · size ${q.size} · ${q.pending} pending · ${q.inflight} in flight · ${plural(q.counters.chains, 'chain')} taken · ${q.counters.used} used${q.eventIdx ? ' · event idx' : ''}</span>
        ${q.broken ? html`<span class="bad">broken: ${q.broken}</span>` : nothing}
        <span class="legend">
          ${(['free', 'available', 'inflight', 'held', 'used'] as const).map((s) => html`<span class="st-${s}">${STATE_LABEL[s]}</span>`)}
          <span class="changed">changed since last stop</span>
        </span>
      </div>
      ${this.stopBanner()}
      <div class="main">
        <div class="rings">
          ${!ring
            ? html`<div class="empty">${q.enabled ? 'The ring is not in guest memory.' : 'This queue is not enabled.'}</div>`
            : ring.layout === 'split'
              ? this.splitTable(q, ring)
              : this.packedTable(q, ring)}
        </div>
        <virtio-chain-detail class="detail" .chain=${chain} .layout=${q.layout}></virtio-chain-detail>
      </div>
    `;
  }
}
customElements.define('virtio-ring-panel', RingPanelView);
