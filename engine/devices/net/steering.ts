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

  /** Records that the flow of `frame` was transmitted on pair `pair` (0-based). */
  learn(frame: Uint8Array, pair: number): void {
    const key = flowKey(frame);
    if (key === undefined) return;
    this.flows.delete(key);
    this.flows.set(key, pair);
    if (this.flows.size > MAX_FLOWS) this.flows.delete(this.flows.keys().next().value!);
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
  }
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
