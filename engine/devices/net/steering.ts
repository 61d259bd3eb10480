/**
 * Automatic receive steering in multiqueue mode (§5.1.6.5.6): after the driver transmitted a packet of a
 * flow on transmitqX, incoming packets of that flow go to receiveqX; other packets are spread over the
 * active pairs by a flow hash. The flow key is symmetric (both directions of a conversation share it), so
 * learning on transmit and looking up on receive use the same function. The learned table is bounded.
 */
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_VLAN } from '../../wire/ethernet';
import { hexString } from '../../wire/hex';

/** Flows remembered; the least recently used is forgotten first. */
const MAX_FLOWS = 1024;

export class Steering {
  private readonly flows = new Map<string, number>();
  /** The start of the frame learned last (an untagged IPv4 one) and its pair: that flow is the newest entry. */
  private last: { head: Uint8Array; pair: number } | undefined;

  /** Records that the flow of `frame` was transmitted on pair `pair` (0-based). */
  learn(frame: Uint8Array, pair: number): void {
    // A sender streams one flow: the same flow again on the same pair would leave the table as it is.
    const l = this.last;
    if (l && l.pair === pair && sameIpv4Flow(l.head, frame)) return;
    const key = flowKey(frame);
    if (key === undefined) return;
    this.flows.delete(key);
    this.flows.set(key, pair);
    if (this.flows.size > MAX_FLOWS) this.flows.delete(this.flows.keys().next().value!);
    this.last = isIpv4(frame) ? { head: frame.slice(0, IPV4_FLOW_BYTES), pair } : undefined;
  }

  /** The receive pair (0-based, below `activePairs`) for `frame`. */
  select(frame: Uint8Array, activePairs: number): number {
    if (activePairs <= 1) return 0;
    const key = flowKey(frame) ?? '';
    const learned = this.flows.get(key);
    if (learned !== undefined && learned < activePairs) return learned;
    return fnv1a(key) % activePairs;
  }

  clear(): void {
    this.flows.clear();
    this.last = undefined;
  }
}

/** Bytes of an untagged IPv4 frame flowKey can read: Ethernet, the longest IPv4 header, 4 bytes of ports. */
const IPV4_FLOW_BYTES = 14 + 60 + 4;

function isIpv4(f: Uint8Array): boolean {
  return f.length >= 34 && f[12] === ETHERTYPE_IPV4 >> 8 && f[13] === (ETHERTYPE_IPV4 & 0xff);
}

/**
 * Whether untagged IPv4 frames `a` (a prefix of a frame of at least 34 bytes) and `b` have the same flowKey,
 * from the bytes it reads: EtherType, header length, fragment offset, protocol, addresses, and the ports when
 * it reads them (TCP/UDP, first fragment, the frame long enough).
 */
export function sameIpv4Flow(a: Uint8Array, b: Uint8Array): boolean {
  if (!isIpv4(b) || !isIpv4(a) || a[14] !== b[14] || a[20] !== b[20] || a[21] !== b[21] || a[23] !== b[23]) return false;
  for (let i = 26; i < 34; i++) if (a[i] !== b[i]) return false;
  const proto = b[23];
  if (proto !== 6 && proto !== 17) return true;
  if (((b[20]! & 0x1f) << 8) | b[21]!) return true;
  const l4 = 14 + (b[14]! & 0x0f) * 4;
  // `a` holds up to IPV4_FLOW_BYTES of its frame, which covers l4 + 4 whenever that frame was that long.
  const portsA = a.length >= l4 + 4;
  const portsB = b.length >= l4 + 4;
  if (portsA !== portsB) return false;
  return !portsB || (a[l4] === b[l4] && a[l4 + 1] === b[l4 + 1] && a[l4 + 2] === b[l4 + 2] && a[l4 + 3] === b[l4 + 3]);
}

/**
 * `proto|endpointA|endpointB` with the endpoints sorted: IPv4 addresses (as decimal u32) / IPv6 addresses (hex)
 * plus TCP/UDP ports (first fragment only), else the two MAC addresses (hex). undefined for frames too short to have a flow.
 */
export function flowKey(f: Uint8Array): string | undefined {
  if (f.length < 14) return undefined;
  let l3 = 14;
  let type = (f[12]! << 8) | f[13]!;
  if (type === ETHERTYPE_VLAN && f.length >= 18) {
    type = (f[16]! << 8) | f[17]!;
    l3 = 18;
  }
  const hex = (o: number, n: number): string => hexString(f.subarray(o, o + n));
  let proto: number;
  let src: string;
  let dst: string;
  let l4: number;
  let firstFragment = true;
  if (type === ETHERTYPE_IPV4 && f.length >= l3 + 20) {
    proto = f[l3 + 9]!;
    // Decimal u32s: the key is built for every transmitted frame (learning), and hex text cost 5 % of
    // figure 4's round trips.
    src = String(u32(f, l3 + 12));
    dst = String(u32(f, l3 + 16));
    l4 = l3 + (f[l3]! & 0x0f) * 4;
    firstFragment = (((f[l3 + 6]! & 0x1f) << 8) | f[l3 + 7]!) === 0;
  } else if (type === ETHERTYPE_IPV6 && f.length >= l3 + 40) {
    proto = f[l3 + 6]!;
    src = hex(l3 + 8, 16);
    dst = hex(l3 + 24, 16);
    l4 = l3 + 40;
  } else {
    const a = hex(0, 6);
    const b = hex(6, 6);
    return `l2|${a < b ? a : b}|${a < b ? b : a}`;
  }
  if ((proto === 6 || proto === 17) && firstFragment && f.length >= l4 + 4) {
    src += `:${(f[l4]! << 8) | f[l4 + 1]!}`;
    dst += `:${(f[l4 + 2]! << 8) | f[l4 + 3]!}`;
  }
  return `${proto}|${src < dst ? src : dst}|${src < dst ? dst : src}`;
}

function u32(f: Uint8Array, o: number): number {
  return ((f[o]! << 24) | (f[o + 1]! << 16) | (f[o + 2]! << 8) | f[o + 3]!) >>> 0;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
