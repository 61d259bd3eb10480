/** Entry of the timeline panel (dist/webviews/timeline-panel.js): wires extension messages to the view. */
import { type OpenRingMessage, type TimelinePanelState } from '../protocol/webview';
import { loadState, onMessage, post, saveState } from './shared/vscode-api';
import { MAX_EVENTS, TimelinePanelView } from './timeline/timeline-panel-view';

const view = new TimelinePanelView();
const saved = loadState<TimelinePanelState>('timeline');
view.selected = saved?.seq;
document.body.append(view);
view.addEventListener('state', (e) =>
  saveState({ ...(view.session?.state === 'file' && view.session.path ? { file: view.session.path } : {}), ...(e as CustomEvent<TimelinePanelState>).detail }),
);
view.addEventListener('open-ring', (e) => post((e as CustomEvent<OpenRingMessage>).detail));
view.addEventListener('open-trace', () => post({ type: 'openTrace' }));

// Events arrive in batches every 100 ms while a session runs: redraw at most once per animation frame.
let pending: typeof view.events | undefined;
onMessage((m) => {
  switch (m.type) {
    case 'trace': {
      const base = m.replace ? [] : (pending ?? view.events);
      const next = base.concat(m.events);
      pending = next.length > MAX_EVENTS ? next.slice(next.length - MAX_EVENTS) : next;
      view.session = m.session;
      // Remember a loaded file (the serializer loads it again after a reload); a live session forgets it.
      saveState({ kind: 'timeline', ...(view.selected !== undefined ? { seq: view.selected } : {}), ...(m.session.state === 'file' && m.session.path ? { file: m.session.path } : {}) });
      requestAnimationFrame(() => {
        if (pending) view.events = pending;
        pending = undefined;
      });
      break;
    }
    case 'violations':
      view.violations = m.violations;
      break;
    case 'sessionEnded':
      if (view.session?.state === 'live') view.session = { name: m.name, state: 'ended' };
      break;
    default:
      break;
  }
});
post({ type: 'ready' });
