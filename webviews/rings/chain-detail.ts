/** The selected chain: its descriptors, the decoded payload and a hex dump of every buffer. */
import { LitElement, css, html, nothing } from 'lit';
import { styleMap } from 'lit/directives/style-map.js';
import { type ChainDto, type DecodedFieldDto } from '../../protocol/snapshot';
import { baseStyles, chainColour } from '../shared/styles';
import '../shared/hex-view';

const STATE_TEXT: Record<ChainDto['state'], string> = { available: 'available', inflight: 'in flight', held: 'held by the debugger' };

export class ChainDetail extends LitElement {
  static override properties = { chain: { attribute: false }, layout: {} };
  declare chain: ChainDto | undefined;
  declare layout: string;

  static override styles = [
    baseStyles,
    css`
      :host { padding: 0 12px 12px; overflow: auto; }
      .title { display: flex; align-items: center; gap: 8px; margin: 10px 0 4px; font-weight: 600; }
      .swatch { width: 10px; height: 10px; border-radius: 2px; flex: none; }
      .summary { font-family: var(--mono); margin-bottom: 6px; }
      .layer { margin: 4px 0 8px; }
      .layer-name { font-weight: 600; }
      .fields { margin: 2px 0 0 14px; display: grid; grid-template-columns: max-content 1fr; column-gap: 12px; row-gap: 1px; font-family: var(--mono); font-size: 12px; }
      .fields .k { color: var(--vscode-debugTokenExpression-name, var(--muted)); }
      .buf { margin: 8px 0; }
      .buf-head { font-family: var(--mono); font-size: 12px; margin-bottom: 2px; }
    `,
  ];

  constructor() {
    super();
    this.chain = undefined;
    this.layout = 'split';
  }

  private fields(fs: DecodedFieldDto[]): unknown {
    return fs.map(
      (f) => html`<span class="k">${f.label}</span><span class="v">${f.value}</span>${f.children?.length ? html`<span></span><div class="fields">${this.fields(f.children)}</div>` : nothing}`,
    );
  }

  override render() {
    const c = this.chain;
    if (!c) return html`<div class="empty">Select a chain in the rings to see its descriptors, decoded payload and buffers.</div>`;
    return html`
      <div class="title">
        <span class="swatch" style=${styleMap({ background: chainColour(c.id) })}></span>
        Chain ${c.id} <span class="badge st-${c.state}">${STATE_TEXT[c.state]}</span>
      </div>
      ${c.summary ? html`<div class="summary" data-testid="chain-summary">${c.summary}</div>` : nothing}
      <div class="muted">
        ${this.layout === 'packed' ? `buffer id ${c.id}, first slot ${c.head}` : `head ${c.head}, avail idx ${c.position}`} · ${c.descriptors.length} descriptor${c.descriptors.length === 1 ? '' : 's'} ·
        ${c.readableBytes} B readable, ${c.writableBytes} B writable${c.indirectTable ? html` · indirect table at ${c.indirectTable.addr} (${c.indirectTable.len / 16} entries)` : nothing}
      </div>
      <h2>Descriptors</h2>
      <table class="mono">
        <tr><th>#</th><th>index</th><th>addr</th><th>len</th><th>flags</th></tr>
        ${c.descriptors.map(
          (d, k) => html`<tr><td>${k}</td><td>${d.indirect ? `indirect ${d.index}` : d.index}</td><td>${d.addr}</td><td>${d.len}</td><td>${d.flagNames.join(' | ') || '—'}</td></tr>`,
        )}
      </table>
      ${c.layers?.length
        ? html`<h2>Decoded</h2>
            <div data-testid="decoded">
              ${c.layers.map(
                (l) => html`<div class="layer">
                  <div class="layer-name">${l.protocol}${l.error ? html` <span class="bad">⚠ ${l.error}</span>` : nothing}</div>
                  <div class="fields">${this.fields(l.fields)}</div>
                </div>`,
              )}
            </div>`
        : nothing}
      <h2>Buffers</h2>
      ${c.descriptors.map(
        (d, k) => html`<div class="buf">
          <div class="buf-head">[${k}] ${d.addr}, ${d.len} B, ${d.flagNames.includes('WRITE') ? 'device writes' : 'device reads'}</div>
          ${d.bytes !== undefined ? html`<virtio-hex-view .bytes=${d.bytes} .length=${d.len}></virtio-hex-view>` : html`<div class="muted">not in guest memory</div>`}
        </div>`,
      )}
    `;
  }
}
customElements.define('virtio-chain-detail', ChainDetail);
