/** Entry of the device panel (dist/webviews/device-panel.js): wires extension messages to the view. */
import { type DevicePanelState, type EditConfigMessage } from '../protocol/webview';
import { DevicePanelView } from './device/device-panel-view';
import { loadState, onMessage, post, saveState } from './shared/vscode-api';

const view = new DevicePanelView();
view.device = loadState<DevicePanelState>('device')?.device;
document.body.append(view);
view.addEventListener('state', (e) => saveState((e as CustomEvent<DevicePanelState>).detail));
view.addEventListener('edit', (e) => post((e as CustomEvent<EditConfigMessage>).detail));

onMessage((m) => {
  switch (m.type) {
    case 'snapshot':
      view.session = m.session;
      view.snapshot = m.snapshot;
      if (m.statusHistory) view.history = m.statusHistory;
      break;
    case 'sessionEnded':
      view.session = { name: m.name, state: 'ended' };
      break;
    case 'editResult':
      view.results = { ...view.results, [`${m.device}.${m.field}`]: { ok: m.ok, message: m.message } };
      break;
    default:
      break;
  }
});
post({ type: 'ready' });
