/** Our own hex view of a buffer: offset, 16 bytes, ASCII; decoded field ranges can be highlighted. */
import { LitElement, css, html } from 'lit';

// No decorators: class fields are `declare`d so they do not shadow Lit's reactive accessors.
export class HexView extends LitElement {
  static override properties = { bytes: {}, length: { type: Number }, base: { type: Number } };
  /** Bytes as lowercase hex. */
  declare bytes: string;
  /** Total buffer length (the bytes shown may be a prefix). */
  declare length: number;
  declare base: number;

  constructor() {
    super();
    this.bytes = '';
    this.length = 0;
    this.base = 0;
  }

  static override styles = css`
    :host { display: block; font-family: var(--vscode-editor-font-family, monospace); font-size: 11px; }
    pre { margin: 0; padding: 4px 6px; background: var(--vscode-textCodeBlock-background); border-radius: 3px; overflow-x: auto; line-height: 1.45; }
    .off { color: var(--vscode-descriptionForeground); }
    .asc { color: var(--vscode-descriptionForeground); }
    .more { color: var(--vscode-descriptionForeground); font-style: italic; }
  `;

  override render() {
    const n = Math.floor(this.bytes.length / 2);
    const lines = [];
    for (let at = 0; at < n; at += 16) {
      const row = [];
      let ascii = '';
      for (let i = at; i < at + 16; i++) {
        if (i < n) {
          const b = parseInt(this.bytes.slice(i * 2, i * 2 + 2), 16);
          row.push(this.bytes.slice(i * 2, i * 2 + 2));
          ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
        } else row.push('  ');
      }
      lines.push(html`<span class="off">${(this.base + at).toString(16).padStart(4, '0')}</span>  ${row.slice(0, 8).join(' ')}  ${row.slice(8).join(' ')}  <span class="asc">${ascii}</span>\n`);
    }
    const rest = this.length - n;
    return html`<pre>${lines}${rest > 0 ? html`<span class="more">… ${rest} more byte${rest === 1 ? '' : 's'}</span>` : ''}</pre>`;
  }
}

customElements.define('virtio-hex-view', HexView);
