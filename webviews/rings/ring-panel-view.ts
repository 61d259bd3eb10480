/**
 * The ring panel: a queue picker, the descriptor table, available ring and used ring side by side (split)
 * or the descriptor ring with wrap counters and event suppression (packed), and the selected chain.
 * Only the rows in view exist in the DOM (row-window.ts: rows are 22 px, so no row is measured), so 32768-entry
 * rings stay fast.
 */
import { LitElement, css, html, nothing, type TemplateResult } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { styleMap } from 'lit/directives/style-map.js';
import { type PackedRingDto, type QueueSnapshot, type SessionSnapshot } from '../../protocol/snapshot';
import { type RingPanelState, type SessionInfo } from '../../protocol/webview';
import { picker, pickerStyles } from '../shared/picker';
import { baseStyles } from '../shared/styles';
import { EVENT_FLAGS, type PackedRow, type SplitRow, packedRows, splitRows } from './ring-model';
import { chainAt, packedRow, rowStyles, splitRow } from './ring-rows';
import { type RingColumns, type RingStore } from './ring-store';
import './chain-detail';
import { ROW_HEIGHT_PX, type RowRange, centreOn, rowsToDraw } from './row-window';

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

const LEGEND = [
  ['free', 'free'],
  ['available', 'available'],
  ['inflight', 'in flight'],
  ['held', 'held'],
  ['used', 'used'],
] as const;

/** Row indices first..last-1 (the rows drawn). */
function range(r: RowRange): number[] {
  const a: number[] = [];
  for (let i = r.first; i < r.last; i++) a.push(i);
  return a;
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
      .groups { display: grid; padding: 6px 0 0 8px; font-weight: 600; font-size: 12px; }
      .groups.split { grid-template-columns: 414px 10px 316px 10px 366px; }
      .scroller { flex: 1; min-height: 0; overflow: auto; contain: strict; }
      .sizer { position: relative; }
    `,
    rowStyles,
  ];

  /** The rows drawn, the scroller's offset and height as last seen (undefined: not laid out yet). */
  private drawn: RowRange | undefined = undefined;
  private rowScroll = 0;
  private rowViewport: number | undefined = undefined;
  /** The queue the rows were drawn for (another one starts at its top), and its rows' maker (for clicks). */
  private drawnThread: string | undefined = undefined;
  private scrollToTop = false;
  private rowAt: ((i: number) => SplitRow | PackedRow) | undefined = undefined;
  private observed: Element | undefined = undefined;
  private readonly resizes = new ResizeObserver((entries) => {
    const h = entries[entries.length - 1]?.contentRect.height;
    if (h === undefined || h === this.rowViewport) return;
    this.rowViewport = h;
    this.redrawIfMoved();
  });

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
    const s = this.renderRoot.querySelector<HTMLElement>('.scroller');
    if (s !== this.observed) {
      // The scroller's height is known after the first frame's layout; until then the window's is assumed.
      if (this.observed) this.resizes.unobserve(this.observed);
      if (s) this.resizes.observe(s);
      this.observed = s ?? undefined;
    }
    if (!s) return;
    if (this.scrollToTop) {
      this.scrollToTop = false;
      if (s.scrollTop !== 0) s.scrollTop = 0;
    }
    if (this.focusIndex !== undefined) {
      // A revealed slot: centre it, and draw its rows now rather than on the scroll event.
      this.rowViewport = s.clientHeight;
      s.scrollTop = centreOn(this.focusIndex, this.rowViewport);
      this.focusIndex = undefined;
      this.rowScroll = s.scrollTop;
      this.redrawIfMoved();
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizes.disconnect();
    this.observed = undefined;
  }

  private count(): number {
    return this.current()?.size ?? 0;
  }

  /** Draws again when the rows in view are no longer all drawn. */
  private redrawIfMoved(): void {
    if (rowsToDraw(this.count(), this.rowScroll, this.rowViewport ?? window.innerHeight, this.drawn) !== this.drawn) this.requestUpdate();
  }

  private readonly onScroll = (e: Event): void => {
    const s = e.currentTarget as HTMLElement;
    this.rowScroll = s.scrollTop;
    this.rowViewport = s.clientHeight;
    this.redrawIfMoved();
  };

  /** One listener for every row: a click on a cell of a chain selects it. */
  private readonly onRowClick = (e: Event): void => {
    if (this.rowAt && e.target instanceof Element) this.select(chainAt(e.target, this.rowAt));
  };

  /**
   * The rows in view of a table of `n` rows, in a scroller as tall as all of them. Before the first layout the
   * scroller's height is not known: the window's (an upper bound) is used, and a smaller one found after the
   * frame redraws nothing (rowsToDraw keeps rows that cover the view).
   */
  private rows<R extends SplitRow | PackedRow>(thread: string, n: number, rowAt: (i: number) => R, draw: (r: R) => TemplateResult): TemplateResult {
    if (thread !== this.drawnThread) {
      if (this.drawnThread !== undefined) this.scrollToTop = true;
      this.drawnThread = thread;
      this.rowScroll = 0;
      this.drawn = undefined;
    }
    const r = (this.drawn = rowsToDraw(n, this.rowScroll, this.rowViewport ?? window.innerHeight, this.drawn));
    this.rowAt = rowAt;
    return html`<div class="scroller" @scroll=${this.onScroll} @click=${this.onRowClick}>
      <div class="sizer" style=${styleMap({ height: `${n * ROW_HEIGHT_PX}px` })}>
        <div style=${styleMap({ transform: `translateY(${r.first * ROW_HEIGHT_PX}px)` })}>${repeat(range(r), (i) => i, (i) => draw(rowAt(i)))}</div>
      </div>
    </div>`;
  }

  private splitTable(q: QueueSnapshot, ring: RingColumns): TemplateResult {
    const chain = this.chain;
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
      ${this.rows(q.thread, q.size, splitRows(q, ring), (r) => splitRow(r, chain))}
    `;
  }

  private packedTable(q: QueueSnapshot, ring: RingColumns): TemplateResult {
    const chain = this.chain;
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
      ${this.rows(q.thread, q.size, packedRows(q, ring), (r) => packedRow(r, chain))}
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
          ${LEGEND.map(([s, label]) => html`<span class="st-${s}">${label}</span>`)}
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
