/**
 * Transmit offloads the device performs before a frame goes on the wire (§5.1.6.2): completing a partial
 * checksum (NEEDS_CSUM) and segmenting GSO packets (TCPV4/TCPV6 → TCP segments, UDP_L4 → UDP datagrams,
 * UDP → IP fragments).
 *
 * Decision: the wire carries plain Ethernet frames (the EthernetPort contract has no virtio_net_hdr), so
 * every peer needs full frames: the device always completes checksums and always segments GSO packets to
 * gso_size, as a physical NIC does. Peers (responder, pcap, UDP tunnel to QEMU's `-netdev dgram`, another
 * virtio-net through the switch) therefore see valid, MTU-sized frames.
 */
import { completePartialChecksum, ipv4HeaderChecksum, pseudoHeaderSumV4, pseudoHeaderSumV6, transportChecksum } from '../../wire/checksum';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, networkHeader } from '../../wire/ethernet';
import { hex } from '../../wire/hex';
import { IPPROTO_TCP, IPPROTO_UDP } from '../../wire/ipv4';
import { GSO, GSO_TUNNEL_MASK } from '../../wire/net-header';
import { TCP_CWR, TCP_FIN, TCP_PSH } from '../../wire/tcp';

/** Completes a partial checksum in place; a computed 0 is stored as 0xffff (as Linux skb_checksum_help). */
export function completeChecksum(frame: Uint8Array, csumStart: number, csumOffset: number): boolean {
  if (!completePartialChecksum(frame, csumStart, csumOffset)) return false;
  const at = csumStart + csumOffset;
  if (frame[at] === 0 && frame[at + 1] === 0) frame[at] = frame[at + 1] = 0xff;
  return true;
}

export interface GsoRequest {
  gsoType: number;
  gsoSize: number;
  csumStart: number;
  csumOffset: number;
}

/** Identification for IPv6 fragments (UFO over IPv6). */
let ipv6FragmentId = 1;

/**
 * Cuts a GSO packet into wire frames. Returns the frames, or a reason when the packet cannot be segmented
 * (unknown type, headers that do not match the type, offsets outside the frame).
 */
export function segment(frame: Uint8Array, r: GsoRequest): Uint8Array[] | string {
  const base = r.gsoType & 0x1f;
  if (r.gsoType & GSO_TUNNEL_MASK) return 'UDP-tunnel GSO is not supported by this device';
  if (r.gsoSize === 0) return 'gso_size is 0';
  const net = networkHeader(frame);
  if (!net) return 'no network header';
  const v4 = net.type === ETHERTYPE_IPV4;
  if (!v4 && net.type !== ETHERTYPE_IPV6) return `ethertype ${hex(net.type)} is not IP`;
  if ((base === GSO.TCPV4 && !v4) || (base === GSO.TCPV6 && v4)) return `gso_type ${base === GSO.TCPV4 ? 'TCPV4' : 'TCPV6'} on an IPv${v4 ? 4 : 6} packet`;
  const l3 = net.offset;
  const l4 = r.csumStart;
  const minL4 = l3 + (v4 ? 20 : 40);
  if (l4 < minL4 || l4 >= frame.length) return `csum_start ${l4} does not point at a transport header after the IP header (offset ${minL4})`;
  switch (base) {
    case GSO.TCPV4:
    case GSO.TCPV6:
      return segmentTcp(frame, l3, l4, v4, r.gsoSize);
    case GSO.UDP_L4:
      return segmentUdp(frame, l3, l4, v4, r.gsoSize);
    case GSO.UDP:
      return fragmentUdp(frame, l3, l4, v4, r);
    default:
      return `gso_type ${r.gsoType} is not a defined GSO type`;
  }
}

const get16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
const put16 = (b: Uint8Array, o: number, v: number) => {
  b[o] = (v >> 8) & 0xff;
  b[o + 1] = v & 0xff;
};

/** Fixes the IP length fields (and the IPv4 id and header checksum) of a segment. */
function fixIp(seg: Uint8Array, l3: number, v4: boolean, idDelta: number): void {
  if (v4) {
    put16(seg, l3 + 2, seg.length - l3);
    put16(seg, l3 + 4, (get16(seg, l3 + 4) + idDelta) & 0xffff);
    put16(seg, l3 + 10, 0);
    put16(seg, l3 + 10, ipv4HeaderChecksum(seg, l3));
  } else {
    put16(seg, l3 + 4, seg.length - l3 - 40);
  }
}

/** Stores the full transport checksum of [l4, end) for `protocol` with the segment's pseudo header. */
function fixL4Checksum(seg: Uint8Array, l3: number, l4: number, v4: boolean, protocol: number, field: number): void {
  put16(seg, l4 + field, 0);
  const len = seg.length - l4;
  const pseudo = v4
    ? pseudoHeaderSumV4(seg.subarray(l3 + 12, l3 + 16), seg.subarray(l3 + 16, l3 + 20), protocol, len)
    : pseudoHeaderSumV6(seg.subarray(l3 + 8, l3 + 24), seg.subarray(l3 + 24, l3 + 40), protocol, len);
  let c = transportChecksum(pseudo, seg, l4, seg.length);
  if (c === 0 && protocol === IPPROTO_UDP) c = 0xffff;
  put16(seg, l4 + field, c);
}

function chunks(payloadLen: number, mss: number): [number, number][] {
  const out: [number, number][] = [];
  if (payloadLen === 0) return [[0, 0]];
  for (let o = 0; o < payloadLen; o += mss) out.push([o, Math.min(payloadLen, o + mss)]);
  return out;
}

function segmentTcp(frame: Uint8Array, l3: number, l4: number, v4: boolean, mss: number): Uint8Array[] | string {
  if (l4 + 20 > frame.length) return 'TCP header truncated';
  const thl = (frame[l4 + 12]! >> 4) * 4;
  if (thl < 20 || l4 + thl > frame.length) return `TCP header length ${thl} does not fit`;
  const payload = l4 + thl;
  const seq0 = ((frame[l4 + 4]! << 24) | (frame[l4 + 5]! << 16) | (frame[l4 + 6]! << 8) | frame[l4 + 7]!) >>> 0;
  const flags = frame[l4 + 13]!;
  const parts = chunks(frame.length - payload, mss);
  return parts.map(([from, to], i) => {
    const seg = new Uint8Array(payload + (to - from));
    seg.set(frame.subarray(0, payload), 0);
    seg.set(frame.subarray(payload + from, payload + to), payload);
    const seq = (seq0 + from) >>> 0;
    seg[l4 + 4] = seq >>> 24;
    seg[l4 + 5] = (seq >>> 16) & 0xff;
    seg[l4 + 6] = (seq >>> 8) & 0xff;
    seg[l4 + 7] = seq & 0xff;
    let f = flags;
    if (i < parts.length - 1) f &= ~(TCP_FIN | TCP_PSH);
    if (i > 0) f &= ~TCP_CWR;
    seg[l4 + 13] = f;
    fixIp(seg, l3, v4, i);
    fixL4Checksum(seg, l3, l4, v4, IPPROTO_TCP, 16);
    return seg;
  });
}

function segmentUdp(frame: Uint8Array, l3: number, l4: number, v4: boolean, mss: number): Uint8Array[] | string {
  const payload = l4 + 8;
  if (payload > frame.length) return 'UDP header truncated';
  return chunks(frame.length - payload, mss).map(([from, to], i) => {
    const seg = new Uint8Array(payload + (to - from));
    seg.set(frame.subarray(0, payload), 0);
    seg.set(frame.subarray(payload + from, payload + to), payload);
    put16(seg, l4 + 4, seg.length - l4);
    fixIp(seg, l3, v4, i);
    fixL4Checksum(seg, l3, l4, v4, IPPROTO_UDP, 6);
    return seg;
  });
}

/** UFO: the whole datagram gets its checksum, then the IP payload is fragmented (IPv4 or IPv6 fragment header). */
function fragmentUdp(frame: Uint8Array, l3: number, l4: number, v4: boolean, r: GsoRequest): Uint8Array[] | string {
  if (l4 + 8 > frame.length) return 'UDP header truncated';
  const whole = Uint8Array.from(frame);
  if (!completeChecksum(whole, r.csumStart, r.csumOffset)) return 'checksum offsets outside the frame';
  const size = Math.max(8, r.gsoSize & ~7);
  const body = whole.subarray(l4);
  if (body.length <= r.gsoSize) {
    fixIp(whole, l3, v4, 0);
    return [whole];
  }
  const out: Uint8Array[] = [];
  if (v4) {
    const id = get16(whole, l3 + 4);
    for (let o = 0; o < body.length; o += size) {
      const end = Math.min(body.length, o + size);
      const seg = new Uint8Array(l4 + (end - o));
      seg.set(whole.subarray(0, l4), 0);
      seg.set(body.subarray(o, end), l4);
      put16(seg, l3 + 4, id);
      put16(seg, l3 + 6, (end < body.length ? 0x2000 : 0) | (o >> 3));
      fixIp(seg, l3, true, 0);
      out.push(seg);
    }
    return out;
  }
  if (l4 !== l3 + 40 || whole[l3 + 6] !== 17) return 'IPv6 UFO with extension headers is not supported';
  const id = ipv6FragmentId++ >>> 0;
  for (let o = 0; o < body.length; o += size) {
    const end = Math.min(body.length, o + size);
    const seg = new Uint8Array(l4 + 8 + (end - o));
    seg.set(whole.subarray(0, l4), 0);
    seg[l3 + 6] = 44;
    seg[l4] = 17;
    put16(seg, l4 + 2, o | (end < body.length ? 1 : 0));
    seg[l4 + 4] = id >>> 24;
    seg[l4 + 5] = (id >>> 16) & 0xff;
    seg[l4 + 6] = (id >>> 8) & 0xff;
    seg[l4 + 7] = id & 0xff;
    seg.set(body.subarray(o, end), l4 + 8);
    fixIp(seg, l3, false, 0);
    out.push(seg);
  }
  return out;
}
