// Hand-built packets (RFC 826, 791, 792, 768, 9293, 8200, 4443, 4861; IEEE 802.1Q). Checksums are computed by
// refChecksum below, written independently of engine/wire/checksum.ts, and cross-checked against known vectors.

export const MAC_GUEST = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
export const MAC_HOST = [0x52, 0x55, 0x0a, 0x00, 0x02, 0x02];
export const BROADCAST = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
export const IP_GUEST = [10, 0, 2, 15];
export const IP_HOST = [10, 0, 2, 2];
// fe80::5054:ff:fe12:3456 and fe80::2
export const IP6_GUEST = [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x50, 0x54, 0x00, 0xff, 0xfe, 0x12, 0x34, 0x56];
export const IP6_HOST = [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

/** RFC 1071 checksum, the textbook loop. */
export function refChecksum(data: number[]): number {
  let sum = 0;
  for (let i = 0; i < data.length; i += 2) sum += data[i]! * 256 + (data[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return 0xffff - sum;
}

const be16 = (v: number): number[] => [(v >> 8) & 0xff, v & 0xff];
const be32 = (v: number): number[] => [...be16(Math.floor(v / 0x10000)), ...be16(v & 0xffff)];

export function ethernet(dst: number[], src: number[], type: number, payload: number[]): number[] {
  return [...dst, ...src, ...be16(type), ...payload];
}

export function ipv4(proto: number, src: number[], dst: number[], payload: number[], id = 0x1234): number[] {
  const h = [0x45, 0x00, ...be16(20 + payload.length), ...be16(id), 0x40, 0x00, 64, proto, 0, 0, ...src, ...dst];
  const c = refChecksum(h);
  h[10] = c >> 8;
  h[11] = c & 0xff;
  return [...h, ...payload];
}

export function ipv6(next: number, src: number[], dst: number[], payload: number[]): number[] {
  return [0x60, 0, 0, 0, ...be16(payload.length), next, 64, ...src, ...dst, ...payload];
}

/** Stores the checksum of `segment` (with its pseudo header) at `at`, in place. */
function withChecksum(segment: number[], at: number, pseudo: number[]): number[] {
  const c = refChecksum([...pseudo, ...segment]);
  segment[at] = c >> 8;
  segment[at + 1] = c & 0xff;
  return segment;
}

const pseudo4 = (src: number[], dst: number[], proto: number, len: number): number[] => [...src, ...dst, 0, proto, ...be16(len)];
const pseudo6 = (src: number[], dst: number[], next: number, len: number): number[] => [...src, ...dst, ...be32(len), 0, 0, 0, next];

export function icmpEcho(type: number, id: number, seq: number, data: number[]): number[] {
  return withChecksum([type, 0, 0, 0, ...be16(id), ...be16(seq), ...data], 2, []);
}

export function icmp6(src: number[], dst: number[], body: number[]): number[] {
  return withChecksum(body, 2, pseudo6(src, dst, 58, body.length));
}

export function udp4(src: number[], dst: number[], sport: number, dport: number, data: number[]): number[] {
  const seg = [...be16(sport), ...be16(dport), ...be16(8 + data.length), 0, 0, ...data];
  return withChecksum(seg, 6, pseudo4(src, dst, 17, seg.length));
}

export function tcp4(src: number[], dst: number[], sport: number, dport: number, seq: number, flags: number, options: number[]): number[] {
  const hlen = 20 + options.length;
  const seg = [...be16(sport), ...be16(dport), ...be32(seq), ...be32(0), (hlen / 4) << 4, flags, ...be16(64240), 0, 0, 0, 0, ...options];
  return withChecksum(seg, 16, pseudo4(src, dst, 6, seg.length));
}

const PING_DATA = [...'abcdefgh'].map((c) => c.charCodeAt(0));

export const ARP_REQUEST = ethernet(BROADCAST, MAC_GUEST, 0x0806, [
  0, 1, 0x08, 0x00, 6, 4, 0, 1, ...MAC_GUEST, ...IP_GUEST, 0, 0, 0, 0, 0, 0, ...IP_HOST,
]);
export const ARP_REPLY = ethernet(MAC_GUEST, MAC_HOST, 0x0806, [
  0, 1, 0x08, 0x00, 6, 4, 0, 2, ...MAC_HOST, ...IP_HOST, ...MAC_GUEST, ...IP_GUEST,
]);
export const ICMP_ECHO_REQUEST = ethernet(MAC_HOST, MAC_GUEST, 0x0800, ipv4(1, IP_GUEST, IP_HOST, icmpEcho(8, 1, 3, PING_DATA)));
export const UDP_DATAGRAM = ethernet(MAC_HOST, MAC_GUEST, 0x0800, ipv4(17, IP_GUEST, IP_HOST, udp4(IP_GUEST, IP_HOST, 68, 67, [0x70, 0x69, 0x6e, 0x67, 0x21])));
export const TCP_SYN = ethernet(MAC_HOST, MAC_GUEST, 0x0800, ipv4(6, IP_GUEST, IP_HOST, tcp4(IP_GUEST, IP_HOST, 40000, 80, 1000, 0x02, [2, 4, 0x05, 0xb4])));
export const ICMP6_ECHO = ethernet([0x33, 0x33, 0, 0, 0, 2], MAC_GUEST, 0x86dd, ipv6(58, IP6_GUEST, IP6_HOST,
  icmp6(IP6_GUEST, IP6_HOST, [128, 0, 0, 0, 0, 7, 0, 1, 1, 2, 3, 4])));
export const NEIGHBOR_SOLICITATION = ethernet([0x33, 0x33, 0xff, 0, 0, 2], MAC_GUEST, 0x86dd, ipv6(58, IP6_GUEST, IP6_HOST,
  icmp6(IP6_GUEST, IP6_HOST, [135, 0, 0, 0, 0, 0, 0, 0, ...IP6_HOST, 1, 1, ...MAC_GUEST])));
/** 802.1Q tag: PCP 3, VID 100, carrying the UDP datagram's IP packet. */
export const VLAN_UDP = [...UDP_DATAGRAM.slice(0, 12), 0x81, 0x00, 0x60, 0x64, ...UDP_DATAGRAM.slice(12)];
export const ICMP_PORT_UNREACHABLE = ethernet(MAC_GUEST, MAC_HOST, 0x0800, ipv4(1, IP_HOST, IP_GUEST,
  withChecksum([3, 3, 0, 0, 0, 0, 0, 0, ...ipv4(17, IP_GUEST, IP_HOST, udp4(IP_GUEST, IP_HOST, 5000, 9, [])).slice(0, 28)], 2, [])));

/** A 12-byte modern virtio_net_hdr: no flags, GSO none, num_buffers 1. */
export const NET_HDR_12 = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0];

export const u8 = (a: number[]): Uint8Array => Uint8Array.from(a);
