/**
 * The panels' pickers (the ring panel's queue, the device panel's device): a native <select> styled with VS
 * Code's dropdown theme variables. vscode-elements' single-select was used before: on its first render it
 * measures its options (innerText) and its dropdown's scrollable measures itself on `slotchange`, two
 * synchronous layouts of the whole page, ~20 % of the ring panel's first paint with a 32768-entry queue
 * (bench/ring-panel.ts, figure 7). A native select lays out once with the page and is keyboard accessible.
 */
import { css, html, type TemplateResult } from 'lit';

export interface PickerOption {
  value: string;
  label: string;
}

export const pickerStyles = css`
  .picker { position: relative; display: inline-flex; align-items: center; }
  /* VS Code's chevron (the codicon font, loaded by the page) in place of the platform's arrow. */
  .picker::after { content: '\\eab4'; font-family: codicon; font-size: 16px; position: absolute; right: 5px; pointer-events: none; color: var(--vscode-dropdown-foreground); }
  .picker select {
    appearance: none;
    min-width: 290px;
    height: 26px;
    box-sizing: border-box;
    padding: 2px 26px 2px 6px;
    border: 1px solid var(--vscode-dropdown-border, var(--vscode-dropdown-background));
    border-radius: 2px;
    background: var(--vscode-dropdown-background);
    color: var(--vscode-dropdown-foreground);
    font-family: var(--vscode-font-family);
    font-size: var(--vscode-font-size, 13px);
    outline: none;
    cursor: pointer;
  }
  .picker select:focus { border-color: var(--vscode-focusBorder); }
  .picker option { background: var(--vscode-dropdown-listBackground, var(--vscode-dropdown-background)); color: var(--vscode-dropdown-foreground); }
`;

/**
 * A picker showing `value` among `options`; `onPick` gets the value the user chose (only a change by the user
 * fires it, never a new `value` from the panel). `testid` names it for tests (`[data-testid=...]`).
 */
export function picker(testid: string, label: string, options: readonly PickerOption[], value: string, onPick: (value: string) => void): TemplateResult {
  // `.selected` (the property, not the attribute): the attribute no longer moves the selection once the
  // user has picked an option, the property always does.
  return html`<span class="picker"><select
    data-testid=${testid}
    aria-label=${label}
    @change=${(e: Event) => onPick((e.target as HTMLSelectElement).value)}
  >
    ${options.map((o) => html`<option value=${o.value} .selected=${o.value === value}>${o.label}</option>`)}
  </select></span>`;
}
