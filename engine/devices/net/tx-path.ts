/**
 * The transmit path (§5.1.6.2): a transmit chain is struct virtio_net_hdr followed by a frame, both
 * device-readable. The device judges the header against the negotiated features, completes a partial
 * checksum, segments a GSO packet (see gso.ts: the wire always gets full frames) and hands the frames to
 * the wire. The used length of a transmit chain is 0: the device writes nothing.
 */
import { type QueueRuntime } from '../../device-core/queue-runtime';
import { type GuestMemory } from '../../memory';
import { readChain } from '../../queue/chain-io';
import { type Chain } from '../../queue/types';
import { type RuleId } from '../../rules';
import { MAX_FRAME, networkHeader } from '../../wire/ethernet';
import { GSO, GSO_TUNNEL_MASK, HDR_F, type HeaderLayout, KNOWN_HEADER_SIZES, type NetHdr, parseNetHdr } from '../../wire/net-header';
import { completeChecksum, segment } from './gso';
import { NET_F, hasBit, hostFeatureForGso } from './net-features';
import { type NetStats } from './net-stats';

export { MAX_FRAME };
const ETH_HEADER = 14;

export interface TxHost {
  readonly mem: GuestMemory;
  readonly stats: NetStats;
  /** The negotiated feature bits. */
  features(): bigint;
  layout(): HeaderLayout;
  /** MTU the driver must respect (only with VIRTIO_NET_F_MTU), else undefined. */
  negotiatedMtu(): number | undefined;
  /** Frames can go out (DRIVER_OK and link up). */
  linkUp(): boolean;
  violation(rule: RuleId, message: string, q: QueueRuntime, index?: number, once?: boolean): void;
  /** Puts a frame on the wire. */
  send(frame: Uint8Array): void;
  /** The frame left through pair `pair` (for receive steering). */
  learn(frame: Uint8Array, pair: number): void;
}

/** Header and frame of a transmit chain; the frame is a copy of guest memory, the caller's own. */
export interface TxRead {
  hdr: NetHdr;
  frame: Uint8Array;
  /** The chain carries more than the largest frame. */
  truncated: boolean;
}

/**
 * Reads header and frame of a transmit chain (bounded by MAX_FRAME). The frame is a copy of its own (its own
 * buffer, not a view of a larger one): the caller may keep or change it, and a short frame (≤ 64 bytes, DPDK's
 * 60-byte ones) lives on V8's heap instead of in a separate backing store (~1 µs each, and garbage collector work).
 */
export function readTxChain(mem: GuestMemory, chain: Chain, layout: HeaderLayout): TxRead {
  const hdr = parseNetHdr(readChain(mem, chain, 0, layout.size), layout);
  const frame = readChain(mem, chain, layout.size, MAX_FRAME);
  return { hdr, frame, truncated: chain.readableBytes - layout.size > MAX_FRAME };
}

/**
 * Processes one transmit chain of queue `q` (pair `pair`, 0-based; `active` false when the pair is beyond
 * the pairs set with VQ_PAIRS_SET). `read`: the chain as readTxChain read it just before (for the trace's
 * summary), else it is read here. Returns the used length (always 0).
 */
export function transmitChain(host: TxHost, q: QueueRuntime, chain: Chain, pair: number, active: boolean, read?: TxRead): number {
  const layout = host.layout();
  const v = (rule: RuleId, message: string, once = false) => host.violation(rule, message, q, chain.head, once);
  if (!active) v('net-tx-queue-inactive', `packet queued on ${q.name} but only ${pair} queue pair${pair === 1 ? ' is' : 's are'} active (VQ_PAIRS_SET)`, true);
  if (chain.writableBytes > 0) v('net-tx-writable-descriptor', `transmit chain ${chain.id} has ${chain.writableBytes} device-writable bytes`, true);
  const first = chain.descriptors.find((d) => (d.flags & 2) === 0);
  const readableCount = chain.readable.length;
  if (first && readableCount > 1 && first.len !== layout.size && (KNOWN_HEADER_SIZES as readonly number[]).includes(first.len)) {
    v('net-hdr-size-mismatch', `transmit chain ${chain.id} starts with a ${first.len}-byte header buffer, but the negotiated features give a ${layout.size}-byte virtio_net_hdr`, true);
  }
  if (chain.readableBytes < layout.size + ETH_HEADER) {
    v('net-tx-too-short', `transmit chain ${chain.id} has ${chain.readableBytes} readable bytes: less than the ${layout.size}-byte header plus a 14-byte Ethernet header`);
    host.stats.txDropped.malformed++;
    return 0;
  }
  const { hdr, frame, truncated } = read ?? readTxChain(host.mem, chain, layout);
  if (truncated) {
    v('net-tx-frame-too-long', `transmit chain ${chain.id} carries ${chain.readableBytes - layout.size} bytes after the ${layout.size}-byte header: more than the ${MAX_FRAME}-byte largest frame; dropped`);
    host.stats.txDropped.malformed++;
    return 0;
  }
  // `frame` is already a copy of its own (readTxChain), which the checksum completion may write into.
  const frames = judgeAndBuild(host, hdr, frame, (rule, message) => v(rule, message));
  if (!frames) {
    host.stats.txDropped.malformed++;
    return 0;
  }
  if (!host.linkUp()) {
    host.stats.txDropped.linkDown += frames.length;
    return 0;
  }
  for (const f of frames) {
    host.learn(f, pair);
    host.stats.txFrames++;
    host.stats.txBytes += f.length;
    host.send(f);
  }
  return 0;
}

/**
 * Judges the header (§5.1.6.2.1) and produces the wire frames; undefined when the packet is dropped.
 * Violations are reported through `v`; the device is lenient where it can still do what was asked.
 */
export function judgeAndBuild(host: Pick<TxHost, 'features' | 'negotiatedMtu' | 'stats'>, hdr: NetHdr, frame: Uint8Array, v: (rule: RuleId, message: string) => void): Uint8Array[] | undefined {
  const f = host.features();
  if (hdr.numBuffers !== undefined && hdr.numBuffers !== 0) v('net-tx-num-buffers-nonzero', `transmit header has num_buffers ${hdr.numBuffers}`);
  if (hdr.flags & (HDR_F.DATA_VALID | HDR_F.RSC_INFO)) {
    v('net-tx-rx-only-flags', `transmit header flags 0x${hdr.flags.toString(16)} include ${hdr.flags & HDR_F.DATA_VALID ? 'DATA_VALID' : 'RSC_INFO'}, a receive-only flag`);
  }
  const needsCsum = (hdr.flags & HDR_F.NEEDS_CSUM) !== 0;
  if (hdr.flags !== 0 && !hasBit(f, NET_F.CSUM)) v('net-tx-flags-without-csum', `transmit header flags 0x${hdr.flags.toString(16)} but VIRTIO_NET_F_CSUM was not negotiated (flags must be 0)`);
  if (needsCsum && hdr.csumStart + hdr.csumOffset + 2 > frame.length) {
    v('net-tx-csum-out-of-frame', `NEEDS_CSUM with csum_start ${hdr.csumStart} + csum_offset ${hdr.csumOffset}: the checksum field does not fit in the ${frame.length}-byte frame`);
    return undefined;
  }
  const gso = hdr.gsoType;
  if (gso === GSO.NONE) {
    const mtu = host.negotiatedMtu();
    const net = networkHeader(frame);
    const linkHeader = net ? net.offset : ETH_HEADER;
    if (mtu !== undefined && frame.length - linkHeader > mtu) {
      v('net-tx-exceeds-mtu', `${frame.length}-byte frame carries ${frame.length - linkHeader} bytes after the link header: more than the negotiated mtu ${mtu}`);
    }
    if (needsCsum) {
      completeChecksum(frame, hdr.csumStart, hdr.csumOffset);
      host.stats.txChecksummed++;
    }
    return [frame];
  }
  judgeGsoType(f, gso, v);
  if (!needsCsum || hdr.gsoSize === 0) {
    v('net-tx-gso-incomplete', `gso_type ${gso} with ${!needsCsum ? 'NEEDS_CSUM not set' : ''}${!needsCsum && hdr.gsoSize === 0 ? ' and ' : ''}${hdr.gsoSize === 0 ? 'gso_size 0' : ''}`);
    if (!needsCsum) return undefined;
  }
  const segs = segment(frame, hdr);
  if (typeof segs === 'string') return undefined;
  host.stats.txSegmented++;
  return segs;
}

function judgeGsoType(f: bigint, gso: number, v: (rule: RuleId, message: string) => void): void {
  const base = gso & ~(GSO.ECN | GSO_TUNNEL_MASK);
  const needed = hostFeatureForGso(base);
  const names: Record<number, string> = { [GSO.TCPV4]: 'TCPV4', [GSO.TCPV6]: 'TCPV6', [GSO.UDP]: 'UDP', [GSO.UDP_L4]: 'UDP_L4' };
  if (needed === undefined) v('net-tx-gso-type-undefined', `gso_type 0x${gso.toString(16)}: ${base} is not a defined GSO type (NONE 0, TCPV4 1, UDP 3, TCPV6 4, UDP_L4 5)`);
  else if (!hasBit(f, needed)) v('net-tx-gso-not-negotiated', `gso_type ${names[base]} needs the matching HOST_* feature, which was not negotiated`);
  if (gso & GSO.ECN && !hasBit(f, NET_F.HOST_ECN)) v('net-tx-gso-not-negotiated', 'gso_type has the ECN bit but VIRTIO_NET_F_HOST_ECN was not negotiated');
  if (gso & GSO_TUNNEL_MASK) v('net-tx-gso-not-negotiated', 'gso_type has a UDP-tunnel bit but VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO was not negotiated');
}
