/**
 * Entry of the ring panel (dist/webviews/ring-panel.js): wires extension messages to the store and the view.
 * The extension sends a full state (`rings` without `base`) on open, reload and resync, then deltas; a delta on
 * a state this panel does not hold asks for the full state (`resync`). A whole `snapshot` is accepted too.
 */
import { type SessionSnapshot } from '../protocol/snapshot';
import { type RingPanelState } from '../protocol/webview';
import { RingPanelView } from './rings/ring-panel-view';
import { RingStore } from './rings/ring-store';
import { loadState, onMessage, post, saveState } from './shared/vscode-api';

const view = new RingPanelView();
const store = new RingStore();
const saved = loadState<RingPanelState>('rings');
view.thread = saved?.thread;
view.chain = saved?.chain;
view.store = store;
document.body.append(view);
view.addEventListener('state', (e) => saveState((e as CustomEvent<RingPanelState>).detail));

/** A resync was asked for and the full state has not come yet (ask once). */
let resyncing = false;

/** Before the store takes `s`: a new stop selects the chain the debugger holds on the stopped queue, unless the user picked one. */
function followStop(s: SessionSnapshot): void {
  const shown = store.snapshot;
  if (s.running || (shown && !shown.running && shown.version === s.version)) return;
  if (s.stop?.thread && (view.thread === undefined || view.thread === s.stop.thread)) {
    const q = s.devices.flatMap((d) => d.queues).find((x) => x.thread === s.stop?.thread);
    const held = q?.chains?.find((c) => c.state === 'held') ?? q?.chains?.[0];
    if (held && !q?.chains?.some((c) => c.id === view.chain)) view.chain = held.id;
  }
}

function shown(): void {
  view.snapshot = store.snapshot;
  view.revision++;
}

onMessage((m) => {
  switch (m.type) {
    case 'rings': {
      if (m.base !== undefined && m.base !== store.seq) {
        // A delta on a state this panel does not hold (a message was missed, or the panel reloaded).
        if (!resyncing) post({ type: 'resync', ...(store.seq !== undefined ? { have: store.seq } : {}) });
        resyncing = true;
        break;
      }
      followStop(m.snapshot);
      performance.mark('rings:apply');
      store.apply(m);
      performance.measure('ring panel: model', 'rings:apply');
      if (m.base === undefined) resyncing = false;
      view.session = m.session;
      shown();
      break;
    }
    case 'snapshot':
      followStop(m.snapshot);
      store.applySnapshot(m.snapshot);
      view.session = m.session;
      shown();
      break;
    case 'sessionEnded':
      view.session = { name: m.name, state: 'ended' };
      break;
    case 'reveal': {
      view.thread = `${m.device}.${m.queue}`;
      if (m.index === undefined) {
        // Revealing a queue (a context menu): select the chain its stop holds, or its next one.
        const q = view.snapshot?.devices.flatMap((d) => d.queues).find((x) => x.thread === view.thread);
        if (q?.chains?.length && !q.chains.some((c) => c.id === view.chain)) view.chain = (q.chains.find((c) => c.state === 'held') ?? q.chains[0])!.id;
      } else {
        view.focusIndex = m.index;
        const q = view.snapshot?.devices.flatMap((d) => d.queues).find((x) => x.thread === view.thread);
        const c = q?.chains?.find((x) => x.ringSlots.includes(m.index!) || x.descriptors.some((d) => d.index === m.index));
        if (c) view.chain = c.id;
      }
      saveState({ kind: 'rings', thread: view.thread, ...(view.chain !== undefined ? { chain: view.chain } : {}) });
      break;
    }
    default:
      break;
  }
});
post({ type: 'ready' });
