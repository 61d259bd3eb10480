/**
 * The timeline panel: every event per queue over time (click a point to see it), queue depth and
 * throughput (uPlot), the selected event, and the violations view. Keeps its data when the session ends;
 * a --trace JSON-lines file can be loaded instead.
 */
import { LitElement, css, html, nothing, unsafeCSS, type PropertyValues } from 'lit';
import uPlot from 'uplot';
import uplotCss from 'uplot/dist/uPlot.min.css';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { type TraceEvent } from '../../protocol/trace';
import { type SessionInfo, type ViolationDto } from '../../protocol/webview';
import { clock, time } from '../shared/format';
import { baseStyles, CHAIN_COLOURS } from '../shared/styles';
import { KINDS, depthData, describe, laneData, laneOf, throughputData, type LaneData } from './timeline-model';
import './violations-view';

/** Most events kept (oldest dropped first): bounded memory for long sessions. */
export const MAX_EVENTS = 100_000;

export class TimelinePanelView extends LitElement {
  static override properties = {
    events: { attribute: false },
    violations: { attribute: false },
    session: { attribute: false },
    selected: { type: Number },
  };
  declare events: TraceEvent[];
  declare violations: ViolationDto[];
  declare session: SessionInfo | undefined;
  /** seq of the selected event. */
  declare selected: number | undefined;

  /** The lanes plot (tests find a point's pixel through it). */
  lanesPlot: uPlot | undefined;
  private plots: uPlot[] = [];
  private lanes: LaneData | undefined;

  static override styles = [
    baseStyles,
    unsafeCSS(uplotCss),
    css`
      :host { padding: 8px 16px 24px; }
      .bar { display: flex; align-items: center; gap: 12px; margin-bottom: 4px; }
      .bar .src { font-weight: 600; }
      .spacer { flex: 1; }
      .plots { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 24px; }
      .lanes { grid-column: 1 / 3; }
      .detail { font-family: var(--mono); font-size: 12px; padding: 6px 10px; background: var(--vscode-textBlockQuote-background); border-radius: 3px; min-height: 20px; }
      .detail .k { color: var(--muted); }
      .u-legend { font-size: 11px; color: var(--vscode-foreground); }
      .u-legend .u-marker { border-radius: 50%; }
      .u-select { background: var(--vscode-editor-selectionBackground, #264f7855); }
      .lanes .u-over { cursor: pointer; }
    `,
  ];

  constructor() {
    super();
    this.events = [];
    this.violations = [];
    this.session = undefined;
    this.selected = undefined;
  }

  private colour(variable: string): string {
    return getComputedStyle(this).getPropertyValue(variable).trim() || '#888';
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    for (const p of this.plots) p.destroy();
    this.plots = [];
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('events')) this.drawPlots();
  }

  private drawPlots(): void {
    for (const p of this.plots) p.destroy();
    this.plots = [];
    this.lanesPlot = undefined;
    const root = this.renderRoot as ShadowRoot;
    const lanesEl = root.querySelector<HTMLElement>('#lanes');
    const depthEl = root.querySelector<HTMLElement>('#depth');
    const tputEl = root.querySelector<HTMLElement>('#throughput');
    if (!lanesEl || !depthEl || !tputEl || !this.events.length) return;
    const fg = this.colour('--vscode-foreground');
    const grid = this.colour('--vscode-panel-border');
    const axis = (label?: string, values?: uPlot.Axis['values']): uPlot.Axis => ({ stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, ...(label ? { label } : {}), ...(values ? { values } : {}) });
    const width = Math.max(400, lanesEl.clientWidth || 1000);

    const ld = laneData(this.events);
    this.lanes = ld;
    const lanes = ld.lanes;
    this.lanesPlot = new uPlot(
      {
        width,
        height: Math.max(140, 44 + lanes.length * 30),
        scales: { x: { time: false }, y: { range: [-0.5, lanes.length - 0.5] } },
        cursor: { y: false, points: { show: false }, drag: { x: true, y: false } },
        legend: { live: false },
        axes: [axis('seconds'), { ...axis(), size: 130, splits: () => lanes.map((_, i) => i), values: () => lanes }],
        series: [
          {},
          ...KINDS.map((k) => ({ label: k.label, stroke: this.colour(k.theme), fill: this.colour(k.theme), paths: () => null, points: { show: true, size: 7, space: 0, width: 1 } })),
        ],
        hooks: { ready: [(u) => u.over.addEventListener('click', () => this.pick(u))] },
      },
      ld.columns as uPlot.AlignedData,
      lanesEl,
    );
    this.plots.push(this.lanesPlot);

    const series = (queues: string[]) => [{}, ...queues.map((q, i) => ({ label: q, stroke: this.colour(CHAIN_COLOURS[i % CHAIN_COLOURS.length]!), width: 1.5 }))];
    const depth = depthData(this.events, ld.origin);
    const half = Math.max(300, (width - 24) / 2);
    this.plots.push(
      new uPlot(
        { width: half, height: 180, scales: { x: { time: false } }, legend: { live: false }, axes: [axis('seconds'), axis('chains in flight')], series: series(depth.queues).map((s, i) => (i ? { ...s, paths: uPlot.paths.stepped!({ align: 1 }) } : s)) },
        depth.columns as uPlot.AlignedData,
        depthEl,
      ),
    );
    const tput = throughputData(this.events, ld.origin);
    const kib = (v: number) => (v >= 1048576 ? `${(v / 1048576).toFixed(1)} MiB/s` : `${(v / 1024).toFixed(0)} KiB/s`);
    this.plots.push(
      new uPlot(
        { width: half, height: 180, scales: { x: { time: false } }, legend: { live: false }, axes: [axis('seconds'), { ...axis(), size: 80, values: (_u, vs) => vs.map(kib) }], series: series(tput.queues) },
        tput.columns as uPlot.AlignedData,
        tputEl,
      ),
    );
  }

  /** A click on the lanes: the event nearest the cursor (by time, on the lane under the cursor if any). */
  private pick(u: uPlot): void {
    const ld = this.lanes;
    const left = u.cursor.left ?? -1;
    const top = u.cursor.top ?? -1;
    if (!ld || left < 0) return;
    const t = u.posToVal(left, 'x');
    const lane = Math.round(u.posToVal(top, 'y'));
    let best: TraceEvent | undefined;
    let bestD = Infinity;
    const pxPerS = u.bbox.width / devicePixelRatio / Math.max(1e-9, (u.scales.x.max ?? 1) - (u.scales.x.min ?? 0));
    ld.events.forEach((e, i) => {
      const dx = Math.abs((ld.columns[0]![i] as number) - t) * pxPerS;
      const dy = ld.lanes[lane] === laneOf(e) ? 0 : 40;
      if (dx + dy < bestD) {
        bestD = dx + dy;
        best = e;
      }
    });
    if (best) this.select(best.seq);
  }

  private select(seq: number): void {
    this.selected = seq;
    this.dispatchEvent(new CustomEvent('state', { detail: { kind: 'timeline', seq } }));
  }

  private detail() {
    const e = this.events.find((x) => x.seq === this.selected);
    if (!e) return html`<div class="detail muted" data-testid="event-detail">Click a point to see that event.</div>`;
    const origin = this.lanes?.origin ?? e.time;
    const fields = Object.entries(e).filter(([k]) => !['seq', 'time', 'device', 'type'].includes(k));
    return html`<div class="detail" data-testid="event-detail">
      <div><b>${e.type}</b> ${laneOf(e)} · ${clock(e.time)} (${time(e.time, origin)}) · #${e.seq}</div>
      <div>${describe(e)}</div>
      <div>${fields.map(([k, v]) => html`<span class="k">${k}</span> ${typeof v === 'object' ? JSON.stringify(v) : String(v)}&nbsp;&nbsp; `)}</div>
    </div>`;
  }

  override render() {
    const s = this.session;
    const src = !s ? 'no session yet' : s.state === 'file' ? `trace file ${s.name}` : s.state === 'ended' ? `${s.name} (ended)` : s.name;
    return html`
      <div class="bar">
        <span class="src" data-testid="source">${src}</span>
        <span class="muted">${this.events.length} events${this.events.length >= MAX_EVENTS ? ' (oldest dropped)' : ''} · ${this.violations.length} violation${this.violations.length === 1 ? '' : 's'}</span>
        <span class="spacer"></span>
        <vscode-button secondary @click=${() => this.dispatchEvent(new CustomEvent('open-trace'))}>Open Trace File…</vscode-button>
      </div>
      ${this.events.length
        ? html`<h2>Events per queue</h2>
            <div class="plots">
              <div id="lanes" class="lanes"></div>
              <div><h2>Queue depth</h2><div id="depth"></div></div>
              <div><h2>Throughput</h2><div id="throughput"></div></div>
            </div>
            <h2>Selected event</h2>
            ${this.detail()}`
        : html`<div class="empty">No events yet: start a virtio debug session, or open a trace file written with <code>--trace</code>.</div>`}
      <h2>Violations</h2>
      ${this.violations.length || this.events.length ? html`<virtio-violations .violations=${this.violations}></virtio-violations>` : nothing}
    `;
  }
}
customElements.define('virtio-timeline-panel', TimelinePanelView);
