/**
 * One test per net-* rule: the reference driver breaks it on purpose (a FaultPlan committed by the net
 * workload) and the device reports exactly that rule id, over both ring layouts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NET_RULES } from '../../../../engine/rules/net';
import { type RuleId, rule } from '../../../../engine/rules';
import { arpRequest } from '../../../../engine/wire';
import { DEVICE_MAC, LAYOUTS, type NetRig, type RigOptions, frameTo, netRig, settle } from './harness';

const arp = () => arpRequest(DEVICE_MAC, Uint8Array.of(10, 0, 2, 15), Uint8Array.of(10, 0, 2, 2));

interface Case {
  rule: RuleId;
  rig?: Omit<RigOptions, 'layout' | 'faults'>;
  arg?: number;
  /** What the driver does after start-up so the fault is committed. */
  act?: (r: NetRig) => Promise<unknown>;
  /** Other rules the same mistake legitimately triggers. */
  also?: string[];
}

const transmit = (r: NetRig) => r.client.transmit(arp());
const receive = async (r: NetRig) => {
  r.port.inject(frameTo(DEVICE_MAC, 200));
  await settle(4);
};

const CASES: Case[] = [
  // The garbled header also carries a non-zero "num_buffers" read from the frame bytes.
  { rule: 'net-hdr-size-mismatch', act: transmit, also: ['net-tx-num-buffers-nonzero', 'net-tx-flags-without-csum', 'net-tx-rx-only-flags', 'net-tx-gso-not-negotiated', 'net-tx-gso-type-undefined', 'net-tx-gso-incomplete'] },
  { rule: 'net-tx-too-short', act: transmit },
  { rule: 'net-tx-num-buffers-nonzero', act: transmit },
  { rule: 'net-tx-flags-without-csum', rig: { without: ['CSUM', 'HOST_TSO4', 'HOST_TSO6', 'HOST_ECN', 'HOST_UFO', 'HOST_USO'] }, act: transmit },
  { rule: 'net-tx-rx-only-flags', act: transmit },
  { rule: 'net-tx-csum-out-of-frame', act: transmit },
  { rule: 'net-tx-gso-not-negotiated', rig: { without: ['HOST_TSO4'] }, act: transmit },
  { rule: 'net-tx-gso-type-undefined', act: transmit },
  { rule: 'net-tx-gso-incomplete', act: transmit },
  { rule: 'net-tx-exceeds-mtu', act: transmit },
  { rule: 'net-tx-frame-too-long', act: transmit },
  { rule: 'net-tx-writable-descriptor', act: transmit },
  { rule: 'net-tx-queue-inactive', rig: { device: { queuePairs: 2 } }, act: transmit },
  { rule: 'net-rx-buffer-too-small', rig: { without: ['MRG_RXBUF'] }, act: receive },
  { rule: 'net-rx-buffer-smaller-than-header', act: receive },
  { rule: 'net-rx-buffer-not-writable', act: receive },
  { rule: 'net-ctrl-not-negotiated' },
  { rule: 'net-ctrl-unknown' },
  { rule: 'net-ctrl-malformed' },
  { rule: 'net-ctrl-ack-not-writable' },
  { rule: 'net-ctrl-ack-not-last' },
  { rule: 'net-ctrl-mq-pairs-out-of-range', rig: { device: { queuePairs: 2 } } },
  { rule: 'net-ctrl-offloads-not-negotiated' },
  { rule: 'net-config-write' },
];

describe('every net-* rule, committed by the reference driver', () => {
  test('the cases cover the whole net catalogue', () => {
    assert.deepEqual(CASES.map((c) => c.rule).sort(), NET_RULES.map((r) => r.id).sort());
  });

  for (const c of CASES) {
    for (const layout of LAYOUTS) {
      test(`${c.rule} (${layout})`, async () => {
        const r = await netRig({ ...c.rig, layout, faults: [{ rule: c.rule, ...(c.arg !== undefined ? { arg: c.arg } : {}) }] });
        await c.act?.(r);
        await settle();
        assert.deepEqual(r.client.pendingFaults, [], 'the fault was committed');
        const got = r.violations();
        const first = got.find((v) => v.rule === c.rule);
        assert.ok(first, `expected ${c.rule}, got ${got.map((v) => v.rule).join(', ') || 'nothing'}`);
        assert.equal(first.section, rule(c.rule).section);
        assert.equal(first.device, 'net0');
        const allowed = new Set([c.rule, ...(c.also ?? [])]);
        assert.deepEqual(got.map((v) => v.rule).filter((id) => !allowed.has(id)), [], 'no unrelated violation');
      });
    }
  }

  test('a clean run of the same workload reports nothing', async () => {
    for (const layout of LAYOUTS) {
      const r = await netRig({ layout, device: { queuePairs: 2 } });
      await transmit(r);
      await receive(r);
      await r.client.commandByName('RX', 'PROMISC', [1]);
      await settle();
      assert.deepEqual(r.rules(), [], layout);
    }
  });

  test('a device reports the repeated structural mistakes once per queue, per-packet ones every time', async () => {
    const r = await netRig({ faults: [
        { rule: 'net-rx-buffer-not-writable', atChain: 0 },
        { rule: 'net-rx-buffer-not-writable', atChain: 1 },
        { rule: 'net-tx-num-buffers-nonzero', atChain: 0 },
        { rule: 'net-tx-num-buffers-nonzero', atChain: 1 },
      ], });
    await transmit(r);
    await transmit(r);
    await receive(r);
    await receive(r);
    assert.equal(r.rules().filter((x) => x === 'net-tx-num-buffers-nonzero').length, 2);
    assert.deepEqual(r.client.pendingFaults, []);
    assert.equal(r.client.receivedCount, 2);
    assert.equal(r.rules().filter((x) => x === 'net-rx-buffer-not-writable').length, 1);
  });
});
