// The extension's live-state plumbing without VS Code: snapshot → virtio/liveState payload, and the order
// rules of the tracker (one snapshot request at a time, late answers dropped, fallback when a session ends).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type LiveStateParams } from '../../protocol/lsp';
import { type DeviceSnapshot, type SessionSnapshot } from '../../protocol/snapshot';
import { liveStateFromSnapshot } from '../../extension/live-state-params';
import { LiveStateTracker, type SnapshotSource } from '../../extension/live-state-tracker';

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

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function recorder(): { sent: LiveStateParams[]; tracker: LiveStateTracker } {
  const sent: LiveStateParams[] = [];
  return { sent, tracker: new LiveStateTracker(async (p) => void sent.push(p)) };
}

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

describe('LiveStateTracker', () => {
  test('a state change fetches a snapshot without rings and publishes it under the session name', async () => {
    const { sent, tracker } = recorder();
    const s = new FakeSession('1', 'Builtin');
    const done = tracker.changed(s);
    assert.equal(s.requests.length, 1);
    assert.equal(s.requests[0]!.command, 'virtio/snapshot');
    assert.deepEqual(s.requests[0]!.args, { rings: false });
    s.requests[0]!.answer(snapshot(device('net0', 'net', '0x8000', 15)));
    await done;
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.session, 'Builtin');
    assert.equal(sent[0]!.devices[0]!.accepted, '0x8000');
  });

  test('changes while a request is on its way cause exactly one more request, whose answer wins', async () => {
    const { sent, tracker } = recorder();
    const s = new FakeSession('1', 'S');
    const first = tracker.changed(s);
    for (let i = 0; i < 5; i++) void tracker.changed(s);
    assert.equal(s.requests.length, 1, 'one request at a time');
    s.requests[0]!.answer(snapshot(device('net0', 'net', '0x0', 3)));
    await tick();
    assert.equal(s.requests.length, 2, 'one more for the changes meanwhile');
    s.requests[1]!.answer(snapshot(device('net0', 'net', '0x8000', 15)));
    await first;
    assert.equal(s.requests.length, 2);
    assert.deepEqual(sent.map((p) => p.devices[0]!.status), [3, 15]);
  });

  test('an unchanged state is not sent twice; resend sends it again', async () => {
    const { sent, tracker } = recorder();
    const s = new FakeSession('1', 'S');
    for (let i = 0; i < 2; i++) {
      const p = tracker.changed(s);
      s.requests[i]!.answer(snapshot(device('net0', 'net', '0x8000', 15)));
      await p;
    }
    assert.equal(sent.length, 1);
    tracker.resend();
    assert.equal(sent.length, 2);
    assert.deepEqual(sent[1], sent[0]);
  });

  test('a failed snapshot request publishes nothing; the next change does', async () => {
    const { sent, tracker } = recorder();
    const s = new FakeSession('1', 'S');
    const p1 = tracker.changed(s);
    s.requests[0]!.fail(new Error('no session'));
    await p1;
    assert.equal(sent.length, 0);
    const p2 = tracker.changed(s);
    s.requests[1]!.answer(snapshot(device('net0', 'net', '0x8000', 15)));
    await p2;
    assert.equal(sent.length, 1);
  });

  test('the end of the session clears the state, and a late snapshot answer does not bring it back', async () => {
    const { sent, tracker } = recorder();
    const s = new FakeSession('1', 'S');
    const p1 = tracker.changed(s);
    s.requests[0]!.answer(snapshot(device('net0', 'net', '0x8000', 15)));
    await p1;
    const late = tracker.changed(s);
    tracker.ended('1');
    assert.deepEqual(sent.at(-1), { devices: [] });
    s.requests[1]!.answer(snapshot(device('net0', 'net', '0x8000', 15)));
    await late;
    assert.deepEqual(sent.at(-1), { devices: [] });
    assert.equal(sent.length, 2);
  });

  test('when the session shown ends, another running session takes its place', async () => {
    const { sent, tracker } = recorder();
    const a = new FakeSession('a', 'A');
    const b = new FakeSession('b', 'B');
    const pa = tracker.changed(a);
    a.requests[0]!.answer(snapshot(device('blk0', 'blk', '0x1', 15)));
    await pa;
    const pb = tracker.changed(b);
    b.requests[0]!.answer(snapshot(device('net0', 'net', '0x8000', 15)));
    await pb;
    assert.equal(sent.at(-1)!.session, 'B');
    tracker.ended('a'); // not the one shown: nothing to send
    assert.equal(sent.length, 2);
    const c = new FakeSession('c', 'C');
    const pc = tracker.changed(c);
    c.requests[0]!.answer(snapshot(device('net1', 'net', '0x0', 15)));
    await pc;
    assert.equal(sent.at(-1)!.session, 'C');
    tracker.ended('c');
    assert.equal(sent.at(-1)!.session, 'B', 'falls back to the other running session');
    tracker.ended('b');
    assert.deepEqual(sent.at(-1), { devices: [] });
  });
});
