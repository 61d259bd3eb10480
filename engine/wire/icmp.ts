/**
 * ICMP (RFC 792) and ICMPv6 (RFC 4443, neighbour discovery RFC 4861): message types, building echo requests and
 * replies and neighbour advertisements, recognising echo replies, and the decoder for the Variables view.
 */
import { formatIpv4, formatIpv6, formatMac } from './address';
import { internetChecksum, pseudoHeaderSumV6, transportChecksum, transportChecksumOk } from './checksum';
import { ETH_HEADER_LEN, ETHERTYPE_IPV4, etherType } from './ethernet';
import { hex, hexBytes } from './hex';
import { type IpContext, IPPROTO_ICMP, IPPROTO_ICMPV6, type Ipv4Options, ipProtocolName, ipv4Frame } from './ipv4';
import { type Ipv6Options, ipv6Frame } from './ipv6';
import { LayerBuilder, type LayerResult } from './layer';
import { inetName, nameTable } from './names';

export const ICMP_ECHO_REPLY = 0;
export const ICMP_DEST_UNREACHABLE = 3;
export const ICMP_ECHO_REQUEST = 8;

/** ICMPv4 message types (RFC 792). */
export const ICMP_TYPES = nameTable({
  [ICMP_ECHO_REPLY]: 'echo reply', [ICMP_DEST_UNREACHABLE]: 'destination unreachable', 4: 'source quench',
  5: 'redirect', [ICMP_ECHO_REQUEST]: 'echo request', 11: 'time exceeded', 12: 'parameter problem', 13: 'timestamp',
  14: 'timestamp reply',
});

/** Codes of ICMPv4 destination unreachable. */
export const ICMP_UNREACHABLE_CODES = nameTable({
  0: 'net unreachable', 1: 'host unreachable', 2: 'protocol unreachable', 3: 'port unreachable',
  4: 'fragmentation needed', 5: 'source route failed', 13: 'administratively prohibited',
});

export const ICMPV6_ECHO_REQUEST = 128;
export const ICMPV6_ECHO_REPLY = 129;
export const ICMPV6_ROUTER_SOLICITATION = 133;
export const ICMPV6_ROUTER_ADVERTISEMENT = 134;
export const ICMPV6_NEIGHBOR_SOLICITATION = 135;
export const ICMPV6_NEIGHBOR_ADVERTISEMENT = 136;
export const ICMPV6_REDIRECT = 137;

/** ICMPv6 message types (RFC 4443, RFC 4861). */
export const ICMPV6_TYPES = nameTable({
  1: 'destination unreachable', 2: 'packet too big', 3: 'time exceeded', 4: 'parameter problem',
  [ICMPV6_ECHO_REQUEST]: 'echo request', [ICMPV6_ECHO_REPLY]: 'echo reply', 130: 'multicast listener query',
  131: 'multicast listener report', [ICMPV6_ROUTER_SOLICITATION]: 'router solicitation',
  [ICMPV6_ROUTER_ADVERTISEMENT]: 'router advertisement', [ICMPV6_NEIGHBOR_SOLICITATION]: 'neighbor solicitation',
  [ICMPV6_NEIGHBOR_ADVERTISEMENT]: 'neighbor advertisement', [ICMPV6_REDIRECT]: 'redirect',
  143: 'multicast listener report v2',
});

/** Neighbor discovery option types (RFC 4861 §4.6). */
export const ND_OPTIONS = nameTable({
  1: 'source link-layer address', 2: 'target link-layer address', 3: 'prefix information', 4: 'redirected header',
  5: 'MTU',
});

/** Stores the Internet checksum of `msg` (no pseudo header: ICMPv4) in its bytes 2-3. */
function fillIcmpChecksum(msg: Uint8Array): Uint8Array {
  msg[2] = msg[3] = 0;
  const c = internetChecksum(msg);
  msg[2] = c >> 8;
  msg[3] = c & 0xff;
  return msg;
}

/** An ICMPv4 echo message (request 8 or reply 0) with its checksum. */
export function icmpEchoMessage(type: number, ident: number, seq: number, payload: Uint8Array): Uint8Array {
  const m = new Uint8Array(8 + payload.length);
  m[0] = type;
  m[4] = ident >> 8;
  m[5] = ident & 0xff;
  m[6] = seq >> 8;
  m[7] = seq & 0xff;
  m.set(payload, 8);
  return fillIcmpChecksum(m);
}

/** ICMP echo reply to `request` (the whole echo request message): same identifier, sequence and data, checksum recomputed. */
export function icmpEchoReplyMessage(request: Uint8Array): Uint8Array {
  const msg = Uint8Array.from(request);
  msg[0] = ICMP_ECHO_REPLY;
  msg[1] = 0;
  return fillIcmpChecksum(msg);
}

/** An echo request frame as a guest's `ping` sends it (DF set, IP id = sequence number); ICMP has no partial checksum. */
export function icmpEchoRequest(o: Omit<Ipv4Options, 'protocol'>, ident: number, seq: number, payload: Uint8Array): Uint8Array {
  return ipv4Frame({ dontFragment: true, ...o, protocol: IPPROTO_ICMP, id: seq }, icmpEchoMessage(ICMP_ECHO_REQUEST, ident, seq, payload));
}

/** The ICMP message of an untagged IPv4 `frame` (header length from IHL, end from total length), or undefined. */
export function icmpMessageOf(frame: Uint8Array): Uint8Array | undefined {
  const ip = ETH_HEADER_LEN;
  if (frame.length < ip + 28 || etherType(frame) !== ETHERTYPE_IPV4 || frame[ip + 9] !== IPPROTO_ICMP) return undefined;
  const l4 = ip + (frame[ip]! & 0x0f) * 4;
  const total = (frame[ip + 2]! << 8) | frame[ip + 3]!;
  if (l4 + 8 > ip + total || ip + total > frame.length) return undefined;
  return frame.subarray(l4, ip + total);
}

/** True when `frame` is an ICMP echo reply (type 0) with this identifier and sequence number. */
export function isIcmpEchoReply(frame: Uint8Array, ident: number, seq: number): boolean {
  const m = icmpMessageOf(frame);
  if (!m || m[0] !== ICMP_ECHO_REPLY) return false;
  return ((m[4]! << 8) | m[5]!) === ident && ((m[6]! << 8) | m[7]!) === seq;
}

/**
 * ICMPv6 checksum over the pseudo-header (RFC 8200 §8.1) and `message`: with the checksum field zero, the value
 * to store; with the transmitted value in place, 0 when it is correct.
 */
export function icmpv6Checksum(src: Uint8Array, dst: Uint8Array, message: Uint8Array): number {
  return transportChecksum(pseudoHeaderSumV6(src, dst, IPPROTO_ICMPV6, message.length), message);
}

/** An IPv6 frame carrying an ICMPv6 `message` whose checksum this fills in; `minLength` pads it. */
export function icmpv6Frame(o: Omit<Ipv6Options, 'nextHeader'>, message: Uint8Array, minLength = 0): Uint8Array {
  const msg = Uint8Array.from(message);
  msg[2] = msg[3] = 0;
  const sum = icmpv6Checksum(o.src, o.dst, msg);
  msg[2] = sum >> 8;
  msg[3] = sum & 0xff;
  return ipv6Frame({ ...o, nextHeader: IPPROTO_ICMPV6 }, msg, minLength);
}

/** ICMPv6 echo reply message for an echo request message: same identifier, sequence and data (checksum left to icmpv6Frame). */
export function icmpv6EchoReplyMessage(request: Uint8Array): Uint8Array {
  const msg = Uint8Array.from(request);
  msg[0] = ICMPV6_ECHO_REPLY;
  msg[1] = 0;
  return msg;
}

/**
 * Neighbour advertisement message (RFC 4861 §4.4): flags Solicited and Override, not Router, with the
 * target link-layer address option (type 2) carrying `mac`.
 */
export function neighborAdvertisementMessage(target: Uint8Array, mac: Uint8Array, solicited: boolean): Uint8Array {
  const msg = new Uint8Array(32);
  msg[0] = ICMPV6_NEIGHBOR_ADVERTISEMENT;
  msg[4] = (solicited ? 0x40 : 0) | 0x20;
  msg.set(target.subarray(0, 16), 8);
  msg[24] = 2; // target link-layer address
  msg[25] = 1; // length in units of 8 bytes
  msg.set(mac.subarray(0, 6), 26);
  return msg;
}

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
