/**
 * The HTML of a panel: a strict Content-Security-Policy (scripts only with this load's nonce, styles and
 * fonts only from the extension's dist/webviews), the codicon stylesheet and the panel's ES module.
 * No vscode here: the Chromium tests load the very same page.
 */
import { randomBytes } from 'node:crypto';
import { type PanelKind } from '../../protocol/webview';

export interface PanelHtmlInput {
  kind: PanelKind;
  title: string;
  /** webview.cspSource (the origin the resources are served from). */
  cspSource: string;
  /** URI of dist/webviews/<kind>-panel.js and of codicon.css, as the webview sees them. */
  scriptUri: string;
  codiconUri: string;
  nonce: string;
  /** Scripts that must run before the panel (the test host's acquireVsCodeApi); they get the nonce. */
  preludeScripts?: string[];
  /** Extra CSS (theme variables in the test host). */
  preludeStyle?: string;
}

export const newNonce = (): string => randomBytes(16).toString('base64');

export const bundleName = (kind: PanelKind): string => `${kind === 'rings' ? 'ring' : kind}-panel.js`;

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export function panelHtml(i: PanelHtmlInput): string {
  // Scripts run only with this load's nonce. Styles: lit-virtualizer and vscode-elements insert <style>
  // elements and style attributes at run time, which a nonce cannot cover, so inline styles are allowed
  // (styles cannot run code; the script policy is what keeps injected markup inert).
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${i.nonce}'`,
    `style-src ${i.cspSource} 'unsafe-inline'`,
    `font-src ${i.cspSource}`,
    `img-src ${i.cspSource} data:`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${esc(i.title)}</title>
<link rel="stylesheet" id="vscode-codicon-stylesheet" href="${esc(i.codiconUri)}">
<style>body { margin: 0; padding: 0; background: var(--vscode-editor-background); }${i.preludeStyle ?? ''}</style>
${(i.preludeScripts ?? []).map((s) => `<script nonce="${i.nonce}">${s}</script>`).join('\n')}
<script type="module" nonce="${i.nonce}" src="${esc(i.scriptUri)}"></script>
</head>
<body></body>
</html>`;
}
