import { type ConfigField, formatMacValue } from './config';
import { type NamedValue, bitNames, shortName } from './named';

export { NET_CTRL_CLASSES, NET_CTRL_COMMANDS, NET_CTRL_ACK, netCtrlClass, netCtrlCommand, type NetCtrlClassInfo, type NetCtrlCommandInfo } from './net-ctrl';

const nv = (value: number, name: string, short: string, meaning: string, section: string, aliases: string[] = []): NamedValue => ({
  value, name, short, meaning, section, aliases,
});

/** virtio_net_hdr.flags bits (§5.1.6; 1.4 adds tunnel/security bits). */
export const NET_HDR_FLAGS: readonly NamedValue[] = [
  nv(1, 'VIRTIO_NET_HDR_F_NEEDS_CSUM', 'NEEDS_CSUM', 'Partial checksum: checksum from csum_start, stored at csum_start + csum_offset.', '5.1.6.2', ['Flags::NEEDS_CSUM']),
  nv(2, 'VIRTIO_NET_HDR_F_DATA_VALID', 'DATA_VALID', 'RX: the device validated the checksum (needs GUEST_CSUM).', '5.1.6.4', ['Flags::DATA_VALID']),
  nv(4, 'VIRTIO_NET_HDR_F_RSC_INFO', 'RSC_INFO', 'RX: csum_start/csum_offset carry the number of coalesced segments and duplicated ACKs (RSC_EXT).', '5.1.6.4', ['Flags::RSC_INFO']),
  nv(8, 'VIRTIO_NET_HDR_F_UDP_TUNNEL_CSUM', 'UDP_TUNNEL_CSUM', 'UDP-tunnel GSO: the outer UDP checksum must be computed.', '5.1.6.2'),
  nv(16, 'VIRTIO_NET_HDR_F_SECURITY', 'SECURITY', 'Inline IPsec: the packet is processed with a security association (IPSEC).', '5.1.6'),
  nv(32, 'VIRTIO_NET_HDR_F_SECURITY_ERR', 'SECURITY_ERR', 'Inline IPsec: processing failed.', '5.1.6'),
  nv(64, 'VIRTIO_NET_HDR_F_SECURITY_SA_SOFT_EXPIRY_WARN', 'SECURITY_SA_SOFT_EXPIRY_WARN', 'Inline IPsec: the security association reached its soft expiry.', '5.1.6'),
];

/** virtio_net_hdr.gso_type values: a base type in the low bits, tunnel bits 0x20/0x40 and the ECN flag 0x80. */
export const NET_GSO_TYPES: readonly NamedValue[] = [
  nv(0, 'VIRTIO_NET_HDR_GSO_NONE', 'NONE', 'Not a GSO packet.', '5.1.6', ['GsoType::NONE']),
  nv(1, 'VIRTIO_NET_HDR_GSO_TCPV4', 'TCPV4', 'TCPv4 segmentation (TSO).', '5.1.6', ['GsoType::TCPV4']),
  nv(3, 'VIRTIO_NET_HDR_GSO_UDP', 'UDP', 'UDP fragmentation (UFO).', '5.1.6', ['GsoType::UDP']),
  nv(4, 'VIRTIO_NET_HDR_GSO_TCPV6', 'TCPV6', 'TCPv6 segmentation (TSO).', '5.1.6', ['GsoType::TCPV6']),
  nv(5, 'VIRTIO_NET_HDR_GSO_UDP_L4', 'UDP_L4', 'UDP segmentation (USO).', '5.1.6'),
  nv(0x20, 'VIRTIO_NET_HDR_GSO_UDP_TUNNEL_IPV4', 'UDP_TUNNEL_IPV4', 'Flag: GSO inside a UDP tunnel over IPv4.', '5.1.6'),
  nv(0x40, 'VIRTIO_NET_HDR_GSO_UDP_TUNNEL_IPV6', 'UDP_TUNNEL_IPV6', 'Flag: GSO inside a UDP tunnel over IPv6.', '5.1.6'),
  nv(0x80, 'VIRTIO_NET_HDR_GSO_ECN', 'ECN', 'Flag: the TCP segments carry ECN (CWR).', '5.1.6', ['GsoType::ECN']),
];

/** `TCPV4`, `TCPV4 | ECN`, `UDP_L4 | UDP_TUNNEL_IPV4`; unknown base types as `unknown (N)`. */
export function formatGsoType(v: number): string {
  const flagMask = 0x20 | 0x40 | 0x80;
  const parts = [shortName(NET_GSO_TYPES, v & ~flagMask & 0xff)];
  for (const f of [0x20, 0x40, 0x80]) if (v & f) parts.push(shortName(NET_GSO_TYPES, f));
  return parts.join(' | ');
}

/** virtio_net_hdr.hash_report values (HASH_REPORT, §5.1.6.4.3). */
export const NET_HASH_REPORTS: readonly NamedValue[] = [
  nv(0, 'VIRTIO_NET_HASH_REPORT_NONE', 'NONE', 'No hash calculated.', '5.1.6.4.3'),
  nv(1, 'VIRTIO_NET_HASH_REPORT_IPv4', 'IPv4', 'Hash over IPv4 addresses.', '5.1.6.4.3'),
  nv(2, 'VIRTIO_NET_HASH_REPORT_TCPv4', 'TCPv4', 'Hash over IPv4 addresses and TCP ports.', '5.1.6.4.3'),
  nv(3, 'VIRTIO_NET_HASH_REPORT_UDPv4', 'UDPv4', 'Hash over IPv4 addresses and UDP ports.', '5.1.6.4.3'),
  nv(4, 'VIRTIO_NET_HASH_REPORT_IPv6', 'IPv6', 'Hash over IPv6 addresses.', '5.1.6.4.3'),
  nv(5, 'VIRTIO_NET_HASH_REPORT_TCPv6', 'TCPv6', 'Hash over IPv6 addresses and TCP ports.', '5.1.6.4.3'),
  nv(6, 'VIRTIO_NET_HASH_REPORT_UDPv6', 'UDPv6', 'Hash over IPv6 addresses and UDP ports.', '5.1.6.4.3'),
  nv(7, 'VIRTIO_NET_HASH_REPORT_IPv6_EX', 'IPv6_EX', 'Hash over IPv6 addresses with extension headers.', '5.1.6.4.3'),
  nv(8, 'VIRTIO_NET_HASH_REPORT_TCPv6_EX', 'TCPv6_EX', 'Hash over IPv6 (extension headers) and TCP ports.', '5.1.6.4.3'),
  nv(9, 'VIRTIO_NET_HASH_REPORT_UDPv6_EX', 'UDPv6_EX', 'Hash over IPv6 (extension headers) and UDP ports.', '5.1.6.4.3'),
];

/** Hash type bits (supported_hash_types, RSS_CONFIG / HASH_CONFIG hash_types; §5.1.6.4.3.1). */
export const NET_RSS_HASH_TYPES: readonly NamedValue[] = [
  nv(1 << 0, 'VIRTIO_NET_RSS_HASH_TYPE_IPv4', 'IPv4', 'Hash IPv4 addresses.', '5.1.6.4.3.1'),
  nv(1 << 1, 'VIRTIO_NET_RSS_HASH_TYPE_TCPv4', 'TCPv4', 'Hash IPv4 addresses and TCP ports.', '5.1.6.4.3.1'),
  nv(1 << 2, 'VIRTIO_NET_RSS_HASH_TYPE_UDPv4', 'UDPv4', 'Hash IPv4 addresses and UDP ports.', '5.1.6.4.3.1'),
  nv(1 << 3, 'VIRTIO_NET_RSS_HASH_TYPE_IPv6', 'IPv6', 'Hash IPv6 addresses.', '5.1.6.4.3.1'),
  nv(1 << 4, 'VIRTIO_NET_RSS_HASH_TYPE_TCPv6', 'TCPv6', 'Hash IPv6 addresses and TCP ports.', '5.1.6.4.3.1'),
  nv(1 << 5, 'VIRTIO_NET_RSS_HASH_TYPE_UDPv6', 'UDPv6', 'Hash IPv6 addresses and UDP ports.', '5.1.6.4.3.1'),
  nv(1 << 6, 'VIRTIO_NET_RSS_HASH_TYPE_IP_EX', 'IP_EX', 'Hash IPv6 with extension-header addresses.', '5.1.6.4.3.1'),
  nv(1 << 7, 'VIRTIO_NET_RSS_HASH_TYPE_TCP_EX', 'TCP_EX', 'Hash IPv6 extension-header addresses and TCP ports.', '5.1.6.4.3.1'),
  nv(1 << 8, 'VIRTIO_NET_RSS_HASH_TYPE_UDP_EX', 'UDP_EX', 'Hash IPv6 extension-header addresses and UDP ports.', '5.1.6.4.3.1'),
];

/** virtio_net_config.status bits (STATUS feature, §5.1.4). */
export const NET_STATUS_BITS: readonly NamedValue[] = [
  nv(1, 'VIRTIO_NET_S_LINK_UP', 'LINK_UP', 'The link is up.', '5.1.4', ['Status::LINK_UP']),
  nv(2, 'VIRTIO_NET_S_ANNOUNCE', 'ANNOUNCE', 'The driver should send gratuitous packets (after migration), then ANNOUNCE_ACK.', '5.1.4', ['Status::ANNOUNCE']),
];

/**
 * Bits of the GUEST_OFFLOADS_SET `offloads` le64: feature bit numbers, except the UDP-tunnel offloads (features
 * 65/66) which map to 46/47 (digest §3.1 note; Linux VIRTIO_NET_F_GUEST_UDP_TUNNEL_GSO_MAPPED).
 */
export const NET_GUEST_OFFLOAD_BITS: readonly { readonly bit: number; readonly feature: string }[] = [
  { bit: 1, feature: 'GUEST_CSUM' },
  { bit: 7, feature: 'GUEST_TSO4' },
  { bit: 8, feature: 'GUEST_TSO6' },
  { bit: 9, feature: 'GUEST_ECN' },
  { bit: 10, feature: 'GUEST_UFO' },
  { bit: 46, feature: 'GUEST_UDP_TUNNEL_GSO' },
  { bit: 47, feature: 'GUEST_UDP_TUNNEL_GSO_CSUM' },
  { bit: 54, feature: 'GUEST_USO4' },
  { bit: 55, feature: 'GUEST_USO6' },
];

const hdr = (f: Omit<ConfigField, 'section'> & { section?: string }): ConfigField => ({ section: '5.1.6', ...f });
const TUNNEL = ['HOST_UDP_TUNNEL_GSO', 'GUEST_UDP_TUNNEL_GSO'];

/** struct virtio_net_hdr, 32 bytes at most; each field exists if the header size reaches it (digest §3.3). */
export const NET_HDR_FIELDS: readonly ConfigField[] = [
  hdr({ name: 'flags', offset: 0, size: 1, description: 'Header flags (NEEDS_CSUM, DATA_VALID, RSC_INFO, ...).', decode: (v) => bitNames(NET_HDR_FLAGS, Number(v), 8).join(' | ') || '0' }),
  hdr({ name: 'gso_type', offset: 1, size: 1, description: 'GSO type (NONE, TCPV4, UDP, TCPV6, UDP_L4, tunnel bits, ECN).', decode: (v) => formatGsoType(Number(v)) }),
  hdr({ name: 'hdr_len', offset: 2, size: 2, description: 'Length of the headers to copy into each segment (exact with GUEST_HDRLEN).' }),
  hdr({ name: 'gso_size', offset: 4, size: 2, description: 'Maximum segment size (payload bytes per segment).' }),
  hdr({ name: 'csum_start', offset: 6, size: 2, description: 'Offset from the packet start where checksumming starts (NEEDS_CSUM).' }),
  hdr({ name: 'csum_offset', offset: 8, size: 2, description: 'Where to store the checksum, relative to csum_start.' }),
  hdr({ name: 'num_buffers', offset: 10, size: 2, description: 'RX: number of buffers the packet spans (1 without MRG_RXBUF); TX: 0. Legacy: only with MRG_RXBUF.' }),
  hdr({ name: 'hash_value', offset: 12, size: 4, features: ['HASH_REPORT'], description: 'RX: the calculated hash.', section: '5.1.6.4.3' }),
  hdr({
    name: 'hash_report', offset: 16, size: 2, features: ['HASH_REPORT'], section: '5.1.6.4.3',
    description: 'RX: the hash type (NONE, IPv4, TCPv4, ...).', decode: (v) => shortName(NET_HASH_REPORTS, Number(v)),
  }),
  hdr({ name: 'padding_reserved', offset: 18, size: 2, features: ['HASH_REPORT'], description: 'Reserved.' }),
  hdr({ name: 'outer_th_offset', offset: 20, size: 2, features: TUNNEL, description: 'UDP tunnel: offset of the outer transport header.' }),
  hdr({ name: 'inner_nh_offset', offset: 22, size: 2, features: TUNNEL, description: 'UDP tunnel: offset of the inner network header.' }),
  hdr({ name: 'outer_nh_offset', offset: 24, size: 2, features: ['OUT_NET_HEADER'], description: 'Offset of the outer network header.' }),
  hdr({
    name: 'padding_reserved_2', offset: 26, size: 6, features: ['OUT_NET_HEADER', 'IPSEC'],
    description: 'Reserved, or with IPSEC: ipsec_resource_hdr {le32 resource_id; le16 resource_type}.',
  }),
];

const netCfg = (f: Omit<ConfigField, 'section'>): ConfigField => ({ ...f, section: '5.1.4' });

/** struct virtio_net_config (VIRTIO 1.2 §5.1.4; digest §3.2): read-only for the driver, 28 bytes. */
export const NET_CONFIG: readonly ConfigField[] = [
  netCfg({ name: 'mac', offset: 0, size: 6, description: 'MAC address; valid if MAC is offered (legacy drivers could write it).', decode: formatMacValue }),
  netCfg({
    name: 'status', offset: 6, size: 2, features: ['STATUS'], description: 'Link status: LINK_UP 1, ANNOUNCE 2.',
    decode: (v) => bitNames(NET_STATUS_BITS, Number(v), 16).join(' | ') || '0 (link down)',
  }),
  netCfg({ name: 'max_virtqueue_pairs', offset: 8, size: 2, features: ['MQ', 'RSS'], description: 'Maximum number of receive/transmit queue pairs (1..0x8000).' }),
  netCfg({ name: 'mtu', offset: 10, size: 2, features: ['MTU'], description: 'Maximum MTU for the driver to use (68..65535).' }),
  netCfg({
    name: 'speed', offset: 12, size: 4, features: ['SPEED_DUPLEX'], description: 'Link speed in Mbit/s; 0xffffffff unknown.',
    decode: (v) => (v === 0xffffffffn ? 'unknown' : v > 0x7fffffffn ? `${v} (invalid)` : `${v} Mbit/s`),
  }),
  netCfg({
    name: 'duplex', offset: 16, size: 1, features: ['SPEED_DUPLEX'],
    description: 'Duplex: 1 full, 0 half, 0xff unknown (Linux DUPLEX_*; the spec text is inconsistent about 0/1).',
    decode: (v) => (v === 1n ? '1 (full)' : v === 0n ? '0 (half)' : v === 0xffn ? 'unknown' : `${v} (invalid)`),
  }),
  netCfg({ name: 'rss_max_key_size', offset: 17, size: 1, features: ['RSS', 'HASH_REPORT'], description: 'Maximum RSS key size in bytes (at least 40).' }),
  netCfg({ name: 'rss_max_indirection_table_length', offset: 18, size: 2, features: ['RSS'], description: 'Maximum number of indirection table entries (at least 128).' }),
  netCfg({
    name: 'supported_hash_types', offset: 20, size: 4, features: ['RSS', 'HASH_REPORT'], description: 'Hash types the device supports (bit set).',
    decode: (v) => bitNames(NET_RSS_HASH_TYPES, Number(v)).join(' | ') || '0',
  }),
  netCfg({ name: 'supported_tunnel_types', offset: 24, size: 4, features: ['HASH_TUNNEL'], description: 'Tunnel types for inner-header hashing (bit set).' }),
];

/** Size of struct virtio_net_config with every field. */
export const NET_CONFIG_SIZE = 28;

/**
 * Spec name of net queue `index` (§5.1.2): receiveqN / transmitqN pairs, then controlq at 2 × pairs.
 * Beyond that: `queueN`.
 */
export function netQueueName(index: number, pairs: number): string {
  if (index === 2 * pairs) return 'controlq';
  if (index >= 0 && index < 2 * pairs) return `${index % 2 === 0 ? 'receiveq' : 'transmitq'}${Math.floor(index / 2) + 1}`;
  return `queue${index}`;
}
