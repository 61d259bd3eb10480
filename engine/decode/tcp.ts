import { IPPROTO_TCP, TCP_FLAGS, TCP_OPTIONS, inetName } from '../spec';
import { type LayerResult } from './ethernet';
import { type IpContext } from './ipv4';
import { transportChecksumOk } from './l4-checksum';
import { LayerBuilder, type Row, hex, hexBytes, num } from './layer';
import { type DecodedField } from './types';

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
