// The extension's snapshot plumbing without VS Code: the shared SnapshotHub (one request per stop, throttled
// while running, the union of what its consumers want, one request at a time, late answers dropped) and the
// live state it feeds to the language server (snapshot → virtio/liveState payload, fallback when a session ends).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type SnapshotArguments } from '../../protocol/dap';
import { type LiveStateParams } from '../../protocol/lsp';
import { type DeviceSnapshot, type SessionSnapshot } from '../../protocol/snapshot';
import { liveStateFromSnapshot } from '../../extension/live-state-params';
import { LiveStateTracker } from '../../extension/live-state-tracker';
import { mergeWants, SnapshotHub, type SnapshotConsumer, type SnapshotSource } from '../../extension/snapshot-hub';

function device(id: string, type: DeviceSnapshot['type'], driverFeatures: string, status: number): DeviceSnapshot {
  return {
    id, type, deviceId: type === 'blk' ? 2 : 1, transport: 'mmio', status, statusNames: [], offered: '0x100008000',
    driverFeatures, negotiated: driverFeatures, features: [], configGeneration: 0, config: [], queues: [], transportState: [],
  };
}

function snapshot(...devices: DeviceSnapshot[]): SessionSnapshot {
  return { version: 1, running: false, devices, violations: [] };
}

/** A debug session whose snapshot answers the test releases one by one. */
class FakeSession implements SnapshotSource {
  readonly requests: { command: string; args: unknown; answer: (s: SessionSnapshot) => void; fail: (e: Error) => void }[] = [];
  constructor(readonly id: string, readonly name: string) {}
  customRequest(command: string, args?: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => this.requests.push({ command, args, answer: resolve, fail: reject }));
  }
}

/** A clock and timer queue the test advances by hand: the throttle is checked without waiting. */
class FakeTime {
  now = 1_000;
  readonly timers: { fn: () => void; at: number; cancelled: boolean }[] = [];
  schedule = (fn: () => void, ms: number) => {
    const t = { fn, at: this.now + ms, cancelled: false };
    this.timers.push(t);
    return { cancel: () => void (t.cancelled = true) };
  };
  pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }
  /** Moves the clock by `ms` and runs the timers due. */
  advance(ms: number): void {
    this.now += ms;
    for (const t of this.timers.splice(0)) {
      if (t.cancelled) continue;
      if (t.at <= this.now) t.fn();
      else this.timers.push(t);
    }
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A consumer that records what it got and wants `args`. */
function consumer(args: SnapshotArguments | undefined): SnapshotConsumer & { got: { session: string; version: number; args: SnapshotArguments }[]; endedIds: string[] } {
  const got: { session: string; version: number; args: SnapshotArguments }[] = [];
  const endedIds: string[] = [];
  return {
    got,
    endedIds,
    wants: () => args,
    snapshot: (s, snap, a) => void got.push({ session: s.id, version: snap.version, args: a }),
    ended: (id) => void endedIds.push(id),
  };
}

const hubWith = (time = new FakeTime()) => ({ time, hub: new SnapshotHub(500, time.schedule, () => time.now) });
const snap = (version: number): SessionSnapshot => ({ ...snapshot(), version });

describe('SnapshotHub', () => {
  test('a stop fetches once for every consumer, asking for the union of what they want', async () => {
    const { hub } = hubWith();
    const panels = consumer({ rings: true, maxRingEntries: 32768, chains: 64, bytesLimit: 512 });
    const status = consumer({ rings: false });
    const live = consumer({ rings: false });
    for (const c of [panels, status, live]) hub.subscribe(c);
    const s = new FakeSession('1', 'S');
    hub.changed(s, 'stopped');
    assert.equal(s.requests.length, 1, 'one request for three consumers');
    assert.equal(s.requests[0]!.command, 'virtio/snapshot');
    assert.deepEqual(s.requests[0]!.args, { rings: true, maxRingEntries: 32768, chains: 64, bytesLimit: 512 });
    s.requests[0]!.answer(snap(7));
    await tick();
    for (const c of [panels, status, live]) assert.deepEqual(c.got.map((g) => g.version), [7]);
  });

  test('without a panel the request asks for no rings; with no consumer wanting anything nothing is asked', async () => {
    const { hub } = hubWith();
    const panels = consumer(undefined);
    hub.subscribe(panels);
    const s = new FakeSession('1', 'S');
    hub.changed(s, 'stopped');
    assert.equal(s.requests.length, 0);
    hub.subscribe(consumer({ rings: false }));
    hub.changed(s, 'stopped');
    assert.deepEqual(s.requests[0]!.args, { rings: false });
  });

  test('changes while a request is on its way cause exactly one more request, whose answer wins', async () => {
    const { hub } = hubWith();
    const c = consumer({ rings: false });
    hub.subscribe(c);
    const s = new FakeSession('1', 'S');
    hub.changed(s, 'stopped');
    for (let i = 0; i < 5; i++) hub.changed(s, 'stopped');
    assert.equal(s.requests.length, 1, 'one request at a time');
    s.requests[0]!.answer(snap(1));
    await tick();
    assert.equal(s.requests.length, 2, 'one more for the changes meanwhile');
    s.requests[1]!.answer(snap(2));
    await tick();
    assert.equal(s.requests.length, 2);
    assert.deepEqual(c.got.map((g) => g.version), [1, 2]);
  });

  test('while running, state changes are throttled to one request per period; a stop does not wait', async () => {
    const { hub, time } = hubWith();
    hub.subscribe(consumer({ rings: true }));
    const s = new FakeSession('1', 'S');
    hub.changed(s, 'running'); // the first one goes at once (nothing fetched yet)
    time.advance(0);
    assert.equal(s.requests.length, 1);
    s.requests[0]!.answer(snap(1));
    await tick();
    time.advance(100);
    for (let i = 0; i < 10; i++) hub.changed(s, 'running');
    assert.equal(time.pending(), 1, 'ten changes, one timer');
    time.advance(399);
    assert.equal(s.requests.length, 1, 'not before the period has passed');
    time.advance(1);
    assert.equal(s.requests.length, 2, 'one request for the ten changes');
    s.requests[1]!.answer(snap(2));
    await tick();
    hub.changed(s, 'running');
    assert.equal(time.pending(), 1);
    hub.changed(s, 'stopped');
    assert.equal(s.requests.length, 3, 'the stop fetched at once');
    assert.equal(time.pending(), 0, 'and cancelled the throttled request');
  });

  test('a failed request hands nothing over; the next change does', async () => {
    const { hub } = hubWith();
    const c = consumer({ rings: false });
    hub.subscribe(c);
    const s = new FakeSession('1', 'S');
    hub.changed(s, 'stopped');
    s.requests[0]!.fail(new Error('no session'));
    await tick();
    assert.equal(c.got.length, 0);
    hub.changed(s, 'stopped');
    s.requests[1]!.answer(snap(3));
    await tick();
    assert.deepEqual(c.got.map((g) => g.version), [3]);
  });

  test('the end of a session reaches the consumers, and a late answer is dropped', async () => {
    const { hub } = hubWith();
    const c = consumer({ rings: false });
    hub.subscribe(c);
    const s = new FakeSession('1', 'S');
    hub.changed(s, 'stopped');
    hub.ended('1');
    assert.deepEqual(c.endedIds, ['1']);
    s.requests[0]!.answer(snap(1));
    await tick();
    assert.equal(c.got.length, 0);
    hub.ended('unknown');
    assert.deepEqual(c.endedIds, ['1'], 'a session never seen is not reported');
  });

  test('mergeWants: rings if anyone wants them, the largest limits', () => {
    assert.equal(mergeWants([undefined, undefined]), undefined);
    assert.deepEqual(mergeWants([{ rings: false }, { rings: false }]), { rings: false });
    assert.deepEqual(mergeWants([{ rings: false }, { chains: 4 }, { rings: true, chains: 64, traceEvents: 10 }]), { rings: true, chains: 64, traceEvents: 10 });
  });
});

describe('liveStateFromSnapshot', () => {
  test('keeps blk, net and rng devices with offered, accepted (driver features) and status; drops the echo test device', () => {
    const params = liveStateFromSnapshot(
      'S',
      snapshot(device('blk0', 'blk', '0x100000000', 15), device('e0', 'echo', '0x0', 0), device('net0', 'net', '0x8000', 11), device('rng0', 'rng', '0x100000000', 15)),
    );
    assert.deepEqual(params, {
      session: 'S',
      devices: [
        { id: 'blk0', type: 'blk', offered: '0x100008000', accepted: '0x100000000', status: 15 },
        { id: 'net0', type: 'net', offered: '0x100008000', accepted: '0x8000', status: 11 },
        { id: 'rng0', type: 'rng', offered: '0x100008000', accepted: '0x100000000', status: 15 },
      ],
    });
  });
});

describe('LiveStateTracker (through the hub)', () => {
  function setup(): { sent: LiveStateParams[]; tracker: LiveStateTracker; hub: SnapshotHub; answer: (s: FakeSession, snap: SessionSnapshot) => Promise<void> } {
    const sent: LiveStateParams[] = [];
    const tracker = new LiveStateTracker(async (p) => void sent.push(p));
    const { hub } = hubWith();
    hub.subscribe(tracker);
    const answer = async (s: FakeSession, snap: SessionSnapshot) => {
      hub.changed(s, 'stopped');
      s.requests.at(-1)!.answer(snap);
      await tick();
    };
    return { sent, tracker, hub, answer };
  }

  test('a state change publishes the session state under its name, asking for no rings', async () => {
    const { sent, answer } = setup();
    const s = new FakeSession('1', 'Builtin');
    await answer(s, snapshot(device('net0', 'net', '0x8000', 15)));
    assert.deepEqual(s.requests[0]!.args, { rings: false });
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.session, 'Builtin');
    assert.equal(sent[0]!.devices[0]!.accepted, '0x8000');
  });

  test('an unchanged state is not sent twice; resend sends it again', async () => {
    const { sent, tracker, answer } = setup();
    const s = new FakeSession('1', 'S');
    await answer(s, snapshot(device('net0', 'net', '0x8000', 15)));
    await answer(s, snapshot(device('net0', 'net', '0x8000', 15)));
    assert.equal(sent.length, 1);
    tracker.resend();
    assert.equal(sent.length, 2);
    assert.deepEqual(sent[1], sent[0]);
  });

  test('the end of the session clears the state, and a late snapshot answer does not bring it back', async () => {
    const { sent, hub, answer } = setup();
    const s = new FakeSession('1', 'S');
    await answer(s, snapshot(device('net0', 'net', '0x8000', 15)));
    hub.changed(s, 'stopped');
    hub.ended('1');
    assert.deepEqual(sent.at(-1), { devices: [] });
    s.requests[1]!.answer(snapshot(device('net0', 'net', '0x8000', 15)));
    await tick();
    assert.deepEqual(sent.at(-1), { devices: [] });
    assert.equal(sent.length, 2);
  });

  test('when the session shown ends, another running session takes its place', async () => {
    const { sent, hub, answer } = setup();
    const a = new FakeSession('a', 'A');
    const b = new FakeSession('b', 'B');
    await answer(a, snapshot(device('blk0', 'blk', '0x1', 15)));
    await answer(b, snapshot(device('net0', 'net', '0x8000', 15)));
    assert.equal(sent.at(-1)!.session, 'B');
    hub.ended('a'); // not the one shown: nothing to send
    assert.equal(sent.length, 2);
    const c = new FakeSession('c', 'C');
    await answer(c, snapshot(device('net1', 'net', '0x0', 15)));
    assert.equal(sent.at(-1)!.session, 'C');
    hub.ended('c');
    assert.equal(sent.at(-1)!.session, 'B', 'falls back to the other running session');
    hub.ended('b');
    assert.deepEqual(sent.at(-1), { devices: [] });
  });
});
