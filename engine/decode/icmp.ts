import {
  ICMPV6_ECHO_REPLY, ICMPV6_ECHO_REQUEST, ICMPV6_NEIGHBOR_ADVERTISEMENT, ICMPV6_NEIGHBOR_SOLICITATION, ICMPV6_REDIRECT,
  ICMPV6_ROUTER_ADVERTISEMENT, ICMPV6_ROUTER_SOLICITATION, ICMPV6_TYPES, ICMP_DEST_UNREACHABLE, ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST,
  ICMP_TYPES, ICMP_UNREACHABLE_CODES, IPPROTO_ICMP, IPPROTO_ICMPV6, ND_OPTIONS, inetName,
} from '../spec';
import { type LayerResult } from './ethernet';
import { type IpContext, ipProtocolName } from './ipv4';
import { transportChecksumOk } from './l4-checksum';
import { LayerBuilder, formatIpv4, formatIpv6, formatMac, hex, hexBytes } from './layer';

/** At most this many neighbor-discovery options are listed. */
const MAX_ND_OPTIONS = 16;

/**
 * ICMP for IPv4 (RFC 792) or, with an IPv6 context, ICMPv6 (RFC 4443, neighbor discovery RFC 4861).
 * Values: `pkt.icmp.type/code` (numbers), `pkt.icmp.name` ("echo request"), `pkt.icmp.id/seq` (echo),
 * `pkt.icmp.target` / `pkt.icmp.lladdr` (ND), `pkt.icmp.mtu`, `pkt.icmp.checksum_ok`, `pkt.icmp.version` (4 or 6).
 */
export function decodeIcmp(bytes: Uint8Array, offset: number, end = bytes.length, ip?: IpContext): LayerResult {
  const v6 = ip?.version === 6;
  const b = new LayerBuilder(v6 ? 'ICMPv6' : 'ICMP', bytes, end, 'pkt.icmp.');
  b.set('version', v6 ? 6 : 4);
  if (!b.need(offset, 4)) return { layer: b.build() };
  const type = b.u8(offset);
  const code = b.u8(offset + 1);
  const name = inetName(v6 ? ICMPV6_TYPES : ICMP_TYPES, type, (t) => `type ${t}`);
  b.add('type', `${name} (${type})`, offset, 1, type);
  b.add('code', codeText(v6, type, code), offset + 1, 1, code);
  b.add('checksum', hex(b.u16be(offset + 2), 4), offset + 2, 2, b.u16be(offset + 2));
  b.set('type', type);
  b.set('code', code);
  b.set('name', name);

  const body = offset + 4;
  if (v6) decodeV6Body(b, type, body);
  else decodeV4Body(b, type, code, body);

  if (ip && !ip.complete) b.truncated();
  if (b.error === undefined) {
    const ok = transportChecksumOk(bytes, offset, b.end, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP, ip);
    b.set('checksum_ok', ok);
    b.add('checksum status', ok ? 'correct' : 'incorrect', offset + 2, 2, ok);
  }
  return { layer: b.build() };
}

function codeText(v6: boolean, type: number, code: number): string {
  if (!v6 && type === ICMP_DEST_UNREACHABLE) return `${inetName(ICMP_UNREACHABLE_CODES, code)} (${code})`;
  return String(code);
}

function echo(b: LayerBuilder, at: number): void {
  if (!b.need(at, 4)) return;
  b.add('identifier', String(b.u16be(at)), at, 2, b.u16be(at));
  b.add('sequence number', String(b.u16be(at + 2)), at + 2, 2, b.u16be(at + 2));
  b.set('id', b.u16be(at));
  b.set('seq', b.u16be(at + 2));
  b.add('data', hexBytes(b.bytes, at + 4, b.end, 16), at + 4, b.end - at - 4, b.end - at - 4);
}

/** The invoking packet quoted by an error message: its addresses and protocol, if its header is there. */
function quoted(b: LayerBuilder, at: number, v6: boolean): void {
  if (at >= b.end) return;
  let text = `${b.end - at} bytes`;
  if (!v6 && at + 20 <= b.end && b.u8(at) >> 4 === 4) {
    text = `${formatIpv4(b.bytes, at + 12)} > ${formatIpv4(b.bytes, at + 16)} ${ipProtocolName(b.u8(at + 9))}`;
    b.set('orig_dst', formatIpv4(b.bytes, at + 16));
  } else if (v6 && at + 40 <= b.end && b.u8(at) >> 4 === 6) {
    text = `${formatIpv6(b.bytes, at + 8)} > ${formatIpv6(b.bytes, at + 24)} ${ipProtocolName(b.u8(at + 6))}`;
    b.set('orig_dst', formatIpv6(b.bytes, at + 24));
  }
  b.add('invoking packet', text, at, b.end - at);
}

function decodeV4Body(b: LayerBuilder, type: number, code: number, at: number): void {
  switch (type) {
    case ICMP_ECHO_REQUEST:
    case ICMP_ECHO_REPLY:
    case 13:
    case 14:
      echo(b, at);
      return;
    case ICMP_DEST_UNREACHABLE:
    case 11:
      if (!b.need(at, 4)) return;
      if (type === ICMP_DEST_UNREACHABLE && code === 4) {
        b.add('next-hop MTU', String(b.u16be(at + 2)), at + 2, 2, b.u16be(at + 2));
        b.set('mtu', b.u16be(at + 2));
      }
      quoted(b, at + 4, false);
      return;
    case 5:
      if (!b.need(at, 4)) return;
      b.add('gateway', formatIpv4(b.bytes, at), at, 4, formatIpv4(b.bytes, at));
      quoted(b, at + 4, false);
      return;
    case 12:
      if (!b.need(at, 4)) return;
      b.add('pointer', String(b.u8(at)), at, 1, b.u8(at));
      quoted(b, at + 4, false);
      return;
    default:
      if (at < b.end) b.add('body', hexBytes(b.bytes, at, b.end), at, b.end - at);
  }
}

function decodeV6Body(b: LayerBuilder, type: number, at: number): void {
  switch (type) {
    case ICMPV6_ECHO_REQUEST:
    case ICMPV6_ECHO_REPLY:
      echo(b, at);
      return;
    case 1:
    case 3:
    case 4:
    case 2:
      if (!b.need(at, 4)) return;
      if (type === 2) {
        b.add('MTU', String(b.u32be(at)), at, 4, b.u32be(at));
        b.set('mtu', b.u32be(at));
      } else if (type === 4) {
        b.add('pointer', String(b.u32be(at)), at, 4, b.u32be(at));
      }
      quoted(b, at + 4, true);
      return;
    case ICMPV6_ROUTER_SOLICITATION:
      if (b.need(at, 4)) ndOptions(b, at + 4);
      return;
    case ICMPV6_ROUTER_ADVERTISEMENT:
      if (!b.need(at, 12)) return;
      b.add('current hop limit', String(b.u8(at)), at, 1, b.u8(at));
      b.add('flags', `${b.u8(at + 1) & 0x80 ? 'M ' : ''}${b.u8(at + 1) & 0x40 ? 'O' : ''}`.trim() || '0', at + 1, 1, b.u8(at + 1));
      b.add('router lifetime', `${b.u16be(at + 2)} s`, at + 2, 2, b.u16be(at + 2));
      b.add('reachable time', `${b.u32be(at + 4)} ms`, at + 4, 4, b.u32be(at + 4));
      b.add('retrans timer', `${b.u32be(at + 8)} ms`, at + 8, 4, b.u32be(at + 8));
      ndOptions(b, at + 12);
      return;
    case ICMPV6_NEIGHBOR_SOLICITATION:
    case ICMPV6_NEIGHBOR_ADVERTISEMENT:
    case ICMPV6_REDIRECT: {
      if (!b.need(at, 20)) return;
      if (type === ICMPV6_NEIGHBOR_ADVERTISEMENT) {
        const f = b.u8(at);
        const names = [f & 0x80 ? 'router' : '', f & 0x40 ? 'solicited' : '', f & 0x20 ? 'override' : ''].filter(Boolean);
        b.add('flags', names.join(' ') || '0', at, 4, f);
        b.set('solicited', (f & 0x40) !== 0);
      }
      const target = formatIpv6(b.bytes, at + 4);
      b.add('target address', target, at + 4, 16, target);
      b.set('target', target);
      let opts = at + 20;
      if (type === ICMPV6_REDIRECT) {
        if (!b.need(at + 20, 16)) return;
        b.add('destination address', formatIpv6(b.bytes, at + 20), at + 20, 16, formatIpv6(b.bytes, at + 20));
        opts += 16;
      }
      ndOptions(b, opts);
      return;
    }
    default:
      if (at < b.end) b.add('body', hexBytes(b.bytes, at, b.end), at, b.end - at);
  }
}

function ndOptions(b: LayerBuilder, from: number): void {
  let at = from;
  for (let i = 0; i < MAX_ND_OPTIONS && at < b.end; i++) {
    if (!b.need(at, 2)) return;
    const type = b.u8(at);
    const len = b.u8(at + 1) * 8;
    const name = inetName(ND_OPTIONS, type, (t) => `option ${t}`);
    if (len === 0) {
      b.fail(`ND option ${name} at byte ${at} has length 0`);
      return;
    }
    if (!b.need(at, len)) return;
    let value = hexBytes(b.bytes, at + 2, at + len);
    if ((type === 1 || type === 2) && len >= 8) {
      value = formatMac(b.bytes, at + 2);
      b.set('lladdr', value);
    } else if (type === 5 && len === 8) {
      value = String(b.u32be(at + 4));
    } else if (type === 3 && len === 32) {
      value = `${formatIpv6(b.bytes, at + 16)}/${b.u8(at + 2)}`;
    }
    b.add(name, value, at, len, type);
    at += len;
  }
}
