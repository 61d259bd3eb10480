/**
 * virtio-net workloads for the reference driver: `ping` (ARP for the target, then ICMP echo requests,
 * counting the replies — the built-in responder answers for any address but the asker's own) and `flood`
 * (frames of random payload, some with partial checksums). Both run over a NetClient, which keeps the
 * receive queues filled and commits net-* fault plans.
 */
import { type GuestMemory } from '../../memory';
import { type GuestAllocator } from '../allocator';
import { type ReferenceDriver } from '../driver';
import { type FaultPlan } from '../ring-types';
import { NetClient, type NetClientOptions, type TxHeader } from './net-client';
import { commitControlFaults } from './net-faults';
import { parseIpv4 } from '../../wire/address';
import { arpReply, arpRequest } from '../../wire/arp';
import { BROADCAST_MAC, ETHERTYPE_EXPERIMENTAL, ethernetFrame } from '../../wire/ethernet';
import { icmpEchoRequest, isIcmpEchoReply } from '../../wire/icmp';
import { udpFrame } from '../../wire/udp';
import { arpReplyFor, arpRequestFor, icmpEchoReplyTo } from './net-frames';

export { NetClient, type NetClientOptions, type ReceivedPacket, type TxHeader, type CommandOptions } from './net-client';
export { NET_CTRL_FAULTS, NET_RX_FAULTS, NET_TX_FAULTS, commitControlFaults, isNetFault } from './net-faults';
export * from './net-frames';

/** Starts a net client: reads the config, fills the receive queues, commits control/config faults. */
export async function startNetClient(
  driver: ReferenceDriver,
  mem: GuestMemory,
  alloc: GuestAllocator,
  o: NetClientOptions = {},
): Promise<NetClient> {
  const client = new NetClient(driver, mem, alloc, o);
  client.start();
  await commitControlFaults(client);
  return client;
}

export interface PingOptions {
  count: number;
  /** The driver's own address (default 10.0.2.15). */
  ourIp?: string;
  /** Address to ping (default 10.0.2.2: the responder answers any address). */
  target?: string;
  /** How long to wait for each answer (default 1000 ms). */
  timeoutMs?: number;
  /** ICMP payload bytes (default 56, as ping). */
  payload?: number;
  /** Transmit pair (default 0). */
  pair?: number;
}

export interface PingResult {
  /** The target's MAC from the ARP reply, if one came. */
  targetMac: string | undefined;
  sent: number;
  replies: number;
  /** Replies whose payload differed from the request. */
  corrupted: number;
}

export async function runNetPing(client: NetClient, o: PingOptions): Promise<PingResult> {
  const ourMac = client.mac;
  const ourIp = parseIpv4(o.ourIp ?? '10.0.2.15');
  const target = parseIpv4(o.target ?? '10.0.2.2');
  const timeout = o.timeoutMs ?? 1000;
  const pair = o.pair ?? 0;
  const result: PingResult = { targetMac: undefined, sent: 0, replies: 0, corrupted: 0 };
  await client.transmit(arpRequest(ourMac, ourIp, target), {}, pair);
  const arp = await client.waitFor((p) => arpReplyFor(p.frame, target) !== undefined, timeout);
  if (!arp) return result;
  const targetMac = arpReplyFor(arp.frame, target)!;
  result.targetMac = Array.from(targetMac, (b) => b.toString(16).padStart(2, '0')).join(':');
  const ident = 0x7664;
  for (let seq = 1; seq <= o.count; seq++) {
    const payload = Uint8Array.from({ length: o.payload ?? 56 }, (_, i) => (i + seq) & 0xff);
    const frame = icmpEchoRequest({ srcMac: ourMac, dstMac: targetMac, src: ourIp, dst: target }, ident, seq, payload);
    await client.transmit(frame, {}, pair);
    result.sent++;
    const reply = await client.waitFor((p) => isIcmpEchoReply(p.frame, ident, seq), timeout);
    if (!reply) continue;
    result.replies++;
    const l4 = 14 + (reply.frame[14]! & 0x0f) * 4;
    const back = reply.frame.subarray(l4 + 8, l4 + 8 + payload.length);
    if (back.length !== payload.length || back.some((b, i) => b !== payload[i])) result.corrupted++;
  }
  return result;
}

export interface FloodOptions {
  count: number;
  /** Frame sizes are drawn from [minSize, maxSize] (default 60..1514). */
  minSize?: number;
  maxSize?: number;
  /** Destination MAC (default broadcast). */
  dst?: Uint8Array;
  /** Every other frame is a UDP datagram with a partial checksum (NEEDS_CSUM) when CSUM was negotiated. */
  partialChecksums?: boolean;
  /** Frames in flight together (default 8). */
  batch?: number;
  seed?: number;
}

export interface FloodResult {
  sent: number;
  bytes: number;
  /** The frames as sent (checksums still partial where NEEDS_CSUM was used). */
  frames: Uint8Array[];
}

/** Sends `count` frames of random payload; the frames are returned for comparison by the caller. */
export async function runNetFlood(client: NetClient, o: FloodOptions): Promise<FloodResult> {
  let state = (o.seed ?? 1) >>> 0 || 1;
  const rand = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
  const min = Math.max(14, o.minSize ?? 60);
  const max = Math.max(min, o.maxSize ?? 1514);
  const src = client.mac;
  const dst = o.dst ?? BROADCAST_MAC;
  const csum = (o.partialChecksums ?? true) && client.has('CSUM');
  const result: FloodResult = { sent: 0, bytes: 0, frames: [] };
  const batch = Math.max(1, o.batch ?? 8);
  for (let i = 0; i < o.count; i += batch) {
    const packets: { frame: Uint8Array; hdr: TxHeader }[] = [];
    for (let k = i; k < Math.min(o.count, i + batch); k++) {
      const size = min + Math.floor(rand() * (max - min + 1));
      const payload = Uint8Array.from({ length: Math.max(0, size - 14) }, () => Math.floor(rand() * 256));
      let frame: Uint8Array;
      let hdr: TxHeader = {};
      if (csum && k % 2 === 1 && size >= 14 + 28) {
        const u = udpFrame({ srcMac: src, dstMac: dst, src: parseIpv4('10.0.2.15'), dst: parseIpv4('10.0.2.255') }, 9, 9, payload.subarray(0, size - 42), true);
        frame = u.frame;
        hdr = { flags: 1, csumStart: u.csumStart, csumOffset: u.csumOffset };
      } else {
        frame = ethernetFrame(dst, src, ETHERTYPE_EXPERIMENTAL, payload);
      }
      result.frames.push(frame);
      result.sent++;
      result.bytes += frame.length;
      packets.push({ frame, hdr });
    }
    // One publish and one notification per batch.
    await Promise.all(client.transmitMany(packets));
  }
  return result;
}

export interface HostService {
  /** ARP requests and echo requests answered so far. */
  readonly answered: { arp: number; echo: number };
  stop(): void;
}

/**
 * Makes the driver behave as a host with address `ip`: it answers ARP requests for it and ICMP echo
 * requests to it (the other end of a ping between two net devices).
 */
export function serveNetHost(client: NetClient, o: { ip: string; pair?: number }): HostService {
  const ip = parseIpv4(o.ip);
  const mac = client.mac;
  const answered = { arp: 0, echo: 0 };
  const stop = client.onPacket((p) => {
    const asker = arpRequestFor(p.frame, ip);
    if (asker) {
      answered.arp++;
      void client.transmit(arpReply(mac, ip, asker.mac, asker.ip), {}, o.pair ?? 0);
      return;
    }
    const reply = icmpEchoReplyTo(p.frame, mac, ip);
    if (reply) {
      answered.echo++;
      void client.transmit(reply, {}, o.pair ?? 0);
    }
  });
  return { answered, stop };
}

/** Fault plans of a list that the net workload commits (the rest belong to the driver and the rings). */
export function netFaults(faults: readonly FaultPlan[] | undefined): FaultPlan[] {
  return (faults ?? []).filter((f) => f.rule.startsWith('net-'));
}
