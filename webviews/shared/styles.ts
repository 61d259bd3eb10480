/** Styles every panel shares: VS Code theme variables only (the webview host injects them). */
import { css } from 'lit';

export const baseStyles = css`
  :host {
    display: block;
    color: var(--vscode-foreground);
    font-family: var(--vscode-font-family);
    font-size: var(--vscode-font-size, 13px);
    --row-h: 22px;
    --mono: var(--vscode-editor-font-family, monospace);
    --border: var(--vscode-panel-border, var(--vscode-widget-border, #8884));
    --muted: var(--vscode-descriptionForeground);
    --st-free: var(--vscode-disabledForeground, var(--vscode-descriptionForeground));
    --st-available: var(--vscode-charts-blue);
    --st-inflight: var(--vscode-charts-orange);
    --st-used: var(--vscode-charts-green);
    --st-held: var(--vscode-charts-red);
    --changed: var(--vscode-diffEditor-insertedTextBackground, #9ccc2c33);
  }
  a { color: var(--vscode-textLink-foreground); text-decoration: none; }
  a:hover { text-decoration: underline; color: var(--vscode-textLink-activeForeground); }
  .mono { font-family: var(--mono); font-size: var(--vscode-editor-font-size, 12px); }
  .muted { color: var(--muted); }
  h2 { font-size: 11px; font-weight: 600; text-transform: uppercase; letter-spacing: 0.04em; margin: 12px 0 6px; color: var(--vscode-sideBarSectionHeader-foreground, var(--vscode-foreground)); }
  h3 { font-size: 12px; font-weight: 600; margin: 10px 0 4px; }
  table { border-collapse: collapse; width: 100%; }
  th { text-align: left; font-weight: 600; color: var(--muted); border-bottom: 1px solid var(--border); padding: 3px 8px; white-space: nowrap; position: sticky; top: 0; background: var(--vscode-editor-background); }
  td { padding: 2px 8px; border-bottom: 1px solid var(--vscode-editorGroup-border, transparent); vertical-align: top; }
  tr:hover td { background: var(--vscode-list-hoverBackground); }
  .badge { display: inline-block; padding: 0 6px; border-radius: 9px; font-size: 11px; line-height: 16px; white-space: nowrap; border: 1px solid currentColor; }
  .st-free { color: var(--st-free); }
  .st-available { color: var(--st-available); }
  .st-inflight { color: var(--st-inflight); }
  .st-used { color: var(--st-used); }
  .st-held { color: var(--st-held); font-weight: 600; }
  .banner { padding: 6px 10px; border-left: 3px solid var(--vscode-editorInfo-foreground, var(--vscode-focusBorder)); background: var(--vscode-textBlockQuote-background); margin-bottom: 8px; }
  .banner.error { border-left-color: var(--vscode-editorError-foreground); }
  .empty { padding: 24px; color: var(--muted); }
  .changed { background: var(--changed); }
  .bad { color: var(--vscode-editorError-foreground); }
  .ok { color: var(--vscode-testing-iconPassed, var(--vscode-charts-green)); }
`;

/** Chain colours: one per chain, the same in all three ring tables (theme chart colours). */
export const CHAIN_COLOURS = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-yellow', '--vscode-charts-red'];
export const chainColour = (key: number): string => `var(${CHAIN_COLOURS[key % CHAIN_COLOURS.length]})`;
