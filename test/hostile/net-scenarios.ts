// net scenarios: transmits shaped by the reference driver's fault catalogue (engine/driver/workloads/
// net-faults.ts), malformed receive buffers (judged when the responder's answer to an ARP request arrives),
// and control-queue commands. The offending chain heads at descriptor 0 of a fresh ring.
import { type RuleId } from '../../engine/rules';
import { type FaultPlan } from '../../engine/driver/ring-types';
import { rxFaultShape, txFaultShape } from '../../engine/driver/workloads/net-faults';
import { type HostileFront } from './support/front';
import { type Scenario, type Verdict, arpRequest, sendGood } from './support/scenario';

const HDR = 12; // VERSION_1: the modern header

/** Sends the transmit that breaks `plan`'s rule on transmitq1 (ring 1), from a 42-byte ARP request. */
async function sendTxFault(f: HostileFront, plan: FaultPlan): Promise<void> {
  const mtu = f.has('MTU') ? (await f.config(12)).readUInt16LE(10) : 1500;
  const shape = txFaultShape(plan, { frame: arpRequest(), hdr: {}, pair: 0, headerSize: HDR, mtu, pairs: 1, activePairs: 1, has: (s) => f.has(s) });
  const pieces = [{ len: shape.header.length + shape.frame.length, write: false, bytes: Buffer.concat([shape.header, shape.frame]) }];
  if (shape.extraWritable) pieces.push({ len: shape.extraWritable, write: true, bytes: Buffer.alloc(shape.extraWritable) });
  void f.submit(1, f.buffers(pieces));
}

const tx = (name: string, rule: RuleId, verdict: Verdict, o: { features?: string[]; arg?: number; modes?: number[] } = {}): Scenario => ({
  name,
  device: 'net',
  rule,
  index: 0,
  verdict,
  ...(o.modes ? { modes: o.modes } : {}),
  front: { features: o.features ?? [] },
  act: (f) => sendTxFault(f, { rule, ...(o.arg !== undefined ? { arg: o.arg } : {}) }),
});

/**
 * Posts the receive buffer that breaks the rule on receiveq1, then (unless `traffic: false`) makes the responder
 * answer an ARP request.
 */
const rx = (name: string, rule: RuleId, o: { arg?: number; features?: string[]; traffic?: boolean } = {}): Scenario => ({
  name,
  device: 'net',
  rule,
  index: 0,
  verdict: 'served',
  modes: [15],
  front: { features: o.features ?? [] },
  act: (f) => {
    const shape = rxFaultShape({ rule, ...(o.arg !== undefined ? { arg: o.arg } : {}) }, HDR, 1526);
    void f.submit(0, f.buffers(shape.pieces.map((p) => ({ len: p.len, write: p.write }))));
    if (o.traffic !== false) sendGood(f);
  },
});

/**
 * A control command on the back end's controlq (the front end negotiated CTRL_VQ with the back end, as a
 * front end without its own control-queue emulation does): ring 2 without MQ, ring 2N = 4 with MQ (two pairs).
 */
const ctrl = (
  name: string,
  rule: RuleId,
  o: { features?: string[]; bytes: number[]; writable?: number },
): Scenario => {
  const features = ['CTRL_VQ', ...(o.features ?? [])];
  const ring = features.includes('MQ') ? 4 : 2;
  return {
    name,
    device: 'net',
    rule,
    index: 0,
    verdict: 'served',
    modes: [2],
    front: { features, rings: [0, 1, ring] },
    act: (f) => {
      const pieces = [{ len: o.bytes.length, write: false, bytes: Uint8Array.from(o.bytes) }];
      if (o.writable ?? 1) pieces.push({ len: o.writable ?? 1, write: true, bytes: new Uint8Array(o.writable ?? 1) });
      void f.submit(ring, f.buffers(pieces));
    },
  };
};

/** A transmit whose header descriptor has `hdrLen` bytes (the negotiated layout has HDR), the frame in a second descriptor. */
const splitHeader = (name: string, hdrLen: number): Scenario => ({
  name,
  device: 'net',
  rule: 'net-hdr-size-mismatch',
  index: 0,
  verdict: 'served',
  modes: [15],
  act: (f) => {
    void f.submit(1, f.buffers([{ len: hdrLen, write: false, bytes: new Uint8Array(hdrLen) }, { len: 42, write: false, bytes: arpRequest() }]));
  },
});

/** A transmit on transmitq2 (ring 3) while only pair 1 is active. */
const inactiveTx = (name: string, front: { features: string[]; rings: number[] }): Scenario => ({
  name,
  device: 'net',
  rule: 'net-tx-queue-inactive',
  index: 0,
  verdict: 'served',
  front,
  act: (f) => {
    void f.submit(3, f.buffers([{ len: HDR + 42, write: false, bytes: Buffer.concat([Buffer.alloc(HDR), arpRequest()]) }]));
  },
});

// Control classes and commands (§5.1.6.5): RX 0 (PROMISC 0), VLAN 2 (ADD 0), MQ 4 (VQ_PAIRS_SET 0), GUEST_OFFLOADS 5 (SET 0).
export const NET_CTRL_SCENARIOS: Scenario[] = [
  ctrl('RX PROMISC without VIRTIO_NET_F_CTRL_RX', 'net-ctrl-not-negotiated', { bytes: [0, 0, 1] }),
  ctrl('VQ_PAIRS_SET without VIRTIO_NET_F_MQ', 'net-ctrl-not-negotiated', { bytes: [4, 0, 1, 0] }),
  ctrl('class 99', 'net-ctrl-unknown', { bytes: [99, 0] }),
  ctrl('RX command 9', 'net-ctrl-unknown', { features: ['CTRL_RX'], bytes: [0, 9, 1] }),
  ctrl('RX PROMISC with 2 data bytes', 'net-ctrl-malformed', { features: ['CTRL_RX'], bytes: [0, 0, 1, 1] }),
  ctrl('a 1-byte command (class only)', 'net-ctrl-malformed', { bytes: [0] }),
  ctrl('VLAN ADD 5000', 'net-ctrl-malformed', { features: ['CTRL_VLAN'], bytes: [2, 0, 0x88, 0x13] }),
  ctrl('a command with no device-writable ack byte', 'net-ctrl-ack-not-writable', { features: ['CTRL_RX'], bytes: [0, 0, 1], writable: 0 }),
  ctrl('a 4-byte ack buffer', 'net-ctrl-ack-not-last', { features: ['CTRL_RX'], bytes: [0, 0, 1], writable: 4 }),
  ctrl('VQ_PAIRS_SET 0', 'net-ctrl-mq-pairs-out-of-range', { features: ['MQ'], bytes: [4, 0, 0, 0] }),
  ctrl('VQ_PAIRS_SET 3 of 2 pairs', 'net-ctrl-mq-pairs-out-of-range', { features: ['MQ'], bytes: [4, 0, 3, 0] }),
  ctrl('GUEST_OFFLOADS_SET GUEST_TSO4 without it negotiated', 'net-ctrl-offloads-not-negotiated', {
    features: ['CTRL_GUEST_OFFLOADS', 'GUEST_CSUM'],
    bytes: [5, 0, 0x80, 0, 0, 0, 0, 0, 0, 0],
  }),
  ctrl('GUEST_OFFLOADS_SET bit 40 (no offload)', 'net-ctrl-offloads-not-negotiated', {
    features: ['CTRL_GUEST_OFFLOADS'],
    bytes: [5, 0, 0, 0, 0, 0, 0, 1, 0, 0],
  }),
];

/** Posts the receive buffer that breaks the rule on receiveq1 and kicks; no frame comes (judged at the kick). */
const posted = (name: string, rule: RuleId, o: { arg?: number; features?: string[] } = {}): Scenario => rx(name, rule, { ...o, traffic: false });

export const NET_SCENARIOS: Scenario[] = [
  ...NET_CTRL_SCENARIOS,
  posted('a posted receive buffer of header + 32 bytes, no traffic', 'net-rx-buffer-too-small'),
  posted('a posted 6-byte receive buffer with MRG_RXBUF, no traffic', 'net-rx-buffer-smaller-than-header', { features: ['MRG_RXBUF'] }),
  posted('a posted receive chain with a device-readable descriptor, no traffic', 'net-rx-buffer-not-writable'),
  splitHeader('a 10-byte (legacy) header descriptor with VERSION_1', 10),
  splitHeader('a 20-byte (HASH_REPORT) header descriptor without HASH_REPORT', 20),
  inactiveTx('transmitq2 before VQ_PAIRS_SET', { features: ['MQ', 'CTRL_VQ'], rings: [0, 1, 2, 3, 4] }),
  inactiveTx('transmitq2 while receiveq2 is not enabled (front end keeps the control queue)', { features: ['MQ'], rings: [0, 1, 3] }),
  tx('a header and no frame', 'net-tx-too-short', 'served'),
  tx('a 6-byte frame', 'net-tx-too-short', 'served', { arg: 6 }),
  tx('num_buffers 1 on transmit', 'net-tx-num-buffers-nonzero', 'served'),
  tx('num_buffers 0xffff on transmit', 'net-tx-num-buffers-nonzero', 'served', { arg: 0xffff }),
  tx('NEEDS_CSUM without VIRTIO_NET_F_CSUM', 'net-tx-flags-without-csum', 'served'),
  tx('DATA_VALID on transmit', 'net-tx-rx-only-flags', 'served'),
  tx('csum_start past the frame', 'net-tx-csum-out-of-frame', 'served', { features: ['CSUM'] }),
  tx('csum_offset 0x7fff past the frame', 'net-tx-csum-out-of-frame', 'served', { features: ['CSUM'], arg: 0x7fff }),
  tx('TSO4 without HOST_TSO4', 'net-tx-gso-not-negotiated', 'served', { features: ['CSUM'] }),
  // Issue 12: an undefined type is named as such, not as "GSO not negotiated".
  tx('gso_type 2 (undefined)', 'net-tx-gso-type-undefined', 'served', { features: ['CSUM', 'HOST_TSO4'] }),
  tx('gso_type 0x7f (undefined)', 'net-tx-gso-type-undefined', 'served', { features: ['CSUM'], arg: 0x7f }),
  tx('a GSO packet without NEEDS_CSUM', 'net-tx-gso-incomplete', 'served', { features: ['CSUM', 'HOST_TSO4'] }),
  tx('a frame one byte over the MTU', 'net-tx-exceeds-mtu', 'served', { features: ['MTU'] }),
  tx('a frame 1000 bytes over the MTU', 'net-tx-exceeds-mtu', 'served', { features: ['MTU'], arg: 1000 }),
  // Issue 12: dropped silently before; named now (the chain is used with length 0).
  tx('a frame one byte over the 65597-byte largest frame', 'net-tx-frame-too-long', 'served'),
  tx('a 70000-byte frame with MTU negotiated', 'net-tx-frame-too-long', 'served', { features: ['MTU'], arg: 70000 - 65597 }),
  tx('a device-writable buffer in a transmit chain', 'net-tx-writable-descriptor', 'served', { modes: [4] }),
  tx('a 1-byte device-writable buffer in a transmit chain', 'net-tx-writable-descriptor', 'served', { arg: 1, modes: [4] }),
  rx('a receive buffer that holds the header and 32 bytes', 'net-rx-buffer-too-small'),
  rx('a 6-byte receive buffer (half a header) with MRG_RXBUF', 'net-rx-buffer-smaller-than-header', { features: ['MRG_RXBUF'] }),
  rx('a 1-byte receive buffer with MRG_RXBUF', 'net-rx-buffer-smaller-than-header', { arg: 1, features: ['MRG_RXBUF'] }),
  rx('a device-readable descriptor in a receive chain', 'net-rx-buffer-not-writable'),
];
