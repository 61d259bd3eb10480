/**
 * The built-in peer: a host that answers ARP requests and ICMP echo requests for every IPv4 address but
 * the asker's own, so a guest can `ping` any address of its subnet with nothing else on the link. It also
 * answers IPv6 neighbour solicitations and ICMPv6 echo requests the same way (`ipv6: false` turns that off).
 *
 * It never answers for the asker's own address (gratuitous ARP, ARP probes and IPv6 duplicate address
 * detection stay unanswered, so the guest sees no conflict), nor for an address another host on the link
 * has recently used as its own (it steps aside for real hosts when it shares a switch with them).
 * Requests with bad IP or ICMP checksums are counted as malformed and not answered, as a real host would.
 *
 * Replies go out on a later turn of the event loop (setImmediate), never from inside `receive`, so a
 * device's transmit path is not re-entered.
 */
import { dropFrame, type EthernetPort } from '../ethernet-port';
import { formatMac, isGroupMac, toUnicastMac } from '../../../wire/address';
import { ARP_OP_REQUEST, arpReply, readArp } from '../../../wire/arp';
import { internetChecksum, ipv4HeaderChecksum, verifyIpv4HeaderChecksum } from '../../../wire/checksum';
import { ETH_HEADER_LEN, ETH_MIN_FRAME, ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6, etherType } from '../../../wire/ethernet';
import {
  ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, ICMPV6_ECHO_REQUEST, ICMPV6_NEIGHBOR_SOLICITATION, icmpv6Checksum, icmpv6EchoReplyMessage,
  icmpv6Frame, neighborAdvertisementMessage,
} from '../../../wire/icmp';
import { DEFAULT_TTL, IPPROTO_ICMP, IPPROTO_ICMPV6, IPV4_HEADER_LEN } from '../../../wire/ipv4';
import { KnownHosts } from './known-hosts';

/** Locally administered unicast ("vd" in bytes 2-3). */
export const DEFAULT_RESPONDER_MAC = '02:76:64:00:00:01';

export interface ResponderOptions {
  /** The responder's MAC (text or 6 bytes, unicast). Default DEFAULT_RESPONDER_MAC. */
  mac?: string | Uint8Array;
  /** Answer IPv6 neighbour solicitations and ICMPv6 echo requests. Default true. */
  ipv6?: boolean;
  /** Addresses other hosts used as their own that are remembered (0 disables). Default 1024. */
  maxKnownHosts?: number;
  /** How long such an address is remembered (ms). Default 300 000. */
  knownHostAgeingMs?: number;
  /** Replies waiting for the next event-loop turn; more are dropped. Default 1024. */
  maxPendingReplies?: number;
  /** Milliseconds clock (tests inject one). */
  now?: () => number;
}

export interface ResponderStats {
  framesReceived: number;
  /** Requests addressed to us (broadcast or our MAC), answered or not. */
  requestsSeen: number;
  repliesSent: number;
  arpRequests: number;
  arpReplies: number;
  icmpEchoRequests: number;
  icmpEchoReplies: number;
  neighborSolicitations: number;
  neighborAdvertisements: number;
  icmpv6EchoRequests: number;
  icmpv6EchoReplies: number;
  /** Requests deliberately left unanswered: the asker's own address, probes, addresses of other hosts. */
  notAnswered: number;
  /** Frames that are not requests for us (other protocols, other destinations, replies). */
  ignored: number;
  /** Truncated or inconsistent frames, bad checksums. */
  malformed: number;
  /** Replies lost: the pending queue was full or the responder was closed. */
  dropped: number;
}

type ReplyKind = 'arp' | 'icmp' | 'na' | 'icmpv6';
const REPLY_COUNTER: Record<ReplyKind, keyof ResponderStats> = {
  arp: 'arpReplies', icmp: 'icmpEchoReplies', na: 'neighborAdvertisements', icmpv6: 'icmpv6EchoReplies',
};

export class Responder implements EthernetPort {
  transmit: (frame: Uint8Array) => void = dropFrame;
  readonly stats: ResponderStats = {
    framesReceived: 0, requestsSeen: 0, repliesSent: 0, arpRequests: 0, arpReplies: 0, icmpEchoRequests: 0,
    icmpEchoReplies: 0, neighborSolicitations: 0, neighborAdvertisements: 0, icmpv6EchoRequests: 0,
    icmpv6EchoReplies: 0, notAnswered: 0, ignored: 0, malformed: 0, dropped: 0,
  };
  readonly macBytes: Uint8Array;
  private readonly ipv6: boolean;
  private readonly hosts: KnownHosts;
  private readonly maxPending: number;
  private pending: { frame: Uint8Array; kind: ReplyKind }[] = [];
  private scheduled = false;
  private waiters: (() => void)[] = [];
  private closed = false;
  private ipId = 1;

  constructor(options: ResponderOptions = {}) {
    this.macBytes = toUnicastMac(options.mac ?? DEFAULT_RESPONDER_MAC, 'responder MAC');
    this.ipv6 = options.ipv6 ?? true;
    this.hosts = new KnownHosts(options.maxKnownHosts ?? 1024, options.knownHostAgeingMs ?? 300_000, options.now ?? Date.now);
    this.maxPending = options.maxPendingReplies ?? 1024;
  }

  get mac(): string {
    return formatMac(this.macBytes);
  }

  /** A frame from the link. Never throws; replies are sent later. */
  receive(frame: Uint8Array): void {
    this.stats.framesReceived++;
    try {
      this.handle(frame);
    } catch {
      // Every read below is bounds-checked; this only guards against a mistake turning into a crash.
      this.stats.malformed++;
    }
  }

  /** Resolves once every reply queued so far has been transmitted (or dropped). */
  flushed(): Promise<void> {
    if (!this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Stops answering; queued replies are dropped. */
  close(): void {
    this.closed = true;
    this.stats.dropped += this.pending.length;
    this.pending = [];
    this.wake();
  }

  private handle(frame: Uint8Array): void {
    if (this.closed) {
      this.stats.ignored++;
      return;
    }
    if (frame.length < ETH_HEADER_LEN || isGroupMac(frame.subarray(6, 12))) {
      this.stats.malformed++;
      return;
    }
    const type = etherType(frame);
    if (type === ETHERTYPE_ARP) this.handleArp(frame);
    else if (type === ETHERTYPE_IPV4) this.handleIpv4(frame);
    else if (type === ETHERTYPE_IPV6 && this.ipv6) this.handleIpv6(frame);
    else this.stats.ignored++;
  }

  /** RFC 826 request for Ethernet/IPv4. */
  private handleArp(frame: Uint8Array): void {
    if (frame.length < ETH_HEADER_LEN + 28) {
      this.stats.malformed++;
      return;
    }
    const arp = readArp(frame);
    if (!arp) {
      this.stats.ignored++;
      return;
    }
    const { op: oper, sha, spa, tpa } = arp;
    if (isUsableIpv4(spa) && !isGroupMac(sha)) this.hosts.note(spa, sha);
    if (oper !== ARP_OP_REQUEST || !this.addressedToUs(frame, true)) {
      this.stats.ignored++;
      return;
    }
    this.stats.requestsSeen++;
    this.stats.arpRequests++;
    // spa 0.0.0.0 is a probe (RFC 5227) and spa == tpa a gratuitous ARP: both concern the asker's own address.
    if (!isUsableIpv4(spa) || !isUsableIpv4(tpa) || equal(spa, tpa) || isGroupMac(sha) || this.hosts.ownedByAnother(tpa, sha)) {
      this.stats.notAnswered++;
      return;
    }
    this.queue(arpReply(this.macBytes, tpa, sha, spa, ETH_MIN_FRAME), 'arp');
  }

  /** ICMP echo request (RFC 792) inside an unfragmented IPv4 packet. */
  private handleIpv4(frame: Uint8Array): void {
    const ip = ETH_HEADER_LEN;
    const available = frame.length - ip;
    if (available < 20) {
      this.stats.malformed++;
      return;
    }
    const v = view(frame);
    const ihl = (frame[ip]! & 0x0f) * 4;
    const total = v.getUint16(ip + 2);
    if (frame[ip]! >> 4 !== 4 || ihl < 20 || total < ihl || total > available || !verifyIpv4HeaderChecksum(frame, ip)) {
      this.stats.malformed++;
      return;
    }
    // Views, not copies: nothing keeps them past this call (the reply is built from them, the host table keys them as text).
    const srcMac = frame.subarray(6, 12);
    const src = frame.subarray(ip + 12, ip + 16);
    const dst = frame.subarray(ip + 16, ip + 20);
    if (isUsableIpv4(src)) this.hosts.note(src, srcMac);
    const fragmented = (v.getUint16(ip + 6) & 0x3fff) !== 0;
    if (frame[ip + 9] !== IPPROTO_ICMP || fragmented || !this.addressedToUs(frame, false)) {
      this.stats.ignored++;
      return;
    }
    const icmp = frame.subarray(ip + ihl, ip + total);
    if (icmp.length < 8 || internetChecksum(icmp) !== 0) {
      this.stats.malformed++;
      return;
    }
    if (icmp[0] !== ICMP_ECHO_REQUEST) {
      this.stats.ignored++;
      return;
    }
    this.stats.requestsSeen++;
    this.stats.icmpEchoRequests++;
    if (!isUsableIpv4(src) || !isUsableIpv4(dst) || equal(src, dst) || this.hosts.ownedByAnother(dst, srcMac)) {
      this.stats.notAnswered++;
      return;
    }
    this.queue(echoReplyFrame(this.macBytes, srcMac, dst, src, this.ipId++, frame[ip + 1]!, icmp), 'icmp');
  }

  /** ICMPv6 (no extension headers): neighbour solicitation (RFC 4861 §7.1.1 checks) and echo request. */
  private handleIpv6(frame: Uint8Array): void {
    const ip = ETH_HEADER_LEN;
    const available = frame.length - ip;
    if (available < 40 || frame[ip]! >> 4 !== 6) {
      this.stats.malformed++;
      return;
    }
    const v = view(frame);
    const payloadLen = v.getUint16(ip + 4);
    if (payloadLen > available - 40) {
      this.stats.malformed++;
      return;
    }
    const srcMac = frame.slice(6, 12);
    const hopLimit = frame[ip + 7]!;
    const src = frame.slice(ip + 8, ip + 24);
    const dst = frame.slice(ip + 24, ip + 40);
    if (isUsableIpv6(src)) this.hosts.note(src, srcMac);
    if (frame[ip + 6] !== IPPROTO_ICMPV6) {
      this.stats.ignored++;
      return;
    }
    const icmp = frame.slice(ip + 40, ip + 40 + payloadLen);
    if (icmp.length < 8 || icmpv6Checksum(src, dst, icmp) !== 0) {
      this.stats.malformed++;
      return;
    }
    if (icmp[0] === ICMPV6_NEIGHBOR_SOLICITATION) this.handleSolicitation(frame, icmp, hopLimit, src, srcMac);
    else if (icmp[0] === ICMPV6_ECHO_REQUEST) this.handleEcho6(frame, icmp, src, dst, srcMac);
    else this.stats.ignored++;
  }

  private handleSolicitation(frame: Uint8Array, icmp: Uint8Array, hopLimit: number, src: Uint8Array, srcMac: Uint8Array): void {
    if (!this.addressedToUs(frame, true)) {
      this.stats.ignored++;
      return;
    }
    if (hopLimit !== 255 || icmp[1] !== 0 || icmp.length < 24) {
      this.stats.malformed++;
      return;
    }
    this.stats.requestsSeen++;
    this.stats.neighborSolicitations++;
    const target = icmp.slice(8, 24);
    // An unspecified source is duplicate address detection: the asker's own (tentative) address.
    if (!isUsableIpv6(src) || !isUsableIpv6(target) || equal(src, target) || this.hosts.ownedByAnother(target, srcMac)) {
      this.stats.notAnswered++;
      return;
    }
    const reply = icmpv6Frame(
      { srcMac: this.macBytes, dstMac: srcMac, src: target, dst: src, hopLimit: 255 },
      neighborAdvertisementMessage(target, this.macBytes, true),
      ETH_MIN_FRAME,
    );
    this.queue(reply, 'na');
  }

  private handleEcho6(frame: Uint8Array, icmp: Uint8Array, src: Uint8Array, dst: Uint8Array, srcMac: Uint8Array): void {
    if (!this.addressedToUs(frame, false)) {
      this.stats.ignored++;
      return;
    }
    this.stats.requestsSeen++;
    this.stats.icmpv6EchoRequests++;
    if (!isUsableIpv6(src) || !isUsableIpv6(dst) || equal(src, dst) || this.hosts.ownedByAnother(dst, srcMac)) {
      this.stats.notAnswered++;
      return;
    }
    const reply = icmpv6Frame(
      { srcMac: this.macBytes, dstMac: srcMac, src: dst, dst: src, hopLimit: DEFAULT_TTL },
      icmpv6EchoReplyMessage(icmp),
      ETH_MIN_FRAME,
    );
    this.queue(reply, 'icmpv6');
  }

  /** Destination MAC is ours, or (for resolution requests) broadcast/multicast. */
  private addressedToUs(frame: Uint8Array, groupOk: boolean): boolean {
    return equal(frame.subarray(0, 6), this.macBytes) || (groupOk && isGroupMac(frame));
  }

  private queue(frame: Uint8Array, kind: ReplyKind): void {
    if (this.pending.length >= this.maxPending) {
      this.stats.dropped++;
      return;
    }
    this.pending.push({ frame, kind });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.sendPending());
    }
  }

  private sendPending(): void {
    const batch = this.pending;
    this.pending = [];
    for (const { frame, kind } of batch) {
      if (this.closed) {
        this.stats.dropped++;
        continue;
      }
      this.stats.repliesSent++;
      this.stats[REPLY_COUNTER[kind]]++;
      try {
        this.transmit(frame);
      } catch {
        // A receiver that throws breaks the EthernetPort contract; keep answering the others.
      }
    }
    if (this.pending.length > 0) {
      setImmediate(() => this.sendPending());
      return;
    }
    this.wake();
  }

  private wake(): void {
    this.scheduled = false;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/**
 * The echo reply to `icmp` (a verified echo request) as one frame, built in place: the bytes
 * `ipv4Frame({ srcMac, dstMac, src, dst, protocol: ICMP, id, tos }, icmpEchoReplyMessage(icmp), ETH_MIN_FRAME)`
 * gives (a test holds the two equal), without its three intermediate buffers — at DPDK's rates the responder
 * answers tens of thousands of pings a second (figure 4 io).
 */
export function echoReplyFrame(srcMac: Uint8Array, dstMac: Uint8Array, src: Uint8Array, dst: Uint8Array, id: number, tos: number, icmp: Uint8Array): Uint8Array {
  const ip = ETH_HEADER_LEN;
  const l4 = ip + IPV4_HEADER_LEN;
  const total = IPV4_HEADER_LEN + icmp.length;
  const f = new Uint8Array(Math.max(ETH_MIN_FRAME, ip + total));
  f.set(dstMac.subarray(0, 6), 0);
  f.set(srcMac.subarray(0, 6), 6);
  f[12] = ETHERTYPE_IPV4 >> 8;
  f[13] = ETHERTYPE_IPV4 & 0xff;
  f[ip] = 0x45;
  f[ip + 1] = tos;
  f[ip + 2] = total >> 8;
  f[ip + 3] = total & 0xff;
  f[ip + 4] = (id >> 8) & 0xff;
  f[ip + 5] = id & 0xff;
  f[ip + 8] = DEFAULT_TTL;
  f[ip + 9] = IPPROTO_ICMP;
  f.set(src.subarray(0, 4), ip + 12);
  f.set(dst.subarray(0, 4), ip + 16);
  const h = ipv4HeaderChecksum(f, ip);
  f[ip + 10] = h >> 8;
  f[ip + 11] = h & 0xff;
  f.set(icmp, l4);
  f[l4] = ICMP_ECHO_REPLY;
  f[l4 + 1] = 0;
  f[l4 + 2] = f[l4 + 3] = 0;
  const c = internetChecksum(f, l4, l4 + icmp.length);
  f[l4 + 2] = c >> 8;
  f[l4 + 3] = c & 0xff;
  return f;
}

function view(frame: Uint8Array): DataView {
  return new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A unicast address a host may own: not 0.0.0.0/8, loopback, multicast, reserved or broadcast. */
function isUsableIpv4(ip: Uint8Array): boolean {
  const first = ip[0]!;
  return first !== 0 && first !== 127 && first < 224;
}

/** Not unspecified, loopback or multicast. */
function isUsableIpv6(ip: Uint8Array): boolean {
  if (ip[0] === 0xff) return false;
  let zeroPrefix = true;
  for (let i = 0; i < 15; i++) if (ip[i] !== 0) zeroPrefix = false;
  return !(zeroPrefix && (ip[15] === 0 || ip[15] === 1));
}
