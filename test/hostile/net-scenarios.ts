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

/** Posts the receive buffer that breaks the rule on receiveq1, then makes the responder answer an ARP request. */
const rx = (name: string, rule: RuleId, o: { arg?: number; features?: string[] } = {}): Scenario => ({
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
    sendGood(f);
  },
});

export const NET_SCENARIOS: Scenario[] = [
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
  tx('a device-writable buffer in a transmit chain', 'net-tx-writable-descriptor', 'served', { modes: [4] }),
  tx('a 1-byte device-writable buffer in a transmit chain', 'net-tx-writable-descriptor', 'served', { arg: 1, modes: [4] }),
  rx('a receive buffer that holds the header and 32 bytes', 'net-rx-buffer-too-small'),
  rx('a 6-byte receive buffer (half a header) with MRG_RXBUF', 'net-rx-buffer-smaller-than-header', { features: ['MRG_RXBUF'] }),
  rx('a 1-byte receive buffer with MRG_RXBUF', 'net-rx-buffer-smaller-than-header', { arg: 1, features: ['MRG_RXBUF'] }),
  rx('a device-readable descriptor in a receive chain', 'net-rx-buffer-not-writable'),
];
