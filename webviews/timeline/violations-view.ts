/** The violations view (a section of the timeline panel): rule, section, explanation, fix, and a link to the ring. */
import { LitElement, css, html, nothing } from 'lit';
import { type OpenRingMessage, type ViolationDto } from '../../protocol/webview';
import { clock, specHref } from '../shared/format';
import { baseStyles } from '../shared/styles';

export class ViolationsView extends LitElement {
  static override properties = { violations: { attribute: false } };
  declare violations: ViolationDto[];

  static override styles = [
    baseStyles,
    css`
      .v { border-left: 3px solid var(--vscode-editorError-foreground); padding: 6px 10px; margin: 6px 0; background: var(--vscode-textBlockQuote-background); }
      .v.warning { border-left-color: var(--vscode-editorWarning-foreground); }
      .head { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
      .rule { font-family: var(--mono); font-weight: 600; }
      .where { font-family: var(--mono); font-size: 12px; }
      .k { color: var(--muted); font-weight: 600; margin-right: 4px; }
      p { margin: 3px 0; }
    `,
  ];

  constructor() {
    super();
    this.violations = [];
  }

  private open(v: ViolationDto): void {
    if (!v.queue) return;
    const m: OpenRingMessage = { type: 'openRing', device: v.device, queue: v.queue, ...(v.index !== undefined ? { index: v.index } : {}) };
    this.dispatchEvent(new CustomEvent('open-ring', { detail: m, bubbles: true, composed: true }));
  }

  override render() {
    if (!this.violations.length) return html`<div class="muted">No spec violation in this session.</div>`;
    return html`${this.violations.map(
      (v) => html`<div class="v ${v.severity}" data-testid="violation" data-rule=${v.rule}>
        <div class="head">
          <span class="rule">${v.rule}</span>
          <a href=${specHref(v.section)}>§${v.section}</a>
          <span class="where">${v.device}${v.queue ? `.${v.queue}` : ''}${v.index !== undefined ? ` [${v.index}]` : ''}</span>
          <span class="muted">${clock(v.time)}</span>
          ${v.total !== undefined ? html`<span data-testid="violation-total">×${v.total.toLocaleString('en-US')} in all</span>` : nothing}
          ${v.queue
            ? html`<a href="#" data-testid="open-ring" @click=${(e: Event) => {
                e.preventDefault();
                this.open(v);
              }}>Show in the ring panel</a>`
            : nothing}
        </div>
        <p>${v.message}</p>
        ${v.text ? html`<p><span class="k">Rule</span>${v.text}</p>` : nothing}
        ${v.explanation ? html`<p><span class="k">Why</span>${v.explanation}</p>` : nothing}
        ${v.fix ? html`<p data-testid="fix"><span class="k">Fix</span>${v.fix}</p>` : nothing}
      </div>`,
    )}`;
  }
}
customElements.define('virtio-violations', ViolationsView);
