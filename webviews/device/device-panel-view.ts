/**
 * The device panel: feature bits (offered / accepted / negotiated, section, dependency problems), status
 * bits with their history, the config space as a register table (host-editable fields can be set), and
 * the transport registers including the per-queue ones.
 */
import { LitElement, css, html, nothing } from 'lit';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { type ConfigFieldDto, type DeviceSnapshot, type SessionSnapshot } from '../../protocol/snapshot';
import { type StatusEvent } from '../../protocol/trace';
import { type EditConfigMessage, HOST_EDITABLE_CONFIG, type SessionInfo } from '../../protocol/webview';
import { bytesToHex, clock, hex, specHref } from '../shared/format';
import { picker, pickerStyles } from '../shared/picker';
import { baseStyles } from '../shared/styles';

const STATUS_BITS: [number, string][] = [
  [1, 'ACKNOWLEDGE'],
  [2, 'DRIVER'],
  [8, 'FEATURES_OK'],
  [4, 'DRIVER_OK'],
  [64, 'DEVICE_NEEDS_RESET'],
  [128, 'FAILED'],
];

const tick = (v: boolean) => (v ? html`<span class="ok" aria-label="yes">●</span>` : html`<span class="muted" aria-label="no">○</span>`);

export class DevicePanelView extends LitElement {
  static override properties = {
    snapshot: { attribute: false },
    session: { attribute: false },
    history: { attribute: false },
    device: {},
    results: { attribute: false },
  };
  declare snapshot: SessionSnapshot | undefined;
  declare session: SessionInfo | undefined;
  declare history: StatusEvent[];
  declare device: string | undefined;
  /** Last edit outcome per "device.field". */
  declare results: Record<string, { ok: boolean; message: string }>;

  static override styles = [
    baseStyles,
    pickerStyles,
    css`
      :host { padding: 8px 16px 24px; }
      .bar { display: flex; align-items: center; gap: 12px; margin-bottom: 8px; }
      .grid { display: grid; grid-template-columns: minmax(0, 1.2fr) minmax(0, 1fr); gap: 8px 24px; }
      section { min-width: 0; overflow-x: auto; }
      .mono td, td.mono { font-family: var(--mono); font-size: 12px; }
      .bits { display: flex; gap: 6px; flex-wrap: wrap; margin-bottom: 6px; }
      .bit { padding: 1px 8px; border-radius: 3px; border: 1px solid var(--border); font-size: 12px; }
      .bit.on { background: var(--vscode-badge-background); color: var(--vscode-badge-foreground); border-color: transparent; }
      .absent td { color: var(--muted); }
      .edit { display: flex; gap: 4px; align-items: center; }
      .edit vscode-textfield { width: 110px; }
      .result { font-size: 11px; }
      td.c { text-align: center; }
    `,
  ];

  constructor() {
    super();
    this.snapshot = undefined;
    this.session = undefined;
    this.history = [];
    this.device = undefined;
    this.results = {};
  }

  private current(): DeviceSnapshot | undefined {
    const ds = this.snapshot?.devices ?? [];
    return ds.find((d) => d.id === this.device) ?? ds[0];
  }

  private edit(d: DeviceSnapshot, f: ConfigFieldDto, input: HTMLInputElement | null): void {
    const value = input?.value.trim() ?? '';
    if (!value) return;
    const m: EditConfigMessage = { type: 'editConfig', device: d.id, field: f.name, value };
    this.dispatchEvent(new CustomEvent('edit', { detail: m }));
  }

  private features(d: DeviceSnapshot) {
    return html`<h2>Feature bits <span class="muted">offered ${d.offered} · accepted ${d.driverFeatures} · negotiated ${d.negotiated}</span></h2>
      <table data-testid="features">
        <tr><th>bit</th><th>name</th><th>offered</th><th>accepted</th><th>negotiated</th><th>section</th><th>problems</th></tr>
        ${d.features.map(
          (f) => html`<tr title=${f.meaning ?? ''}>
            <td class="mono">${f.bit}</td>
            <td class="mono">${f.name}</td>
            <td class="c">${tick(f.offered)}</td>
            <td class="c">${tick(f.accepted)}</td>
            <td class="c">${tick(f.negotiated)}</td>
            <td>${f.section ? html`<a href=${specHref(f.section)}>§${f.section}</a>` : ''}</td>
            <td>${f.missing?.length ? html`<span class="bad">needs ${f.missing.join(', ')}</span>` : f.accepted && !f.offered ? html`<span class="bad">accepted but not offered</span>` : ''}</td>
          </tr>`,
        )}
      </table>`;
  }

  private status(d: DeviceSnapshot) {
    const hist = this.history.filter((e) => e.device === d.id);
    return html`<h2>Device status <span class="muted">${hex(d.status)}</span></h2>
      <div class="bits" data-testid="status-bits">
        ${STATUS_BITS.map(([bit, name]) => html`<span class="bit ${d.status & bit ? 'on' : ''}" title=${hex(bit)}>${name}</span>`)}
      </div>
      <table data-testid="status-history">
        <tr><th>time</th><th>by</th><th>status</th></tr>
        ${hist.length
          ? hist.map((e) => html`<tr><td class="mono">${clock(e.time)}</td><td>${e.by}</td><td class="mono">${hex(e.from)} → ${hex(e.to)} ${e.names.join(' | ') || 'reset'}</td></tr>`)
          : html`<tr><td colspan="3" class="muted">no status change seen in this panel's trace yet</td></tr>`}
      </table>`;
  }

  private config(d: DeviceSnapshot) {
    const editable = HOST_EDITABLE_CONFIG[d.type] ?? [];
    return html`<h2>Config space <span class="muted">generation ${d.configGeneration}</span></h2>
      <table data-testid="config">
        <tr><th>offset</th><th>size</th><th>field</th><th>raw bytes</th><th>value</th><th>gated by</th><th></th></tr>
        ${d.config.map((f) => {
          const key = `${d.id}.${f.name}`;
          const r = this.results[key];
          return html`<tr class=${f.present ? '' : 'absent'} data-field=${f.name}>
            <td class="mono">${hex(f.offset, 2)}</td>
            <td class="mono">${f.size}</td>
            <td class="mono">${f.name}${f.section ? html` <a href=${specHref(f.section)} class="muted">§${f.section}</a>` : nothing}</td>
            <td class="mono">${bytesToHex(f.raw, f.size)}</td>
            <td class="mono">${f.present ? f.value : html`${f.value} <span class="muted">(not offered)</span>`}</td>
            <td class="mono">${f.features?.join(', ') ?? ''}</td>
            <td>
              ${editable.includes(f.name)
                ? html`<div class="edit">
                    <vscode-textfield placeholder=${f.name === 'status' ? 'up / down' : 'new value'} aria-label="new ${f.name}"></vscode-textfield>
                    <vscode-button secondary @click=${(e: Event) => this.edit(d, f, (e.target as HTMLElement).parentElement!.querySelector('vscode-textfield') as unknown as HTMLInputElement)}>Set</vscode-button>
                  </div>
                  ${r ? html`<div class="result ${r.ok ? 'ok' : 'bad'}" data-testid="edit-result">${r.message}</div>` : nothing}`
                : nothing}
            </td>
          </tr>`;
        })}
      </table>`;
  }

  private transport(d: DeviceSnapshot) {
    return html`<h2>Transport <span class="muted">${d.transport}</span></h2>
      <table class="mono" data-testid="transport">
        ${d.transportState.map((r) => html`<tr><td>${r.name}</td><td>${r.value}</td></tr>`)}
      </table>
      <h3>Per queue</h3>
      <table data-testid="queue-registers">
        <tr><th>QueueSel</th><th>queue</th><th>QueueNum</th><th>QueueReady</th><th>QueueDesc</th><th>QueueDriver</th><th>QueueDevice</th></tr>
        ${d.queues.map(
          (q) => html`<tr class="mono"><td>${q.index}</td><td>${q.name}</td><td>${q.size} / ${q.maxSize}</td><td>${q.enabled ? 1 : 0}</td><td>${q.desc}</td><td>${q.driver}</td><td>${q.device}</td></tr>`,
        )}
      </table>`;
  }

  override render() {
    const d = this.current();
    if (!d) return html`<div class="empty">No virtio session yet. Start one with F5; the device's features, status and config appear here.</div>`;
    const ended = this.session?.state === 'ended';
    return html`
      <div class="bar">
        ${picker(
          'device',
          'Device',
          (this.snapshot?.devices ?? []).map((x) => ({ value: x.id, label: `${x.id} (virtio-${x.type})` })),
          d.id,
          (id) => {
            this.device = id;
            this.dispatchEvent(new CustomEvent('state', { detail: { kind: 'device', device: this.device } }));
          },
        )}
        <span class="muted">device id ${d.deviceId} · ${d.statusNames.join(' | ') || 'reset'}${ended ? ` · session ${this.session?.name} ended` : ''}</span>
      </div>
      <div class="grid">
        <section>${this.features(d)}</section>
        <section>${this.status(d)} ${this.transport(d)}</section>
      </div>
      <section>${this.config(d)}</section>
    `;
  }
}
customElements.define('virtio-device-panel', DevicePanelView);
