/**
 * The control virtqueue (§5.1.6.5): struct virtio_net_ctrl { u8 class; u8 command; u8 data[]; u8 ack; }.
 * Parses a command chain, judges it (framing, negotiated feature, data layout), applies it through the
 * device's CtrlTarget and writes the ack (VIRTIO_NET_OK 0 / VIRTIO_NET_ERR 1). Implemented: RX modes,
 * MAC_TABLE_SET, MAC_ADDR_SET, VLAN_ADD/DEL, ANNOUNCE_ACK, MQ VQ_PAIRS_SET, GUEST_OFFLOADS_SET. The other
 * classes of the spec (RSS, hash, coalescing, statistics) belong to features the device never offers.
 */
import { type GuestMemory } from '../../memory';
import { readChain, writeChain } from '../../queue/chain-io';
import { type Chain } from '../../queue/types';
import { type RuleId } from '../../rules';
import { NET_GUEST_OFFLOAD_BITS, featureByName, netCtrlClass, netCtrlCommand, type NetCtrlCommandInfo } from '../../spec-tables';
import { hasBit } from './net-features';
import { MAC_TABLE_ENTRIES, type RxFilter, type RxMode } from './rx-filter';

export const NET_OK = 0;
export const NET_ERR = 1;

/** What a command may change in the device. */
export interface CtrlTarget {
  /** The negotiated feature bits. */
  features(): bigint;
  readonly filter: RxFilter;
  readonly maxPairs: number;
  setActivePairs(n: number): void;
  setMac(mac: Uint8Array): void;
  clearAnnounce(): void;
  setGuestOffloads(offloads: bigint): void;
  violation(rule: RuleId, message: string): void;
}

export interface CtrlResult {
  ack: number;
  /** What happened, for the trace. */
  outcome: string;
}

const RX_MODES: readonly RxMode[] = ['promisc', 'allmulti', 'alluni', 'nomulti', 'nouni', 'nobcast'];
/** Largest data we read for a command: two full MAC tables and their counts, with room to spare. */
export const MAX_CTRL_DATA = 8 + 2 * 6 * 4096;

const featureBit = (short: string): number => featureByName(short, 'net')!.bit;

/** Short name of a command: `RX PROMISC`, `MQ VQ_PAIRS_SET`, or `class 9 command 4`. */
export function ctrlName(cls: number, cmd: number): string {
  const c = netCtrlCommand(cls, cmd);
  if (c) return `${c.classShort} ${c.short}`;
  const k = netCtrlClass(cls);
  return k ? `${k.short} command ${cmd}` : `class ${cls} command ${cmd}`;
}

/**
 * Handles one control chain: reads class, command and data, executes the command and writes the ack.
 * Returns the used length (1 when the ack was written) and what happened.
 */
export function handleCtrlChain(t: CtrlTarget, mem: GuestMemory, chain: Chain): { len: number; result: CtrlResult; name: string } {
  if (chain.writableBytes < 1) {
    t.violation('net-ctrl-ack-not-writable', `control chain ${chain.id} has no device-writable byte for the ack (${chain.readableBytes} readable bytes, nothing writable)`);
    return { len: 0, result: { ack: NET_ERR, outcome: 'no ack buffer: command ignored' }, name: 'ctrl' };
  }
  const bytes = readChain(mem, chain, 0, MAX_CTRL_DATA + 3);
  let result: CtrlResult;
  let name = 'ctrl';
  if (bytes.length < 2) {
    t.violation('net-ctrl-malformed', `control chain ${chain.id} has ${bytes.length} readable bytes: class and command need 2`);
    result = { ack: NET_ERR, outcome: 'no class/command' };
  } else if (bytes.length > MAX_CTRL_DATA + 2) {
    name = ctrlName(bytes[0]!, bytes[1]!);
    t.violation('net-ctrl-malformed', `${name}: ${chain.readableBytes} bytes of command data is more than any command takes`);
    result = { ack: NET_ERR, outcome: 'oversized command' };
  } else {
    name = ctrlName(bytes[0]!, bytes[1]!);
    result = executeCtrl(t, bytes[0]!, bytes[1]!, bytes.subarray(2));
  }
  const hasResult = bytes.length >= 2 && netCtrlCommand(bytes[0]!, bytes[1]!)?.result !== undefined;
  if (chain.writableBytes > 1 && !hasResult) {
    t.violation('net-ctrl-ack-not-last', `${name}: the device-writable part is ${chain.writableBytes} bytes; the ack is 1 byte and this command has no result`);
  }
  writeChain(mem, chain, Uint8Array.of(result.ack));
  return { len: 1, result, name };
}

/**
 * Executes one command (class, command, data). Reports violations through the target and returns the
 * ack with a short outcome.
 */
export function executeCtrl(t: CtrlTarget, cls: number, cmd: number, data: Uint8Array): CtrlResult {
  const name = ctrlName(cls, cmd);
  const info = netCtrlCommand(cls, cmd);
  if (!info) {
    t.violation('net-ctrl-unknown', `control command ${name} is not defined by the specification`);
    return { ack: NET_ERR, outcome: 'unknown command' };
  }
  if (!info.features.some((f) => hasBit(t.features(), featureBit(f)))) {
    t.violation('net-ctrl-not-negotiated', `control command ${name} needs ${info.features.map((f) => `VIRTIO_NET_F_${f}`).join(' or ')}, which was not negotiated (§${info.section})`);
    return { ack: NET_ERR, outcome: 'feature not negotiated' };
  }
  const bad = (message: string): CtrlResult => {
    t.violation('net-ctrl-malformed', `${name}: ${message}`);
    return { ack: NET_ERR, outcome: message };
  };
  const exact = (n: number): string | undefined => (data.length === n ? undefined : `command data is ${data.length} bytes, ${info.data} takes ${n}`);

  if (info.classShort === 'RX') {
    const e = exact(1);
    if (e) return bad(e);
    const mode = RX_MODES[cmd]!;
    t.filter.setMode(mode, data[0] !== 0);
    return { ack: NET_OK, outcome: `${mode} ${data[0] ? 'on' : 'off'}` };
  }
  return executeOther(t, info, data, bad, exact);
}

function executeOther(
  t: CtrlTarget,
  info: NetCtrlCommandInfo,
  data: Uint8Array,
  bad: (m: string) => CtrlResult,
  exact: (n: number) => string | undefined,
): CtrlResult {
  const u16 = () => data[0]! | (data[1]! << 8);
  switch (`${info.classShort} ${info.short}`) {
    case 'MAC TABLE_SET': {
      const tables = parseMacTables(data);
      if (typeof tables === 'string') return bad(tables);
      const group = tables.unicast.findIndex((m) => (m[0]! & 1) !== 0);
      if (group >= 0) return bad(`unicast table entry ${group} (${fmtMac(tables.unicast[group]!)}) is a multicast address`);
      t.filter.setTables(tables.unicast, tables.multicast);
      const over = tables.unicast.length > MAC_TABLE_ENTRIES || tables.multicast.length > MAC_TABLE_ENTRIES;
      return { ack: NET_OK, outcome: `${tables.unicast.length} unicast, ${tables.multicast.length} multicast${over ? ' (table overflow: accepting all)' : ''}` };
    }
    case 'MAC ADDR_SET': {
      const e = exact(6);
      if (e) return bad(e);
      if (data[0]! & 1) return bad(`${fmtMac(data)} is a multicast address`);
      t.setMac(Uint8Array.from(data));
      return { ack: NET_OK, outcome: `mac ${fmtMac(data)}` };
    }
    case 'VLAN ADD':
    case 'VLAN DEL': {
      const e = exact(2);
      if (e) return bad(e);
      const vid = u16();
      if (vid > 4095) return bad(`VLAN id ${vid} is above 4095`);
      if (info.short === 'ADD') t.filter.vlans.add(vid);
      else t.filter.vlans.delete(vid);
      return { ack: NET_OK, outcome: `vlan ${vid} ${info.short === 'ADD' ? 'added' : 'removed'}` };
    }
    case 'ANNOUNCE ACK': {
      const e = exact(0);
      if (e) return bad(e);
      t.clearAnnounce();
      return { ack: NET_OK, outcome: 'ANNOUNCE cleared' };
    }
    case 'MQ VQ_PAIRS_SET': {
      const e = exact(2);
      if (e) return bad(e);
      const n = u16();
      if (n < 1 || n > t.maxPairs) {
        t.violation('net-ctrl-mq-pairs-out-of-range', `VQ_PAIRS_SET ${n}: virtqueue_pairs must be 1..max_virtqueue_pairs (${t.maxPairs})`);
        return { ack: NET_ERR, outcome: `${n} pairs out of range` };
      }
      t.setActivePairs(n);
      return { ack: NET_OK, outcome: `${n} queue pair${n > 1 ? 's' : ''} active` };
    }
    case 'GUEST_OFFLOADS SET': {
      const e = exact(8);
      if (e) return bad(e);
      const offloads = readLe64(data);
      const refused = offloadsNotNegotiated(offloads, t.features());
      if (refused.length) {
        t.violation('net-ctrl-offloads-not-negotiated', `GUEST_OFFLOADS_SET 0x${offloads.toString(16)} enables ${refused.join(', ')}, not negotiated`);
        return { ack: NET_ERR, outcome: `offloads ${refused.join(', ')} not negotiated` };
      }
      t.setGuestOffloads(offloads);
      return { ack: NET_OK, outcome: `offloads 0x${offloads.toString(16)}` };
    }
    default:
      // Negotiated (a custom offered set) but not implemented here: the device cannot honour it.
      return { ack: NET_ERR, outcome: 'not supported by this device' };
  }
}

/** Names of the offload bits in `offloads` whose feature was not negotiated (unknown bits by number). */
export function offloadsNotNegotiated(offloads: bigint, negotiated: bigint): string[] {
  const out: string[] = [];
  for (let b = 0; b < 64; b++) {
    if (!(offloads & (1n << BigInt(b)))) continue;
    const known = NET_GUEST_OFFLOAD_BITS.find((o) => o.bit === b);
    if (!known) out.push(`bit ${b} (no offload)`);
    else if (!hasBit(negotiated, featureBit(known.feature))) out.push(`VIRTIO_NET_F_${known.feature}`);
  }
  return out;
}

/** The offloads value for every negotiated guest offload feature (the state after reset, §5.1.6.5.8). */
export function negotiatedGuestOffloads(negotiated: bigint): bigint {
  let v = 0n;
  for (const o of NET_GUEST_OFFLOAD_BITS) if (hasBit(negotiated, featureBit(o.feature))) v |= 1n << BigInt(o.bit);
  return v;
}

/** Two `struct virtio_net_ctrl_mac { le32 entries; u8 macs[entries][6]; }`, unicast then multicast. */
export function parseMacTables(d: Uint8Array): { unicast: Uint8Array[]; multicast: Uint8Array[] } | string {
  const tables: Uint8Array[][] = [];
  let o = 0;
  for (const kind of ['unicast', 'multicast']) {
    if (o + 4 > d.length) return `data ends before the ${kind} entry count (${d.length} B)`;
    const n = (d[o]! | (d[o + 1]! << 8) | (d[o + 2]! << 16) | (d[o + 3]! << 24)) >>> 0;
    o += 4;
    if (n > (d.length - o) / 6) return `${kind} table says ${n} entries but only ${d.length - o} bytes follow`;
    const macs: Uint8Array[] = [];
    for (let i = 0; i < n; i++, o += 6) macs.push(d.slice(o, o + 6));
    tables.push(macs);
  }
  if (o !== d.length) return `${d.length - o} bytes after the multicast table`;
  return { unicast: tables[0]!, multicast: tables[1]! };
}

function readLe64(d: Uint8Array): bigint {
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(d[i] ?? 0);
  return v;
}

function fmtMac(m: Uint8Array): string {
  return Array.from(m.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join(':');
}
