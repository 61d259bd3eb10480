// Ring scenarios (split and packed, on blk and on net's transmit queue): the reference driver ring commits a
// rule on purpose (FaultPlan) on the first chain, then a well-formed one follows. Placement rules are committed
// with SET_VRING_ADDR. Indices are those of a fresh 16-entry ring whose first chain heads at descriptor 0 (a blk
// read is header, data, status; a net transmit one buffer, split in two where a rule needs two).
import assert from 'node:assert/strict';
import { VhostUserRequest as R } from '../../engine/transport/vhost-user/messages';
import { type RuleId } from '../../engine/rules';
import { encodeVringAddr } from '../../engine/transport/vhost-user/codec';
import { blkRequest, LOW_END, USER_BASE } from '../engine/transport/vhost-user/front-end';
import { n, within } from './support/front';
import { type Scenario, type Verdict, goodRequest, sendGood, submitGood } from './support/scenario';
import { type DeviceKind, KICK_DEADLINE_MS } from './support/serve-process';

/** The ring a device's first well-formed request goes to. */
const ringOf = (d: DeviceKind) => (d === 'blk' ? 0 : 1);

/**
 * `once`: the faulty request alone, no well-formed one after it. Needed where a later publish would repair
 * the fault before the device looks (a vhost-user kick is read asynchronously: avail.idx rewritten by the next
 * publish), or where the fault leaves no room in the ring (a list through every free slot).
 */
function fault(device: DeviceKind, rule: RuleId, verdict: Verdict, index: number | null, o: { features?: string[]; modes?: number[]; name?: string; at?: number; once?: boolean } = {}): Scenario {
  return {
    name: o.name ?? `the driver ring commits ${rule}`,
    device,
    rule,
    index,
    verdict,
    ...(o.modes ? { modes: o.modes } : {}),
    front: { features: o.features ?? [] },
    act: (f) => {
      assert.equal(f.get(ringOf(device)).ring.injectFault({ rule, atChain: o.at ?? 0 }), true, `the driver ring can commit ${rule}`);
      sendGood(f);
      if (!o.once) sendGood(f);
    },
  };
}

/** split-used-flags-not-zero: the ring is set up (SET_VRING_*) with used.flags = NO_NOTIFY left in guest memory. */
function usedFlagsNotZero(device: DeviceKind): Scenario {
  const i = ringOf(device);
  return {
    name: 'used.flags left at VIRTQ_USED_F_NO_NOTIFY when the ring starts',
    device,
    rule: 'split-used-flags-not-zero',
    index: null,
    verdict: 'served',
    modes: [13],
    front: { rings: device === 'net' ? [0] : [] },
    act: async (f) => {
      const r = f.ring(i, 'split', 16);
      f.ram.mem.writeU16(r.ring.deviceAddr, 1);
      r.setUp(f.fe, 'qemu');
      // Requests are handled in order: once GET_STATUS is answered the ring started and was judged. Then the
      // driver repairs the flag, or it would never kick again (the device does not rewrite used.flags).
      await f.status();
      f.ram.mem.writeU16(r.ring.deviceAddr, 0);
    },
  };
}

/**
 * SET_VRING_ADDR with the ring's areas moved by `move` (placement scenarios). An area that runs off its memory
 * region is refused by the vhost-user address translation (vhost-user-address-unmapped) before a ring exists.
 */
function place(device: DeviceKind, rule: RuleId, index: number | null, verdict: Verdict, name: string, move: (a: { desc: bigint; avail: bigint; used: bigint }) => { desc: bigint; avail: bigint; used: bigint }, features: string[] = []): Scenario {
  return {
    name,
    device,
    rule,
    index,
    verdict,
    front: { features },
    act: (f) => {
      const r = f.get(ringOf(device));
      const a = r.addr();
      f.fe.send(R.SET_VRING_ADDR, encodeVringAddr({ ...a, ...move(a) }));
      sendGood(f);
      n.eventfdWrite(r.kick, 1);
    },
  };
}

/**
 * split-used-ring-written: after one request came back, the driver writes used.idx (the device's); the device
 * names it at its next used element and goes on from its own index.
 */
function usedRingWritten(device: DeviceKind): Scenario {
  return {
    name: 'the driver writes used.idx between two requests',
    device,
    rule: 'split-used-ring-written',
    index: null,
    verdict: 'served',
    act: async (f) => {
      assert.equal(await goodRequest(f), true, 'the first request is served');
      const used = f.get(ringOf(device)).ring.deviceAddr;
      f.ram.mem.writeU16(used + 2, f.ram.mem.readU16(used + 2) + 5);
      sendGood(f);
    },
  };
}

/**
 * split-head-in-flight / packed-id-in-flight on blk: two requests published together with one kick, the second
 * naming the first one's head (buffer id). The device takes both in one pass while the first one's disk I/O is
 * still pending, so the first is in flight when the second comes: the first writes 256 KiB, above the 128 KiB a
 * blk request may take synchronously on serve's thread (a small request would be answered before the second
 * pop, and so would a large READ the page cache holds).
 */
function againInFlight(rule: RuleId, index: number, features: string[], name: string): Scenario {
  return {
    name,
    device: 'blk',
    rule,
    index,
    verdict: 'needs-reset',
    front: { features },
    act: (f) => {
      const r = f.get(0);
      assert.equal(r.ring.injectFault({ rule, atChain: 1 }), true, `the driver ring can commit ${rule}`);
      for (const [type, bytes] of [['out', 256 * 1024], ['in', 512]] as const) assert.ok(r.ring.add(blkRequest(f.ram, type, 8, bytes).buffers) !== null, 'room in the ring');
      r.ring.publish();
      n.eventfdWrite(r.kick, 1);
    },
  };
}

/**
 * split/packed-notify-missing: a request made available after the ring went live and never kicked. (Made
 * available before, it would be served at the start, as a device looks at a ring it starts.)
 */
function neverKicked(device: DeviceKind, layout: 'split' | 'packed', index: number): Scenario {
  const rule: RuleId = layout === 'split' ? 'split-notify-missing' : 'packed-notify-missing';
  return {
    name: 'a request made available and never kicked',
    device,
    rule,
    index,
    verdict: 'served',
    modes: [13],
    front: { features: layout === 'packed' ? ['RING_PACKED'] : [] },
    act: async (f) => {
      // Requests are handled in order: once GET_STATUS is answered the ring is live.
      await f.status();
      assert.equal(f.get(ringOf(device)).ring.injectFault({ rule }), true, `the driver ring can commit ${rule}`);
      const used = submitGood(f);
      // Past the deadline and the report, the device still has not taken the request: it was not told.
      assert.equal(await within(used, 4 * KICK_DEADLINE_MS), undefined, 'the device does not serve buffers it was not notified about');
    },
  };
}

const split = (d: DeviceKind): Scenario[] => [
  fault(d, 'split-desc-zero-length', 'needs-reset', 0, { modes: [1] }),
  fault(d, 'split-chain-loop', 'needs-reset', 0, { modes: [6] }),
  fault(d, 'split-desc-next-out-of-range', 'needs-reset', d === 'blk' ? 2 : 0, { modes: [7] }),
  fault(d, 'split-avail-head-out-of-range', 'needs-reset', 0, { modes: [7] }),
  fault(d, 'split-write-before-read', 'needs-reset', d === 'blk' ? 3 : 1, { modes: [4] }),
  fault(d, 'split-desc-out-of-memory', 'needs-reset', 0),
  fault(d, 'split-avail-flags-invalid', 'served', null),
  // The driver publishes and never kicks: after the deadline (the suite's serve runs with --kick-deadline-ms)
  // the stall is reported with the avail idx seen; the next, kicked request gets both served.
  neverKicked(d, 'split', 1),
  fault(d, 'split-avail-idx-jump', 'needs-reset', null, { modes: [5], once: true }),
  fault(d, 'split-avail-idx-decrement', 'needs-reset', null, { modes: [5], once: true }),
  usedFlagsNotZero(d),
  usedRingWritten(d),
  fault(d, 'split-buffer-overlaps-ring', 'needs-reset', d === 'blk' ? 2 : 0, { name: d === 'blk' ? 'the writable status byte on the descriptor table' : 'the readable frame on the descriptor table' }),
  ...(d === 'blk' ? [againInFlight('split-head-in-flight', 0, [], 'a read made available again at the head of the read still in flight')] : []),
  place(d, 'split-ring-overlap', null, 'needs-reset', 'descriptor table, available ring and used ring at one address', (a) => ({ ...a, avail: a.desc, used: a.desc })),
  fault(d, 'split-indirect-not-negotiated', 'served', 0, { modes: [8] }),
  fault(d, 'split-chain-too-long', 'served', 0, { features: ['INDIRECT_DESC'], modes: [6] }),
  fault(d, 'split-indirect-nested', 'needs-reset', 0, { features: ['INDIRECT_DESC'], modes: [8] }),
  fault(d, 'split-indirect-with-next', 'served', 0, { features: ['INDIRECT_DESC'], modes: [8] }),
  fault(d, 'split-indirect-bad-length', 'needs-reset', 0, { features: ['INDIRECT_DESC'], modes: [8] }),
  place(d, 'split-ring-misaligned', null, 'needs-reset', 'a descriptor table at an odd address', (a) => ({ ...a, desc: a.desc + 1n })),
  place(d, 'vhost-user-address-unmapped', null, 'answered', 'a used ring running off the end of a memory region', (a) => ({ ...a, used: USER_BASE + BigInt(LOW_END - 4) })),
];

const packed = (d: DeviceKind): Scenario[] => {
  const P = ['RING_PACKED'];
  return [
    fault(d, 'packed-desc-zero-length', 'needs-reset', 0, { features: P, modes: [1, 17] }),
    fault(d, 'packed-desc-out-of-memory', 'needs-reset', 0, { features: P, modes: [17] }),
    fault(d, 'packed-write-before-read', 'needs-reset', d === 'blk' ? 2 : 1, { features: P, modes: [4, 17] }),
    fault(d, 'packed-desc-flags-inconsistent', 'needs-reset', 1, { features: P, modes: [17] }),
    fault(d, 'packed-buffer-overlaps-ring', 'needs-reset', d === 'blk' ? 2 : 0, { features: P, name: d === 'blk' ? 'the writable status byte on the descriptor ring' : 'the readable frame on the descriptor ring' }),
    ...(d === 'blk' ? [againInFlight('packed-id-in-flight', 3, P, 'a read made available with the buffer id of the read still in flight')] : []),
    place(d, 'packed-ring-overlap', null, 'needs-reset', 'descriptor ring and both event suppression structures at one address', (a) => ({ ...a, avail: a.desc, used: a.desc }), P),
    fault(d, 'packed-chain-too-long', 'needs-reset', 15, { features: P, modes: [6, 17], once: true }),
    fault(d, 'packed-indirect-not-negotiated', 'served', 0, { features: P, modes: [8] }),
    fault(d, 'packed-indirect-flags', 'needs-reset', 0, { features: [...P, 'INDIRECT_DESC'], modes: [8] }),
    fault(d, 'packed-indirect-in-chain', 'needs-reset', 0, { features: [...P, 'INDIRECT_DESC'], modes: [8] }),
    fault(d, 'packed-indirect-bad-length', 'needs-reset', 0, { features: [...P, 'INDIRECT_DESC'], modes: [8] }),
    fault(d, 'packed-event-flags-invalid', 'served', null, { features: P, modes: [13] }),
    // The stall names the next descriptor the driver will make available: after a blk read (3 slots) or a frame (1).
    neverKicked(d, 'packed', d === 'blk' ? 3 : 1),
    place(d, 'packed-ring-misaligned', null, 'needs-reset', 'a packed descriptor ring at an odd address', (a) => ({ ...a, desc: a.desc + 2n }), P),
    place(d, 'vhost-user-address-unmapped', null, 'answered', 'a packed device area running off the end of a memory region', (a) => ({ ...a, used: USER_BASE + BigInt(LOW_END - 2) }), P),
  ];
};

/**
 * IN_ORDER (§2.7.9 / §2.8.8): serve net and rng offer it (completions are pushed in pop order); blk does
 * not (see the catalogue guard). The faulty driver ring skips a descriptor (split) or a buffer id (packed).
 */
const inOrder = (d: DeviceKind): Scenario[] => [
  // The second chain (the first tells the device where the driver's descriptors start) skips descriptor 1.
  fault(d, 'split-in-order-violation', 'needs-reset', 2, { features: ['IN_ORDER'], at: 1 }),
  // The list at slot 1 carries buffer id 0 again.
  fault(d, 'packed-in-order-violation', 'needs-reset', 1, { features: ['IN_ORDER', 'RING_PACKED'], modes: [17] }),
];

export const RING_SCENARIOS: Scenario[] = [...split('blk'), ...packed('blk'), ...split('net'), ...packed('net'), ...inOrder('net')];
