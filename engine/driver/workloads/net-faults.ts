/**
 * Fault injection for the net workload: how the reference driver breaks each net-* rule on purpose.
 * Transmit faults change the `atChain`-th transmitted packet, receive faults the `atChain`-th receive
 * buffer posted by start(), control and config faults are committed by commitControlFaults().
 */
import { type FaultPlan } from '../ring-types';
import { encodeNetHdr } from '../../wire/net-header';
import { MAX_FRAME } from '../../wire/ethernet';
import { type NetClient, type TxHeader } from './net-client';

const NEEDS_CSUM = 1;
const DATA_VALID = 2;
const GSO_TCPV4 = 1;
const GSO_UDP = 3;
const GSO_TCPV6 = 4;
const GSO_UDP_L4 = 5;
const GSO_ECN = 0x80;

export const NET_TX_FAULTS = [
  'net-hdr-size-mismatch',
  'net-tx-too-short',
  'net-tx-num-buffers-nonzero',
  'net-tx-flags-without-csum',
  'net-tx-rx-only-flags',
  'net-tx-csum-out-of-frame',
  'net-tx-gso-not-negotiated',
  'net-tx-gso-type-undefined',
  'net-tx-gso-incomplete',
  'net-tx-exceeds-mtu',
  'net-tx-frame-too-long',
  'net-tx-writable-descriptor',
  'net-tx-queue-inactive',
] as const;
export const NET_RX_FAULTS = ['net-rx-buffer-too-small', 'net-rx-buffer-smaller-than-header', 'net-rx-buffer-not-writable'] as const;
export const NET_CTRL_FAULTS = [
  'net-ctrl-not-negotiated',
  'net-ctrl-unknown',
  'net-ctrl-malformed',
  'net-ctrl-ack-not-writable',
  'net-ctrl-ack-not-last',
  'net-ctrl-mq-pairs-out-of-range',
  'net-ctrl-offloads-not-negotiated',
  'net-config-write',
] as const;

const ALL = new Set<string>([...NET_TX_FAULTS, ...NET_RX_FAULTS, ...NET_CTRL_FAULTS]);

export function isNetFault(rule: string): boolean {
  return ALL.has(rule);
}

export interface RxBufferShape {
  pieces: { len: number; write: boolean }[];
}

/** The receive buffer that breaks `plan`'s rule (`arg`: its size). */
export function rxFaultShape(plan: FaultPlan, headerSize: number, size: number): RxBufferShape {
  switch (plan.rule) {
    case 'net-rx-buffer-too-small':
      return { pieces: [{ len: plan.arg ?? headerSize + 32, write: true }] };
    case 'net-rx-buffer-smaller-than-header':
      return { pieces: [{ len: plan.arg ?? Math.max(1, headerSize >> 1), write: true }] };
    case 'net-rx-buffer-not-writable':
      return { pieces: [{ len: 16, write: false }, { len: size, write: true }] };
    default:
      return { pieces: [{ len: size, write: true }] };
  }
}

export interface TxShape {
  header: Uint8Array;
  frame: Uint8Array;
  pair: number;
  /** A device-writable buffer of this many bytes at the end (0: none). */
  extraWritable: number;
}

export interface TxFaultContext {
  frame: Uint8Array;
  hdr: TxHeader;
  pair: number;
  headerSize: number;
  mtu: number;
  pairs: number;
  activePairs: number;
  has(short: string): boolean;
}

/** The transmit that breaks `plan`'s rule, built from the packet the workload wanted to send. */
export function txFaultShape(plan: FaultPlan, c: TxFaultContext): TxShape {
  const shape = (hdr: TxHeader, frame = c.frame, size = c.headerSize): TxShape => ({ header: encodeNetHdr(hdr, size), frame, pair: c.pair, extraWritable: 0 });
  switch (plan.rule) {
    case 'net-hdr-size-mismatch':
      // The classic F15 bug: the legacy 10-byte header on a device that negotiated VERSION_1 (or 12 for 10).
      return shape(c.hdr, c.frame, plan.arg ?? (c.headerSize === 10 ? 12 : 10));
    case 'net-tx-too-short':
      return shape(c.hdr, c.frame.subarray(0, plan.arg ?? 0));
    case 'net-tx-num-buffers-nonzero':
      return shape({ ...c.hdr, numBuffers: plan.arg ?? 1 });
    case 'net-tx-flags-without-csum':
      return shape({ ...c.hdr, flags: NEEDS_CSUM, csumStart: 14, csumOffset: 0 });
    case 'net-tx-rx-only-flags':
      return shape({ ...c.hdr, flags: (c.hdr.flags ?? 0) | DATA_VALID });
    case 'net-tx-csum-out-of-frame':
      return shape({ ...c.hdr, flags: NEEDS_CSUM, csumStart: c.frame.length, csumOffset: plan.arg ?? 0 });
    case 'net-tx-gso-not-negotiated':
      return shape({ ...c.hdr, flags: NEEDS_CSUM, csumStart: 14, csumOffset: 0, gsoType: unnegotiatedGso(c), gsoSize: 1400, hdrLen: 54 });
    case 'net-tx-gso-type-undefined':
      // gso_type 2 is not defined (arg: another value); the rest of the header is a complete TSO request.
      return shape({ ...c.hdr, flags: NEEDS_CSUM, csumStart: 14, csumOffset: 0, gsoType: plan.arg ?? 2, gsoSize: 1400, hdrLen: 54 });
    case 'net-tx-gso-incomplete':
      return shape({ ...c.hdr, flags: 0, gsoType: GSO_TCPV4, gsoSize: 1400, hdrLen: 54 });
    case 'net-tx-exceeds-mtu': {
      const big = new Uint8Array(14 + c.mtu + (plan.arg ?? 1));
      big.set(c.frame.subarray(0, Math.min(c.frame.length, big.length)));
      return shape({ ...c.hdr, gsoType: 0 }, big);
    }
    case 'net-tx-frame-too-long': {
      // arg: bytes beyond the largest frame (default 1).
      const big = new Uint8Array(MAX_FRAME + (plan.arg ?? 1));
      big.set(c.frame.subarray(0, Math.min(c.frame.length, big.length)));
      return shape({ ...c.hdr, gsoType: 0 }, big);
    }
    case 'net-tx-writable-descriptor':
      return { ...shape(c.hdr), extraWritable: plan.arg ?? 16 };
    case 'net-tx-queue-inactive':
      return { ...shape(c.hdr), pair: c.activePairs < c.pairs ? c.pairs - 1 : c.pair };
    default:
      return shape(c.hdr);
  }
}

/** A gso_type whose HOST_* feature was not negotiated (or an undefined type when all were). */
function unnegotiatedGso(c: TxFaultContext): number {
  const options: [number, string][] = [
    [GSO_TCPV4, 'HOST_TSO4'],
    [GSO_TCPV6, 'HOST_TSO6'],
    [GSO_UDP, 'HOST_UFO'],
    [GSO_UDP_L4, 'HOST_USO'],
  ];
  for (const [type, feature] of options) if (!c.has(feature)) return type;
  return c.has('HOST_ECN') ? 2 : GSO_TCPV4 | GSO_ECN;
}

/** A command the driver may send without changing anything, among those negotiated. */
function harmlessCommand(client: NetClient): [string, string, number[]] | undefined {
  if (client.has('GUEST_ANNOUNCE')) return ['ANNOUNCE', 'ACK', []];
  if (client.has('MQ')) return ['MQ', 'VQ_PAIRS_SET', [client.activePairs & 0xff, client.activePairs >> 8]];
  if (client.has('CTRL_VLAN')) return ['VLAN', 'DEL', [0xff, 0x0f]];
  if (client.has('CTRL_RX')) return ['RX', 'ALLMULTI', [1]];
  return undefined;
}

/**
 * Commits the control-queue and config-space faults among the client's plans (`arg`: the bad value where one
 * applies). Returns the rules committed.
 */
export async function commitControlFaults(client: NetClient): Promise<string[]> {
  const done: string[] = [];
  const plan = (rule: string) => client.pendingFaults.find((f) => f.rule === rule);
  const cmd = async (rule: string, run: () => Promise<unknown>) => {
    if (!plan(rule)) return;
    await run();
    client.claimFault(rule);
    done.push(rule);
  };
  const hasCtrl = client.ctrlQueue !== undefined;
  const harmless = harmlessCommand(client);
  if (hasCtrl) {
    await cmd('net-ctrl-not-negotiated', () => client.command(6, 0, new Uint8Array(8))); // NOTF_COAL TX_SET: never offered
    await cmd('net-ctrl-unknown', () => client.command(plan('net-ctrl-unknown')?.arg ?? 0x7f, 0));
    await cmd('net-ctrl-malformed', () => (harmless ? client.commandByName(harmless[0], harmless[1], [...harmless[2], 0]) : client.command(0, 0, new Uint8Array(0), { headerBytes: 1 })));
    await cmd('net-ctrl-ack-not-writable', () => client.command(0x7f, 0, new Uint8Array(0), { ackReadable: true }));
    if (harmless) await cmd('net-ctrl-ack-not-last', () => client.commandByName(harmless[0], harmless[1], harmless[2], { ackLen: plan('net-ctrl-ack-not-last')?.arg ?? 4 }));
    if (client.has('MQ')) {
      await cmd('net-ctrl-mq-pairs-out-of-range', () => {
        const n = plan('net-ctrl-mq-pairs-out-of-range')?.arg ?? client.config(8, 2) + 1;
        return client.commandByName('MQ', 'VQ_PAIRS_SET', [n & 0xff, (n >> 8) & 0xff]);
      });
    }
    if (client.has('CTRL_GUEST_OFFLOADS')) {
      await cmd('net-ctrl-offloads-not-negotiated', () => {
        const bitNo = BigInt(plan('net-ctrl-offloads-not-negotiated')?.arg ?? 46);
        const v = 1n << bitNo;
        return client.commandByName('GUEST_OFFLOADS', 'SET', Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn)));
      });
    }
  }
  const cw = client.claimFault('net-config-write');
  if (cw) {
    client.driver.writeConfig(cw.arg ?? 0, 0x02, 1);
    done.push('net-config-write');
  }
  return done;
}
