/**
 * The webview side of VS Code's messaging: typed postMessage / state, and the extension's messages as
 * events. `acquireVsCodeApi` is provided by VS Code (or by the test host page).
 */
import { type FromPanelMessage, type PanelState, type ToPanelMessage } from '../../protocol/webview';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

let api: VsCodeApi | undefined;
function vscode(): VsCodeApi {
  api ??= acquireVsCodeApi();
  return api;
}

export function post(message: FromPanelMessage): void {
  vscode().postMessage(message);
}

export function loadState<S extends PanelState>(kind: S['kind']): S | undefined {
  const s = vscode().getState() as PanelState | undefined;
  return s && s.kind === kind ? (s as S) : undefined;
}

export function saveState(state: PanelState): void {
  vscode().setState(state);
}

/** Calls `handler` for every message from the extension; ignores anything that is not one of ours. */
export function onMessage(handler: (m: ToPanelMessage) => void): void {
  window.addEventListener('message', (e: MessageEvent) => {
    const m = e.data as { type?: unknown } | null;
    if (m && typeof m === 'object' && typeof m.type === 'string') handler(m as ToPanelMessage);
  });
}
