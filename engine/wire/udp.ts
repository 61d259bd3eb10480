/**
 * UDP (RFC 768): building a datagram in an IPv4 frame (full or partial checksum) and the decoder for the
 * Variables view.
 */
import { onesComplementSum, pseudoHeaderSumV4, transportChecksumOk } from './checksum';
import { ETH_HEADER_LEN } from './ethernet';
import { hex, hexBytes } from './hex';
import { type IpContext, IPPROTO_UDP, IPV4_HEADER_LEN, type Ipv4Options, ipv4Frame } from './ipv4';
import { LayerBuilder, type LayerResult, type Row, num } from './layer';

export const UDP_HEADER_LEN = 8;
/** Offset of the checksum in the UDP header. */
export const UDP_CHECKSUM_OFFSET = 6;

/** A transport segment in a frame, with where a device completes its checksum (NEEDS_CSUM: csum_start/csum_offset). */
export interface TransportFrame {
  frame: Uint8Array;
  csumStart: number;
  csumOffset: number;
}

/** Stores a transport checksum at `at`: the full one, or with `partial` the pseudo-header sum a device completes. */
export function fillTransportChecksum(seg: Uint8Array, at: number, pseudo: number, partial: boolean, zeroAsFfff: boolean): void {
  seg[at] = seg[at + 1] = 0;
  let c = partial ? pseudo : ~onesComplementSum(seg, 0, seg.length, pseudo) & 0xffff;
  if (!partial && zeroAsFfff && c === 0) c = 0xffff;
  seg[at] = c >> 8;
  seg[at + 1] = c & 0xff;
}

/**
 * A UDP datagram in IPv4 (DF set, as Linux sends). With `partial` the UDP checksum field holds the
 * (non-complemented) pseudo-header sum for the device to complete, as a driver using VIRTIO_NET_F_CSUM leaves it.
 */
export function udpFrame(o: Omit<Ipv4Options, 'protocol'>, sport: number, dport: number, payload: Uint8Array, partial = false): TransportFrame {
  const u = new Uint8Array(UDP_HEADER_LEN + payload.length);
  u[0] = sport >> 8;
  u[1] = sport & 0xff;
  u[2] = dport >> 8;
  u[3] = dport & 0xff;
  u[4] = u.length >> 8;
  u[5] = u.length & 0xff;
  u.set(payload, UDP_HEADER_LEN);
  fillTransportChecksum(u, UDP_CHECKSUM_OFFSET, pseudoHeaderSumV4(o.src, o.dst, IPPROTO_UDP, u.length), partial, true);
  return { frame: ipv4Frame({ dontFragment: true, ...o, protocol: IPPROTO_UDP }, u), csumStart: ETH_HEADER_LEN + IPV4_HEADER_LEN, csumOffset: UDP_CHECKSUM_OFFSET };
}

const HEADER: readonly Row[] = [
  { label: 'source port', key: 'sport', at: 0, size: 2, conv: 'u16be' },
  { label: 'destination port', key: 'dport', at: 2, size: 2, conv: 'u16be' },
  { label: 'length', key: 'len', at: 4, size: 2, conv: 'u16be' },
  { label: 'checksum', at: 6, size: 2, conv: 'u16be', show: num((v) => hex(v, 4)) },
];

/**
 * UDP (RFC 768): `pkt.udp.sport/dport/len`, `pkt.udp.checksum_ok` (absent when the IPv4 checksum is 0 = none,
 * or when the datagram is truncated). `end` is the end of the IP payload.
 */
export function decodeUdp(bytes: Uint8Array, offset: number, end = bytes.length, ip?: IpContext): LayerResult {
  const b = new LayerBuilder('UDP', bytes, end, 'pkt.udp.');
  const { complete, v } = b.rows(offset, HEADER);
  if (!complete) return { layer: b.build() };
  const len = v.length as number;
  if (len < 8) {
    b.fail(`length ${len} is below the 8-byte header`);
    return { layer: b.build() };
  }
  const stop = Math.min(offset + len, b.end);
  if (offset + len > b.end) b.truncated();
  b.add('payload', hexBytes(bytes, offset + 8, stop, 16), offset + 8, stop - offset - 8, stop - offset - 8);
  if (v.checksum === 0 && ip?.version !== 6) {
    b.add('checksum status', 'none (0)', offset + 6, 2);
  } else if (ip && b.error === undefined) {
    const ok = transportChecksumOk(bytes, offset, offset + len, IPPROTO_UDP, ip);
    b.set('checksum_ok', ok);
    b.add('checksum status', ok ? 'correct' : 'incorrect', offset + 6, 2, ok);
  }
  return { layer: b.build() };
}
