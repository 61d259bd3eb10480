/**
 * Network protocol numbers the packet decoders and the built-in responder use (IEEE 802 / IANA registries,
 * RFC 826, 791, 792, 8200, 4443, 4861, 9293, 768). Not virtio constants: not part of allConstants().
 */
export interface InetName {
  readonly value: number;
  readonly name: string;
}

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_QINQ = 0x88a8;

/** EtherTypes shown by name; others are shown in hex (`0x88cc`). */
export const ETHER_TYPES: readonly InetName[] = [
  { value: ETHERTYPE_IPV4, name: 'IPv4' },
  { value: ETHERTYPE_ARP, name: 'ARP' },
  { value: ETHERTYPE_IPV6, name: 'IPv6' },
  { value: ETHERTYPE_VLAN, name: '802.1Q' },
  { value: ETHERTYPE_QINQ, name: '802.1ad' },
];

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;

/** IP protocol / IPv6 next-header numbers shown by name. */
export const IP_PROTOCOLS: readonly InetName[] = [
  { value: 0, name: 'HOPOPT' },
  { value: IPPROTO_ICMP, name: 'ICMP' },
  { value: 2, name: 'IGMP' },
  { value: 4, name: 'IPIP' },
  { value: IPPROTO_TCP, name: 'TCP' },
  { value: IPPROTO_UDP, name: 'UDP' },
  { value: 41, name: 'IPv6' },
  { value: 43, name: 'IPv6-Route' },
  { value: 44, name: 'IPv6-Frag' },
  { value: 47, name: 'GRE' },
  { value: 50, name: 'ESP' },
  { value: 51, name: 'AH' },
  { value: IPPROTO_ICMPV6, name: 'ICMPv6' },
  { value: 59, name: 'IPv6-NoNxt' },
  { value: 60, name: 'IPv6-Opts' },
  { value: 132, name: 'SCTP' },
];

/** IPv6 extension headers the decoder walks (RFC 8200 §4): hop-by-hop, routing, fragment, destination options. */
export const IPV6_EXTENSION_HEADERS: readonly number[] = [0, 43, 44, 60];

export const ARP_OP_REQUEST = 1;
export const ARP_OP_REPLY = 2;
export const ARP_OPS: readonly InetName[] = [
  { value: ARP_OP_REQUEST, name: 'request' },
  { value: ARP_OP_REPLY, name: 'reply' },
];
export const ARP_HTYPE_ETHERNET = 1;

export const ICMP_ECHO_REPLY = 0;
export const ICMP_DEST_UNREACHABLE = 3;
export const ICMP_ECHO_REQUEST = 8;

/** ICMPv4 message types (RFC 792). */
export const ICMP_TYPES: readonly InetName[] = [
  { value: ICMP_ECHO_REPLY, name: 'echo reply' },
  { value: ICMP_DEST_UNREACHABLE, name: 'destination unreachable' },
  { value: 4, name: 'source quench' },
  { value: 5, name: 'redirect' },
  { value: ICMP_ECHO_REQUEST, name: 'echo request' },
  { value: 11, name: 'time exceeded' },
  { value: 12, name: 'parameter problem' },
  { value: 13, name: 'timestamp' },
  { value: 14, name: 'timestamp reply' },
];

/** Codes of ICMPv4 destination unreachable. */
export const ICMP_UNREACHABLE_CODES: readonly InetName[] = [
  { value: 0, name: 'net unreachable' },
  { value: 1, name: 'host unreachable' },
  { value: 2, name: 'protocol unreachable' },
  { value: 3, name: 'port unreachable' },
  { value: 4, name: 'fragmentation needed' },
  { value: 5, name: 'source route failed' },
  { value: 13, name: 'administratively prohibited' },
];

export const ICMPV6_ECHO_REQUEST = 128;
export const ICMPV6_ECHO_REPLY = 129;
export const ICMPV6_ROUTER_SOLICITATION = 133;
export const ICMPV6_ROUTER_ADVERTISEMENT = 134;
export const ICMPV6_NEIGHBOR_SOLICITATION = 135;
export const ICMPV6_NEIGHBOR_ADVERTISEMENT = 136;
export const ICMPV6_REDIRECT = 137;

/** ICMPv6 message types (RFC 4443, RFC 4861). */
export const ICMPV6_TYPES: readonly InetName[] = [
  { value: 1, name: 'destination unreachable' },
  { value: 2, name: 'packet too big' },
  { value: 3, name: 'time exceeded' },
  { value: 4, name: 'parameter problem' },
  { value: ICMPV6_ECHO_REQUEST, name: 'echo request' },
  { value: ICMPV6_ECHO_REPLY, name: 'echo reply' },
  { value: 130, name: 'multicast listener query' },
  { value: 131, name: 'multicast listener report' },
  { value: ICMPV6_ROUTER_SOLICITATION, name: 'router solicitation' },
  { value: ICMPV6_ROUTER_ADVERTISEMENT, name: 'router advertisement' },
  { value: ICMPV6_NEIGHBOR_SOLICITATION, name: 'neighbor solicitation' },
  { value: ICMPV6_NEIGHBOR_ADVERTISEMENT, name: 'neighbor advertisement' },
  { value: ICMPV6_REDIRECT, name: 'redirect' },
  { value: 143, name: 'multicast listener report v2' },
];

/** Neighbor discovery option types (RFC 4861 §4.6). */
export const ND_OPTIONS: readonly InetName[] = [
  { value: 1, name: 'source link-layer address' },
  { value: 2, name: 'target link-layer address' },
  { value: 3, name: 'prefix information' },
  { value: 4, name: 'redirected header' },
  { value: 5, name: 'MTU' },
];

/** TCP header flag bits (RFC 9293; NS from RFC 3540), low byte of the offset/flags word. */
export const TCP_FLAGS: readonly InetName[] = [
  { value: 0x01, name: 'FIN' },
  { value: 0x02, name: 'SYN' },
  { value: 0x04, name: 'RST' },
  { value: 0x08, name: 'PSH' },
  { value: 0x10, name: 'ACK' },
  { value: 0x20, name: 'URG' },
  { value: 0x40, name: 'ECE' },
  { value: 0x80, name: 'CWR' },
  { value: 0x100, name: 'NS' },
];

/** TCP option kinds (RFC 9293 §3.2, RFC 7323, RFC 2018). */
export const TCP_OPTIONS: readonly InetName[] = [
  { value: 0, name: 'EOL' },
  { value: 1, name: 'NOP' },
  { value: 2, name: 'MSS' },
  { value: 3, name: 'window scale' },
  { value: 4, name: 'SACK permitted' },
  { value: 5, name: 'SACK' },
  { value: 8, name: 'timestamps' },
];

/** The name of `value` in a table, or `fallback(value)`. */
export function inetName(table: readonly InetName[], value: number, fallback: (v: number) => string = (v) => String(v)): string {
  return table.find((e) => e.value === value)?.name ?? fallback(value);
}
