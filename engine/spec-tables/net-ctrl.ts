import { type NamedValue } from './named';

/** A control virtqueue class (VIRTIO 1.2 §5.1.6.5): `struct virtio_net_ctrl { u8 class; u8 command; ... }`. */
export interface NetCtrlClassInfo extends NamedValue {
  /** Features (short names) that enable at least one command of the class. */
  readonly features: readonly string[];
}

/** A control command: the value is unique only within its class. */
export interface NetCtrlCommandInfo extends NamedValue {
  /** Class value. */
  readonly classValue: number;
  /** Class short name (RX, MAC, MQ...). */
  readonly classShort: string;
  /** Features (short names): the command is allowed if ANY of them was negotiated. */
  readonly features: readonly string[];
  /** Layout of command-specific-data (device-readable). */
  readonly data: string;
  /** Layout of command-specific-result (device-writable, after ack), if any. */
  readonly result?: string;
}

/** ack byte values written by the device. */
export const NET_CTRL_ACK: readonly NamedValue[] = [
  { value: 0, name: 'VIRTIO_NET_OK', short: 'OK', aliases: [], meaning: 'The command succeeded.', section: '5.1.6.5' },
  { value: 1, name: 'VIRTIO_NET_ERR', short: 'ERR', aliases: [], meaning: 'The command failed (unknown, not negotiated or bad data).', section: '5.1.6.5' },
];

function cls(value: number, short: string, features: string[], meaning: string, section: string, name = `VIRTIO_NET_CTRL_${short}`): NetCtrlClassInfo {
  return { value, short, name, features, meaning, section, aliases: [] };
}

/** Control classes (digest §3.4). */
export const NET_CTRL_CLASSES: readonly NetCtrlClassInfo[] = [
  cls(0, 'RX', ['CTRL_RX', 'CTRL_RX_EXTRA'], 'Packet receive filtering (RX modes).', '5.1.6.5.1'),
  cls(1, 'MAC', ['CTRL_RX', 'CTRL_MAC_ADDR'], 'MAC address filtering and default MAC address.', '5.1.6.5.2'),
  cls(2, 'VLAN', ['CTRL_VLAN'], 'VLAN filtering.', '5.1.6.5.3'),
  cls(3, 'ANNOUNCE', ['GUEST_ANNOUNCE'], 'Gratuitous packet sending.', '5.1.6.5.4'),
  cls(4, 'MQ', ['MQ', 'RSS', 'HASH_REPORT'], 'Multiqueue: number of queue pairs, RSS and hash configuration.', '5.1.6.5.5'),
  cls(5, 'GUEST_OFFLOADS', ['CTRL_GUEST_OFFLOADS'], 'Offloads state configuration.', '5.1.6.5'),
  cls(6, 'NOTF_COAL', ['NOTF_COAL', 'VQ_NOTF_COAL'], 'Notification coalescing.', '5.1.6.5'),
  cls(7, 'HASH_TUNNEL', ['HASH_TUNNEL'], 'Inner-header hash for tunnelled packets.', '5.1.6.5'),
  cls(8, 'STATS', ['DEVICE_STATS'], 'Device statistics.', '5.1.6.5'),
  cls(9, 'RSS_CTX', ['RSS_CONTEXT'], 'RSS contexts.', '5.1.6.5', 'VIRTNET_RSS_CTX_CTRL'),
];

interface CmdRow {
  c: string;
  v: number;
  s: string;
  f: string[];
  meaning: string;
  data: string;
  result?: string;
  name?: string;
}

function cmd(row: CmdRow): NetCtrlCommandInfo {
  const k = NET_CTRL_CLASSES.find((x) => x.short === row.c)!;
  return {
    value: row.v, short: row.s, name: row.name ?? `${k.name}_${row.s}`, classValue: k.value, classShort: k.short,
    features: row.f, meaning: row.meaning, data: row.data, section: k.section, aliases: [],
    ...(row.result ? { result: row.result } : {}),
  };
}

const ON_OFF = 'u8 on (1) / off (0)';

/** Every control command of the digest (§3.4). */
export const NET_CTRL_COMMANDS: readonly NetCtrlCommandInfo[] = [
  cmd({ c: 'RX', v: 0, s: 'PROMISC', f: ['CTRL_RX'], meaning: 'Promiscuous mode on/off.', data: ON_OFF }),
  cmd({ c: 'RX', v: 1, s: 'ALLMULTI', f: ['CTRL_RX'], meaning: 'Receive all multicast on/off.', data: ON_OFF }),
  cmd({ c: 'RX', v: 2, s: 'ALLUNI', f: ['CTRL_RX_EXTRA'], meaning: 'Receive all unicast on/off.', data: ON_OFF }),
  cmd({ c: 'RX', v: 3, s: 'NOMULTI', f: ['CTRL_RX_EXTRA'], meaning: 'Suppress multicast receive on/off.', data: ON_OFF }),
  cmd({ c: 'RX', v: 4, s: 'NOUNI', f: ['CTRL_RX_EXTRA'], meaning: 'Suppress unicast receive on/off.', data: ON_OFF }),
  cmd({ c: 'RX', v: 5, s: 'NOBCAST', f: ['CTRL_RX_EXTRA'], meaning: 'Suppress broadcast receive on/off.', data: ON_OFF }),
  cmd({
    c: 'MAC', v: 0, s: 'TABLE_SET', f: ['CTRL_RX'], meaning: 'Set the unicast and multicast MAC filter tables.',
    data: 'two struct virtio_net_ctrl_mac { le32 entries; u8 macs[entries][6]; }: unicast, then multicast',
  }),
  cmd({ c: 'MAC', v: 1, s: 'ADDR_SET', f: ['CTRL_MAC_ADDR'], meaning: 'Set the default MAC address (rx filtering and tx source).', data: 'u8 mac[6]' }),
  cmd({ c: 'VLAN', v: 0, s: 'ADD', f: ['CTRL_VLAN'], meaning: 'Add a VLAN id to the filter.', data: 'le16 vlan id' }),
  cmd({ c: 'VLAN', v: 1, s: 'DEL', f: ['CTRL_VLAN'], meaning: 'Remove a VLAN id from the filter.', data: 'le16 vlan id' }),
  cmd({ c: 'ANNOUNCE', v: 0, s: 'ACK', f: ['GUEST_ANNOUNCE'], meaning: 'The driver has sent the gratuitous packets; the device clears ANNOUNCE.', data: 'none' }),
  cmd({ c: 'MQ', v: 0, s: 'VQ_PAIRS_SET', f: ['MQ'], meaning: 'Set the number of queue pairs in use (automatic steering).', data: 'le16 virtqueue_pairs (1..max_virtqueue_pairs)' }),
  cmd({
    c: 'MQ', v: 1, s: 'RSS_CONFIG', f: ['RSS'], meaning: 'Configure receive-side scaling.',
    data: 'le32 hash_types; le16 indirection_table_mask; le16 unclassified_queue; le16 indirection_table[mask + 1]; le16 max_tx_vq; u8 hash_key_length; u8 hash_key_data[]',
  }),
  cmd({
    c: 'MQ', v: 2, s: 'HASH_CONFIG', f: ['HASH_REPORT'], meaning: 'Configure hash calculation for hash reports.',
    data: 'le32 hash_types; le16 reserved[4]; u8 hash_key_length; u8 hash_key_data[]',
  }),
  cmd({ c: 'GUEST_OFFLOADS', v: 0, s: 'SET', f: ['CTRL_GUEST_OFFLOADS'], meaning: 'Enable or disable receive offloads.', data: 'le64 offloads (feature bit numbers)' }),
  cmd({ c: 'NOTF_COAL', v: 0, s: 'TX_SET', f: ['NOTF_COAL'], meaning: 'Set transmit notification coalescing.', data: 'le32 tx_max_packets; le32 tx_usecs' }),
  cmd({ c: 'NOTF_COAL', v: 1, s: 'RX_SET', f: ['NOTF_COAL'], meaning: 'Set receive notification coalescing.', data: 'le32 rx_max_packets; le32 rx_usecs' }),
  cmd({
    c: 'NOTF_COAL', v: 2, s: 'VQ_SET', f: ['VQ_NOTF_COAL'], meaning: 'Set notification coalescing of one virtqueue.',
    data: 'le16 vq_index; le16 reserved; le32 max_packets; le32 max_usecs',
  }),
  cmd({
    c: 'NOTF_COAL', v: 3, s: 'VQ_GET', f: ['VQ_NOTF_COAL'], meaning: 'Read notification coalescing of one virtqueue.',
    data: 'le16 vq_index', result: 'le32 max_packets; le32 max_usecs',
  }),
  cmd({ c: 'HASH_TUNNEL', v: 0, s: 'SET', f: ['HASH_TUNNEL'], meaning: 'Enable inner-header hashing for tunnel types.', data: 'le32 enabled_tunnel_types' }),
  cmd({ c: 'STATS', v: 0, s: 'QUERY', f: ['DEVICE_STATS'], meaning: 'Query which statistics the device supports.', data: 'none', result: 'struct virtio_net_stats_capabilities { le64 supported_stats_types[1]; }' }),
  cmd({
    c: 'STATS', v: 1, s: 'GET', f: ['DEVICE_STATS'], meaning: 'Read statistics of virtqueues.',
    data: 'struct { le16 vq_index; le16 reserved[3]; le64 types_bitmap[1]; } stats[]', result: 'statistics replies',
  }),
  cmd({ c: 'RSS_CTX', v: 0, s: 'CAP_GET', f: ['RSS_CONTEXT'], meaning: 'Read the number of RSS contexts supported.', data: 'none', result: 'le16 max_rss_contexts' }),
  cmd({ c: 'RSS_CTX', v: 1, s: 'ADD', f: ['RSS_CONTEXT'], meaning: 'Create an RSS context.', data: 'le16 rss_ctx_id; RSS configuration' }),
  cmd({ c: 'RSS_CTX', v: 2, s: 'MOD', f: ['RSS_CONTEXT'], meaning: 'Modify an RSS context.', data: 'le16 rss_ctx_id; RSS configuration' }),
  cmd({ c: 'RSS_CTX', v: 3, s: 'DEL', f: ['RSS_CONTEXT'], meaning: 'Delete an RSS context.', data: 'le16 rss_ctx_id' }),
];

/** The class with this value. */
export function netCtrlClass(value: number): NetCtrlClassInfo | undefined {
  return NET_CTRL_CLASSES.find((c) => c.value === value);
}

/** The command `command` of class `classValue`. */
export function netCtrlCommand(classValue: number, command: number): NetCtrlCommandInfo | undefined {
  return NET_CTRL_COMMANDS.find((c) => c.classValue === classValue && c.value === command);
}
