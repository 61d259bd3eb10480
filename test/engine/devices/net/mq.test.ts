import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { udpFrame } from '../../../../engine/wire';
import fc from 'fast-check';
import { Steering, flowKey, sameIpv4Flow } from '../../../../engine/devices/net/steering';
import { DEVICE_MAC, LAYOUTS, netRig, settle, until } from './harness';

const PEER = Uint8Array.of(0x02, 0, 0, 0, 0, 0x22);
const ME = Uint8Array.of(10, 0, 2, 15);
const THEM = Uint8Array.of(10, 0, 2, 2);
const out = (sport: number) => udpFrame({ srcMac: DEVICE_MAC, dstMac: PEER, src: ME, dst: THEM }, sport, 7000, new Uint8Array(32)).frame;
const back = (sport: number) => udpFrame({ srcMac: PEER, dstMac: DEVICE_MAC, src: THEM, dst: ME }, 7000, sport, new Uint8Array(32)).frame;

describe('multiqueue with automatic receive steering (MQ, §5.1.6.5.6)', () => {
  for (const pairs of [2, 3, 4]) {
    for (const layout of LAYOUTS) {
      test(`${layout}, ${pairs} pairs: VQ_PAIRS_SET, transmit on every pair, replies steered to the pair of their flow`, async () => {
        const r = await netRig({ layout, device: { queuePairs: pairs } });
        assert.equal(r.client.pairs, pairs);
        assert.equal(r.dev.activePairs, 1);
        assert.equal(await r.client.setPairs(pairs), 0);
        assert.equal(r.dev.activePairs, pairs);
        for (let p = 0; p < pairs; p++) {
          await r.client.transmit(out(1000 + p), {}, p);
          assert.equal(r.port.frames.length, p + 1, `frame sent on pair ${p} reached the wire`);
        }
        for (let p = 0; p < pairs; p++) r.port.inject(back(1000 + p));
        assert.ok(await until(() => r.client.receivedCount === pairs));
        for (let p = 0; p < pairs; p++) {
          const got = r.client.received.find((x) => x.frame[37] === ((1000 + p) & 0xff))!;
          assert.equal(got.queue, 2 * p, `flow ${p} came back on receiveq${p + 1}`);
        }
        assert.deepEqual(r.rules(), []);
      });
    }
  }

  test('unknown flows are spread over the active pairs only', async () => {
    const r = await netRig({ device: { queuePairs: 4 } });
    assert.equal(await r.client.setPairs(2), 0);
    for (let i = 0; i < 64; i++) r.port.inject(back(20000 + i));
    assert.ok(await until(() => r.client.receivedCount === 64));
    const queues = new Set(r.client.received.map((p) => p.queue));
    assert.deepEqual([...queues].sort(), [0, 2]);
  });

  test('before VQ_PAIRS_SET (and after a reset) only receiveq1 is used', async () => {
    const r = await netRig({ device: { queuePairs: 4 } });
    for (let i = 0; i < 16; i++) r.port.inject(back(30000 + i));
    assert.ok(await until(() => r.client.receivedCount === 16));
    assert.deepEqual([...new Set(r.client.received.map((p) => p.queue))], [0]);
  });

  test('frames waiting on a queue that becomes inactive move to an active one', async () => {
    const r = await netRig({ device: { queuePairs: 2 }, client: { rxBuffers: 0 } });
    assert.equal(await r.client.setPairs(2), 0);
    await r.client.transmit(out(4242), {}, 1);
    r.port.inject(back(4242));
    assert.equal(r.dev.rxWaiting(2), 1, 'steered to receiveq2, waiting for buffers');
    assert.equal(await r.client.setPairs(1), 0);
    assert.equal(r.dev.rxWaiting(2), 0);
    assert.equal(r.dev.rxWaiting(0), 1);
    r.client.postBuffers(0, 2);
    assert.ok(await until(() => r.client.receivedCount === 1));
    assert.equal(r.client.received[0]!.queue, 0);
  });

  test('VQ_PAIRS_SET 0 or above max_virtqueue_pairs is ERR and keeps the count', async () => {
    const r = await netRig({ device: { queuePairs: 2 } });
    assert.equal(await r.client.setPairs(0), 1);
    assert.equal(await r.client.setPairs(3), 1);
    assert.equal(r.dev.activePairs, 1);
    assert.deepEqual(r.rules(), ['net-ctrl-mq-pairs-out-of-range', 'net-ctrl-mq-pairs-out-of-range']);
    await settle();
  });

  test('the flow key is the same in both directions', () => {
    assert.equal(flowKey(out(5)), flowKey(back(5)));
    assert.notEqual(flowKey(out(5)), flowKey(out(6)));
  });

  test('frames sameIpv4Flow calls one flow have the same flow key (property over mutated frames)', () => {
    const base = [out(5), back(5), out(6)];
    // Mutations where flowKey looks: EtherType, IHL, fragment, protocol, addresses, ports, and the length.
    const spots = [12, 13, 14, 20, 21, 23, 26, 29, 30, 33, 34, 35, 36, 37, 38, 39];
    const frame = fc
      .tuple(fc.constantFrom(...base), fc.array(fc.tuple(fc.constantFrom(...spots), fc.nat(255)), { maxLength: 3 }), fc.integer({ min: 30, max: 80 }))
      .map(([f, edits, len]) => {
        const g = Uint8Array.from(f.subarray(0, Math.min(len, f.length)));
        for (const [at, v] of edits) if (at < g.length) g[at] = v;
        return g;
      });
    let same = 0;
    fc.assert(
      fc.property(frame, frame, (a, b) => {
        if (!sameIpv4Flow(a.slice(0, 78), b)) return;
        same++;
        assert.equal(flowKey(a), flowKey(b));
      }),
      { numRuns: 5000 },
    );
    assert.ok(same > 20, `${same} pairs were one flow`);
  });

  test('learning a flow again leaves the table as learning it the first time did (steering follows the last pair)', () => {
    const s = new Steering();
    s.learn(out(5), 1);
    s.learn(out(5), 1);
    assert.equal(s.select(back(5), 2), 1);
    s.learn(out(5), 0);
    assert.equal(s.select(back(5), 2), 0, 'the same flow on another pair moves');
    s.learn(out(6), 1);
    s.learn(out(5), 0);
    assert.deepEqual([s.select(back(5), 2), s.select(back(6), 2)], [0, 1]);
  });
});
