// The ring panel's deltas without a browser: the extension's encoder (extension/panels/ring-patch.ts) and the
// panel's store (webviews/rings/ring-store.ts) on snapshots recorded from the real engine. A state built from a
// full message and deltas must equal the state built from one full message, and "changed since the last stop"
// must be what comparing the two stops' DTOs says.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type DescriptorDto, type QueueSnapshot, type SessionSnapshot } from '../../protocol/snapshot';
import { type SessionInfo } from '../../protocol/webview';
import { ringsMessage } from '../../extension/panels/ring-patch';
import { RingStore } from '../../webviews/rings/ring-store';
import { packedRows, splitRows } from '../../webviews/rings/ring-model';
import { recordings, type Recordings } from './fixtures';

let rec: Recordings;
before(async () => {
  rec = await recordings();
});

const INFO: SessionInfo = { name: 'test', state: 'live' };
const queuesOf = (s: SessionSnapshot): QueueSnapshot[] => s.devices.flatMap((d) => d.queues);

/** Every row of every queue with a ring, as the panel would draw it (`changed` left out, or only `changed`). */
function rows(store: RingStore, part: 'values' | 'changed'): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const q of queuesOf(store.snapshot!)) {
    const r = store.ring(q.thread);
    if (!r) continue;
    const at = r.layout === 'split' ? splitRows(q, r) : packedRows(q, r);
    const list: unknown[] = [];
    for (let i = 0; i < q.size; i++) {
      const row = at(i) as unknown as Record<string, unknown>;
      const cells = Object.fromEntries(Object.entries(row).filter(([k]) => k !== 'i'));
      if (part === 'changed') list.push(Object.entries(cells).filter(([, c]) => (c as { changed: boolean }).changed).map(([k]) => `${i}.${k}`));
      else list.push(JSON.stringify(row, (k, v: unknown) => (k === 'changed' ? undefined : v)));
    }
    out[q.thread] = part === 'changed' ? list.flat() : list;
  }
  return out;
}

/** What changed between two stops, from the DTOs themselves (the oracle). */
function dtoChanges(a: SessionSnapshot, b: SessionSnapshot): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const same = (x: DescriptorDto | undefined, y: DescriptorDto | undefined) => !!x && !!y && x.addr === y.addr && x.len === y.len && x.flags === y.flags && x.next === y.next && x.id === y.id;
  for (const qb of queuesOf(b)) {
    const qa = queuesOf(a).find((q) => q.thread === qb.thread);
    if (!qb.ring || !qa?.ring) continue;
    const list: string[] = [];
    for (let i = 0; i < qb.size; i++) {
      const db = qb.ring.desc[i];
      if (db && !same(qa.ring.desc[i], db)) list.push(`${i}.desc`);
      if (qb.ring.layout === 'split' && qa.ring.layout === 'split') {
        if (i < qb.ring.avail.ring.length && qa.ring.avail.ring[i] !== qb.ring.avail.ring[i]) list.push(`${i}.avail`);
        const ua = qa.ring.used.ring[i];
        const ub = qb.ring.used.ring[i];
        if (ub && (!ua || ua.id !== ub.id || ua.len !== ub.len)) list.push(`${i}.used`);
      }
    }
    out[qb.thread] = list;
  }
  return out;
}

for (const name of ['blkSplit', 'blkPacked', 'net'] as const) {
  test(`${name}: a full state then the delta of a step equals the full state of the step, and highlights what the step changed`, () => {
    const { first, second } = rec[name];
    assert.ok(second, 'the recording has a second stop');
    const viaDelta = new RingStore();
    assert.ok(viaDelta.apply(ringsMessage(INFO, first, 1)));
    const delta = ringsMessage(INFO, second, 2, { seq: 1, snapshot: first });
    assert.equal(delta.base, 1);
    assert.ok(delta.rings.every((p) => !p.reset), 'same-size queues are sent as deltas');
    assert.ok(viaDelta.apply(delta));
    const whole = new RingStore();
    whole.applySnapshot(second);
    assert.deepEqual(rows(viaDelta, 'values'), rows(whole, 'values'));
    const changes = rows(viaDelta, 'changed');
    assert.deepEqual(changes, dtoChanges(first, second));
    // (The net recording's step leaves the rings' memory as it was: the oracle says so too.)
    if (name !== 'net') assert.ok(Object.values(changes).some((l) => l.length > 0), 'the step changed something');
    // The panel fed whole snapshots (the `snapshot` message) highlights the same entries.
    const legacy = new RingStore();
    legacy.applySnapshot(first);
    legacy.applySnapshot(second);
    assert.deepEqual(rows(legacy, 'changed'), changes);
  });
}

test('a delta carries only what changed: a 32768-entry ring is sent in a few KB', () => {
  const s = rec.blkBig.first;
  const adapter = JSON.stringify(s).length;
  const full = JSON.stringify(ringsMessage(INFO, s, 1)).length;
  const stepped = structuredClone(s);
  const ring = stepped.devices[0]!.queues[0]!.ring!;
  assert.equal(ring.layout, 'split');
  if (ring.layout !== 'split') return;
  ring.used.ring[0] = { id: 0, len: 4097 };
  ring.used.idx = 1;
  stepped.version++;
  const delta = ringsMessage(INFO, stepped, 2, { seq: 1, snapshot: s });
  const p = delta.rings[0]!;
  assert.deepEqual(p.used?.slot, [0]);
  assert.deepEqual(p.desc.index, []);
  assert.deepEqual(p.avail?.slot, []);
  assert.ok(full < adapter / 10, `full state ${full} B vs the adapter's ${adapter} B`);
  const store = new RingStore();
  store.apply(ringsMessage(INFO, s, 1));
  store.apply(delta);
  assert.equal(store.ring('blk0.requestq1')?.used.idx, 1);
  assert.equal(store.ring('blk0.requestq1')?.used.len[0], 4097);
});

test('a delta on another message than the last one is refused and changes nothing', () => {
  const { first, second } = rec.blkSplit;
  const store = new RingStore();
  store.apply(ringsMessage(INFO, first, 5));
  const before = rows(store, 'values');
  assert.equal(store.apply(ringsMessage(INFO, second!, 7, { seq: 6, snapshot: first })), false);
  assert.equal(store.seq, 5);
  assert.deepEqual(rows(store, 'values'), before);
  // A whole snapshot leaves no number to build on: every delta is refused until a full state.
  store.applySnapshot(second!);
  assert.equal(store.apply(ringsMessage(INFO, first, 8, { seq: 5, snapshot: second! })), false);
  assert.ok(store.apply(ringsMessage(INFO, first, 9)));
});

test('changes are counted from the previous stop, not from the last running snapshot', () => {
  const { first, second } = rec.blkSplit;
  const store = new RingStore();
  store.apply(ringsMessage(INFO, first, 1));
  // Running: the step's changes show against the stop.
  const running = { ...structuredClone(second!), running: true, version: first.version + 100 };
  store.apply(ringsMessage(INFO, running, 2, { seq: 1, snapshot: first }));
  assert.deepEqual(rows(store, 'changed'), dtoChanges(first, second!));
  // Stopped again where the first stop was: nothing changed since that stop, though the last message differed.
  const back = { ...structuredClone(first), version: first.version + 200 };
  store.apply(ringsMessage(INFO, back, 3, { seq: 2, snapshot: running }));
  assert.deepEqual(Object.values(rows(store, 'changed')).flat(), []);
  // The next stop compares with that one.
  const next = { ...structuredClone(second!), version: first.version + 300 };
  store.apply(ringsMessage(INFO, next, 4, { seq: 3, snapshot: back }));
  assert.deepEqual(rows(store, 'changed'), dtoChanges(first, second!));
});
