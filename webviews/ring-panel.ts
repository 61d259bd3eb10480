/** Entry of the ring panel (dist/webviews/ring-panel.js): wires extension messages to the view. */
import { type SessionSnapshot } from '../protocol/snapshot';
import { type RingPanelState } from '../protocol/webview';
import { RingPanelView } from './rings/ring-panel-view';
import { loadState, onMessage, post, saveState } from './shared/vscode-api';

const view = new RingPanelView();
const saved = loadState<RingPanelState>('rings');
view.thread = saved?.thread;
view.chain = saved?.chain;
document.body.append(view);
view.addEventListener('state', (e) => saveState((e as CustomEvent<RingPanelState>).detail));

/** The last stop's snapshot: when the next stop comes, it becomes the baseline for "changed". */
let lastStop: SessionSnapshot | undefined;

onMessage((m) => {
  switch (m.type) {
    case 'snapshot': {
      const s = m.snapshot;
      if (!s.running && (!lastStop || lastStop.version !== s.version)) {
        view.baseline = lastStop;
        lastStop = s;
        // A new stop selects the chain the debugger holds on the stopped queue, unless the user picked one.
        if (s.stop?.thread && (view.thread === undefined || view.thread === s.stop.thread)) {
          const q = s.devices.flatMap((d) => d.queues).find((x) => x.thread === s.stop?.thread);
          const held = q?.chains?.find((c) => c.state === 'held') ?? q?.chains?.[0];
          if (held && !q?.chains?.some((c) => c.id === view.chain)) view.chain = held.id;
        }
      } else if (s.running) view.baseline = lastStop;
      view.session = m.session;
      view.snapshot = s;
      break;
    }
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
