import { type FeatureInfo } from './feature-types';

type NetRow = Omit<FeatureInfo, 'name' | 'device' | 'section' | 'aliases'> & { aliases?: string[]; rust?: string };

/** Members of the Rust virtio-drivers `Features` bitflags (device/net): same short name unless `rust` says otherwise. */
const IN_RUST_CRATE = new Set([0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]);

function net(row: NetRow): FeatureInfo {
  const { rust, aliases = [], ...rest } = row;
  const crate = IN_RUST_CRATE.has(row.bit) ? [`Features::${rust ?? row.short}`] : [];
  return { ...rest, name: `VIRTIO_NET_F_${row.short}`, device: 'net', section: '5.1.3', aliases: [...aliases, ...crate] };
}

/** virtio-net feature bits (VIRTIO 1.2 §5.1.3; digest §3.1). Bit 41 clashes with VIRTIO_F_ADMIN_VQ (legacy only here). */
export const NET_FEATURES: readonly FeatureInfo[] = [
  net({ bit: 0, short: 'CSUM', since: '1.0', meaning: 'Device handles packets with partial checksum (TX checksum offload).' }),
  net({ bit: 1, short: 'GUEST_CSUM', since: '1.0', meaning: 'Driver handles packets with partial checksum (RX checksum offload).' }),
  net({ bit: 2, short: 'CTRL_GUEST_OFFLOADS', since: '1.0', meaning: 'Control channel offloads reconfiguration (GUEST_OFFLOADS_SET).' }),
  net({ bit: 3, short: 'MTU', since: '1.1', meaning: 'Device reports its maximum MTU in the mtu config field.' }),
  net({ bit: 5, short: 'MAC', since: '1.0', meaning: 'Device has given MAC address (mac config field valid).' }),
  net({ bit: 6, short: 'GSO', since: 'legacy', legacy: true, meaning: 'Legacy: device handles packets with any GSO type.' }),
  net({ bit: 7, short: 'GUEST_TSO4', since: '1.0', requires: { all: ['GUEST_CSUM'] }, meaning: 'Driver can receive TSOv4.' }),
  net({ bit: 8, short: 'GUEST_TSO6', since: '1.0', requires: { all: ['GUEST_CSUM'] }, meaning: 'Driver can receive TSOv6.' }),
  net({ bit: 9, short: 'GUEST_ECN', since: '1.0', requires: { any: ['GUEST_TSO4', 'GUEST_TSO6'] }, meaning: 'Driver can receive TSO with ECN.' }),
  net({ bit: 10, short: 'GUEST_UFO', since: '1.0', requires: { all: ['GUEST_CSUM'] }, meaning: 'Driver can receive UFO.' }),
  net({ bit: 11, short: 'HOST_TSO4', since: '1.0', requires: { all: ['CSUM'] }, meaning: 'Device can receive TSOv4.' }),
  net({ bit: 12, short: 'HOST_TSO6', since: '1.0', requires: { all: ['CSUM'] }, meaning: 'Device can receive TSOv6.' }),
  net({ bit: 13, short: 'HOST_ECN', since: '1.0', requires: { any: ['HOST_TSO4', 'HOST_TSO6'] }, meaning: 'Device can receive TSO with ECN.' }),
  net({ bit: 14, short: 'HOST_UFO', since: '1.0', requires: { all: ['CSUM'] }, meaning: 'Device can receive UFO.' }),
  net({ bit: 15, short: 'MRG_RXBUF', since: '1.0', meaning: 'Driver can merge receive buffers (num_buffers in virtio_net_hdr).' }),
  net({ bit: 16, short: 'STATUS', since: '1.0', meaning: 'Configuration status field is available.' }),
  net({ bit: 17, short: 'CTRL_VQ', since: '1.0', meaning: 'Control channel (controlq) is available.' }),
  net({ bit: 18, short: 'CTRL_RX', since: '1.0', requires: { all: ['CTRL_VQ'] }, meaning: 'Control channel RX mode support (promiscuous, all-multicast).' }),
  net({ bit: 19, short: 'CTRL_VLAN', since: '1.0', requires: { all: ['CTRL_VQ'] }, meaning: 'Control channel VLAN filtering.' }),
  net({
    bit: 20, short: 'CTRL_RX_EXTRA', since: '1.3', recommends: ['CTRL_VQ'],
    meaning: 'Control channel RX extra modes (ALLUNI, NOMULTI, NOUNI, NOBCAST); in Linux headers long before 1.3.',
  }),
  net({ bit: 21, short: 'GUEST_ANNOUNCE', since: '1.0', requires: { all: ['CTRL_VQ'] }, meaning: 'Driver can send gratuitous packets (announce after migration).' }),
  net({ bit: 22, short: 'MQ', since: '1.0', requires: { all: ['CTRL_VQ'] }, meaning: 'Device supports multiqueue with automatic receive steering.' }),
  net({
    bit: 23, short: 'CTRL_MAC_ADDR', since: '1.0', requires: { all: ['CTRL_VQ'] }, rust: 'CTL_MAC_ADDR',
    meaning: 'Set MAC address through the control channel (MAC_ADDR_SET).',
  }),
  net({ bit: 41, short: 'GUEST_RSC4', since: 'legacy', legacy: true, meaning: 'Legacy: device coalesces TCPv4 packets (Windows drivers); bit 41 is VIRTIO_F_ADMIN_VQ in modern devices.' }),
  net({ bit: 42, short: 'GUEST_RSC6', since: 'legacy', legacy: true, meaning: 'Legacy: device coalesces TCPv6 packets (Windows drivers).' }),
  net({ bit: 50, short: 'DEVICE_STATS', since: '1.4', meaning: 'Device statistics through the control channel (STATS_QUERY / STATS_GET).' }),
  net({
    bit: 51, short: 'HASH_TUNNEL', since: '1.3', requires: { all: ['CTRL_VQ'], any: ['RSS', 'HASH_REPORT'] },
    meaning: 'Device calculates the hash over the inner headers of tunnelled packets.',
  }),
  net({ bit: 52, short: 'VQ_NOTF_COAL', since: '1.3', requires: { all: ['CTRL_VQ'] }, meaning: 'Per-virtqueue notification coalescing.' }),
  net({ bit: 53, short: 'NOTF_COAL', since: '1.3', requires: { all: ['CTRL_VQ'] }, meaning: 'Device-wide notification coalescing.' }),
  net({ bit: 54, short: 'GUEST_USO4', since: '1.3', requires: { all: ['GUEST_CSUM'] }, meaning: 'Driver can receive USOv4 packets.' }),
  net({ bit: 55, short: 'GUEST_USO6', since: '1.3', requires: { all: ['GUEST_CSUM'] }, meaning: 'Driver can receive USOv6 packets.' }),
  net({ bit: 56, short: 'HOST_USO', since: '1.2', requires: { all: ['CSUM'] }, meaning: 'Device can receive USO packets (UDP segmentation offload).' }),
  net({
    bit: 57, short: 'HASH_REPORT', since: '1.2', recommends: ['CTRL_VQ'],
    meaning: 'Device reports the per-packet hash value and type in virtio_net_hdr (20-byte header).',
  }),
  net({ bit: 59, short: 'GUEST_HDRLEN', since: '1.2', meaning: 'Driver provides the exact hdr_len value; the device benefits from knowing it.' }),
  net({ bit: 60, short: 'RSS', since: '1.2', requires: { all: ['CTRL_VQ'] }, meaning: 'Device supports RSS (receive-side scaling) with a Toeplitz hash and indirection table.' }),
  net({ bit: 61, short: 'RSC_EXT', since: '1.1', requires: { any: ['HOST_TSO4', 'HOST_TSO6'] }, meaning: 'Device can process duplicated ACKs and report the number of coalesced segments and duplicated ACKs.' }),
  net({ bit: 62, short: 'STANDBY', since: '1.1', meaning: 'Device may act as a standby for a primary device with the same MAC address (failover).' }),
  net({ bit: 63, short: 'SPEED_DUPLEX', since: '1.2', meaning: 'Device reports speed and duplex (config fields); in Linux earlier.' }),
  net({ bit: 64, short: 'RSS_CONTEXT', since: '1.4', requires: { all: ['CTRL_VQ', 'RSS'] }, meaning: 'Device supports multiple RSS contexts.' }),
  net({
    bit: 65, short: 'GUEST_UDP_TUNNEL_GSO', since: '1.4', requires: { all: ['GUEST_TSO4', 'GUEST_TSO6', 'GUEST_USO4', 'GUEST_USO6'] },
    meaning: 'Driver can receive GSO packets carried by a UDP tunnel (offload bit 46 in GUEST_OFFLOADS_SET).',
  }),
  net({
    bit: 66, short: 'GUEST_UDP_TUNNEL_GSO_CSUM', since: '1.4', requires: { all: ['GUEST_UDP_TUNNEL_GSO'] },
    meaning: 'Driver handles UDP-tunnel GSO packets with the outer UDP checksum (offload bit 47 in GUEST_OFFLOADS_SET).',
  }),
  net({
    bit: 67, short: 'HOST_UDP_TUNNEL_GSO', since: '1.4', requires: { all: ['HOST_TSO4', 'HOST_TSO6', 'HOST_USO'] },
    meaning: 'Device can receive GSO packets carried by a UDP tunnel.',
  }),
  net({
    bit: 68, short: 'HOST_UDP_TUNNEL_GSO_CSUM', since: '1.4', requires: { all: ['HOST_UDP_TUNNEL_GSO'] },
    meaning: 'Device handles UDP-tunnel GSO packets with the outer UDP checksum.',
  }),
  net({ bit: 69, short: 'OUT_NET_HEADER', since: '1.4', meaning: 'virtio_net_hdr carries outer_nh_offset (32-byte header).' }),
  net({ bit: 70, short: 'IPSEC', since: '1.4', recommends: ['OUT_NET_HEADER'], meaning: 'Inline IPsec offload (ipsec_resource_hdr in the 32-byte header).' }),
];
