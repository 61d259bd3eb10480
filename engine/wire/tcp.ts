/**
 * TCP (RFC 9293): flags and options, building a segment in an IPv4 frame (full or partial checksum), and the
 * decoder for the Variables view.
 */
import { pseudoHeaderSumV4, transportChecksumOk } from './checksum';
import { ETH_HEADER_LEN } from './ethernet';
import { hex, hexBytes } from './hex';
import { type IpContext, IPPROTO_TCP, IPV4_HEADER_LEN, type Ipv4Options, ipv4Frame } from './ipv4';
import { LayerBuilder, type LayerResult, type Row, num } from './layer';
import { inetName, nameTable } from './names';
import { type TransportFrame, fillTransportChecksum } from './udp';
import { type DecodedField } from './types';

export const TCP_FIN = 0x01;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_CWR = 0x80;
export const TCP_HEADER_LEN = 20;
/** Offset of the checksum in the TCP header. */
export const TCP_CHECKSUM_OFFSET = 16;

/** TCP header flag bits (RFC 9293; NS from RFC 3540), low byte of the offset/flags word. */
export const TCP_FLAGS = nameTable({
  0x01: 'FIN', 0x02: 'SYN', 0x04: 'RST', 0x08: 'PSH', 0x10: 'ACK', 0x20: 'URG', 0x40: 'ECE', 0x80: 'CWR',
  0x100: 'NS',
});

/** TCP option kinds (RFC 9293 §3.2, RFC 7323, RFC 2018). */
export const TCP_OPTIONS = nameTable({
  0: 'EOL', 1: 'NOP', 2: 'MSS', 3: 'window scale', 4: 'SACK permitted', 5: 'SACK', 8: 'timestamps',
});

/**
 * A TCP segment in IPv4 (ACK|PSH, window 65535, DF set). With `partial` the checksum field holds the
 * pseudo-header sum (NEEDS_CSUM / GSO); otherwise the full checksum.
 */
export function tcpFrame(o: Omit<Ipv4Options, 'protocol'>, sport: number, dport: number, seq: number, payload: Uint8Array, partial = false): TransportFrame {
  const t = new Uint8Array(TCP_HEADER_LEN + payload.length);
  t[0] = sport >> 8;
  t[1] = sport & 0xff;
  t[2] = dport >> 8;
  t[3] = dport & 0xff;
  t[4] = seq >>> 24;
  t[5] = (seq >>> 16) & 0xff;
  t[6] = (seq >>> 8) & 0xff;
  t[7] = seq & 0xff;
  t[12] = (TCP_HEADER_LEN / 4) << 4;
  t[13] = TCP_ACK | TCP_PSH;
  t[14] = 0xff;
  t[15] = 0xff;
  t.set(payload, TCP_HEADER_LEN);
  fillTransportChecksum(t, TCP_CHECKSUM_OFFSET, pseudoHeaderSumV4(o.src, o.dst, IPPROTO_TCP, t.length), partial, false);
  return { frame: ipv4Frame({ dontFragment: true, ...o, protocol: IPPROTO_TCP }, t), csumStart: ETH_HEADER_LEN + IPV4_HEADER_LEN, csumOffset: TCP_CHECKSUM_OFFSET };
}

/** `SYN|ACK`; `none` when no flag is set. */
export function tcpFlagNames(flags: number): string {
  return TCP_FLAGS.filter((f) => flags & f.value).map((f) => f.name).join('|') || 'none';
}

const HEADER: readonly Row[] = [
  { label: 'source port', key: 'sport', at: 0, size: 2, conv: 'u16be' },
  { label: 'destination port', key: 'dport', at: 2, size: 2, conv: 'u16be' },
  { label: 'sequence number', key: 'seq', at: 4, size: 4, conv: 'u32be' },
  { label: 'acknowledgment number', key: 'ack', at: 8, size: 4, conv: 'u32be' },
  { label: 'header length / flags', at: 12, size: 2, conv: 'u16be', show: num((v) => `header ${(v >> 12) * 4} bytes, ${tcpFlagNames(v & 0x1ff)}`) },
  { label: 'window', key: 'win', at: 14, size: 2, conv: 'u16be' },
  { label: 'checksum', at: 16, size: 2, conv: 'u16be', show: num((v) => hex(v, 4)) },
  { label: 'urgent pointer', at: 18, size: 2, conv: 'u16be' },
];

/** At most this many options are listed (a 40-byte option area holds at most 40). */
const MAX_OPTIONS = 40;

/**
 * TCP (RFC 9293): `pkt.tcp.sport/dport/seq/ack/win`, `pkt.tcp.flags` ("SYN", "SYN|ACK"), `pkt.tcp.len`
 * (payload bytes), `pkt.tcp.checksum_ok`, options (MSS, window scale, SACK, timestamps). `end` is the end of
 * the IP payload.
 */
export function decodeTcp(bytes: Uint8Array, offset: number, end = bytes.length, ip?: IpContext): LayerResult {
  const b = new LayerBuilder('TCP', bytes, end, 'pkt.tcp.');
  const { complete, v } = b.rows(offset, HEADER);
  const word = v['header length / flags'] as number | undefined;
  if (word !== undefined) b.set('flags', tcpFlagNames(word & 0x1ff));
  if (!complete || word === undefined) return { layer: b.build() };
  const hlen = (word >> 12) * 4;
  if (hlen < 20) {
    b.fail(`header length ${hlen} is below 20 bytes`);
    return { layer: b.build() };
  }
  if (hlen > 20) {
    if (!b.need(offset + 20, hlen - 20)) return { layer: b.build() };
    b.add('options', hexBytes(bytes, offset + 20, offset + hlen), offset + 20, hlen - 20, undefined, options(b, offset + 20, offset + hlen));
  }
  if (ip && !ip.complete) b.truncated();
  const payload = b.end - offset - hlen;
  b.set('len', payload);
  b.add('payload', hexBytes(bytes, offset + hlen, b.end, 16), offset + hlen, payload, payload);
  if (ip && b.error === undefined) {
    const ok = transportChecksumOk(bytes, offset, b.end, IPPROTO_TCP, ip);
    b.set('checksum_ok', ok);
    b.add('checksum status', ok ? 'correct' : 'incorrect', offset + 16, 2, ok);
  }
  return { layer: b.build() };
}

function options(b: LayerBuilder, from: number, to: number): DecodedField[] {
  const out: DecodedField[] = [];
  let at = from;
  for (let i = 0; i < MAX_OPTIONS && at < to; i++) {
    const kind = b.u8(at);
    const name = inetName(TCP_OPTIONS, kind, (k) => `kind ${k}`);
    if (kind === 0 || kind === 1) {
      out.push({ label: name, value: '', offset: at, size: 1 });
      at += 1;
      if (kind === 0) break;
      continue;
    }
    const len = at + 1 < to ? b.u8(at + 1) : 0;
    if (len < 2 || at + len > to) {
      b.fail(`TCP option ${name} at byte ${at} has a bad length ${len}`);
      break;
    }
    let value = hexBytes(b.bytes, at + 2, at + len);
    if (kind === 2 && len === 4) {
      value = String(b.u16be(at + 2));
      b.set('mss', b.u16be(at + 2));
    } else if (kind === 3 && len === 3) {
      value = `shift ${b.u8(at + 2)}`;
    } else if (kind === 8 && len === 10) {
      value = `TSval ${b.u32be(at + 2)} TSecr ${b.u32be(at + 6)}`;
    }
    out.push({ label: name, value, offset: at, size: len, raw: kind });
    at += len;
  }
  return out;
}
