import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NET_CONFIG, NET_CONFIG_SIZE, NET_CTRL_CLASSES, NET_CTRL_COMMANDS, NET_GSO_TYPES, NET_HASH_REPORTS, NET_HDR_FIELDS, NET_HDR_FLAGS,
  NET_STATUS_BITS, featureBits, featureByName, fieldByName, formatGsoType, netCtrlCommand, netHeaderSize, netQueueName, presentFields,
} from '../../../engine/spec-tables';

// Digest §3.2.
const DIGEST_NET_CONFIG: [number, number, string, string][] = [
  [0, 6, 'mac', ''], [6, 2, 'status', 'STATUS'], [8, 2, 'max_virtqueue_pairs', 'MQ|RSS'], [10, 2, 'mtu', 'MTU'],
  [12, 4, 'speed', 'SPEED_DUPLEX'], [16, 1, 'duplex', 'SPEED_DUPLEX'], [17, 1, 'rss_max_key_size', 'RSS|HASH_REPORT'],
  [18, 2, 'rss_max_indirection_table_length', 'RSS'], [20, 4, 'supported_hash_types', 'RSS|HASH_REPORT'],
  [24, 4, 'supported_tunnel_types', 'HASH_TUNNEL'],
];
// Digest §3.3 (offset, size, field).
const DIGEST_HDR: [number, number, string][] = [
  [0, 1, 'flags'], [1, 1, 'gso_type'], [2, 2, 'hdr_len'], [4, 2, 'gso_size'], [6, 2, 'csum_start'], [8, 2, 'csum_offset'],
  [10, 2, 'num_buffers'], [12, 4, 'hash_value'], [16, 2, 'hash_report'], [18, 2, 'padding_reserved'], [20, 2, 'outer_th_offset'],
  [22, 2, 'inner_nh_offset'], [24, 2, 'outer_nh_offset'], [26, 6, 'padding_reserved_2'],
];
// Digest §3.4: class, value, command short names in order of value, gate per command.
const DIGEST_CTRL: [string, number, [string, number, string][]][] = [
  ['RX', 0, [['PROMISC', 0, 'CTRL_RX'], ['ALLMULTI', 1, 'CTRL_RX'], ['ALLUNI', 2, 'CTRL_RX_EXTRA'], ['NOMULTI', 3, 'CTRL_RX_EXTRA'], ['NOUNI', 4, 'CTRL_RX_EXTRA'], ['NOBCAST', 5, 'CTRL_RX_EXTRA']]],
  ['MAC', 1, [['TABLE_SET', 0, 'CTRL_RX'], ['ADDR_SET', 1, 'CTRL_MAC_ADDR']]],
  ['VLAN', 2, [['ADD', 0, 'CTRL_VLAN'], ['DEL', 1, 'CTRL_VLAN']]],
  ['ANNOUNCE', 3, [['ACK', 0, 'GUEST_ANNOUNCE']]],
  ['MQ', 4, [['VQ_PAIRS_SET', 0, 'MQ'], ['RSS_CONFIG', 1, 'RSS'], ['HASH_CONFIG', 2, 'HASH_REPORT']]],
  ['GUEST_OFFLOADS', 5, [['SET', 0, 'CTRL_GUEST_OFFLOADS']]],
  ['NOTF_COAL', 6, [['TX_SET', 0, 'NOTF_COAL'], ['RX_SET', 1, 'NOTF_COAL'], ['VQ_SET', 2, 'VQ_NOTF_COAL'], ['VQ_GET', 3, 'VQ_NOTF_COAL']]],
  ['HASH_TUNNEL', 7, [['SET', 0, 'HASH_TUNNEL']]],
  ['STATS', 8, [['QUERY', 0, 'DEVICE_STATS'], ['GET', 1, 'DEVICE_STATS']]],
  ['RSS_CTX', 9, [['CAP_GET', 0, 'RSS_CONTEXT'], ['ADD', 1, 'RSS_CONTEXT'], ['MOD', 2, 'RSS_CONTEXT'], ['DEL', 3, 'RSS_CONTEXT']]],
];

const f = (...names: string[]): bigint => featureBits('net', names);

describe('virtio_net_config', () => {
  test('every digest field with its offset, size and gate', () => {
    assert.deepEqual(NET_CONFIG.map((c) => [c.offset, c.size, c.name, c.features?.join('|') ?? '']), DIGEST_NET_CONFIG);
  });

  test('contiguous, 28 bytes, read-only for the driver', () => {
    let end = 0;
    for (const c of NET_CONFIG) {
      assert.equal(c.offset, end, c.name);
      end += c.size;
    }
    assert.equal(end, NET_CONFIG_SIZE);
    assert.equal(NET_CONFIG_SIZE, 28);
    assert.ok(NET_CONFIG.every((c) => !c.driverWritable));
  });

  test('mtu at offset 10 gated by MTU', () => {
    const mtu = fieldByName(NET_CONFIG, 'mtu')!;
    assert.equal(mtu.offset, 10);
    assert.deepEqual(mtu.features, ['MTU']);
    assert.ok(presentFields('net', NET_CONFIG, f('MTU')).includes(mtu));
    assert.ok(!presentFields('net', NET_CONFIG, f('MAC')).includes(mtu));
  });

  test('decoders', () => {
    const dec = (n: string, v: bigint): string | undefined => fieldByName(NET_CONFIG, n)!.decode?.(v);
    assert.equal(dec('mac', 0x563412005452n), '52:54:00:12:34:56');
    assert.equal(dec('status', 1n), 'LINK_UP');
    assert.equal(dec('status', 0n), '0 (link down)');
    assert.equal(dec('speed', 0xffffffffn), 'unknown');
    assert.equal(dec('speed', 10000n), '10000 Mbit/s');
    assert.equal(dec('duplex', 1n), '1 (full)');
    assert.equal(dec('supported_hash_types', 0x7n), 'IPv4 | TCPv4 | UDPv4');
  });
});

describe('virtio_net_hdr', () => {
  test('fields per digest, contiguous to 32 bytes', () => {
    assert.deepEqual(NET_HDR_FIELDS.map((h) => [h.offset, h.size, h.name]), DIGEST_HDR);
    assert.equal(NET_HDR_FIELDS.reduce((s, h) => s + h.size, 0), 32);
  });

  test('flags, gso types, hash reports, status bits', () => {
    assert.deepEqual(NET_HDR_FLAGS.map((x) => x.value), [1, 2, 4, 8, 16, 32, 64]);
    assert.deepEqual(Object.fromEntries(NET_GSO_TYPES.map((x) => [x.short, x.value])), {
      NONE: 0, TCPV4: 1, UDP: 3, TCPV6: 4, UDP_L4: 5, UDP_TUNNEL_IPV4: 0x20, UDP_TUNNEL_IPV6: 0x40, ECN: 0x80,
    });
    assert.deepEqual(NET_HASH_REPORTS.map((x) => x.value), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(NET_STATUS_BITS.map((x) => [x.short, x.value]), [['LINK_UP', 1], ['ANNOUNCE', 2]]);
    assert.equal(formatGsoType(0x81), 'TCPV4 | ECN');
    assert.equal(formatGsoType(0x25), 'UDP_L4 | UDP_TUNNEL_IPV4');
    assert.equal(formatGsoType(2), 'unknown (2)');
  });

  test('header size for each feature combination', () => {
    assert.equal(netHeaderSize(0n), 10);
    assert.equal(netHeaderSize(f('MRG_RXBUF')), 12);
    assert.equal(netHeaderSize(f('HASH_REPORT')), 10); // legacy has no hash fields
    assert.equal(netHeaderSize(f('VERSION_1')), 12);
    assert.equal(netHeaderSize(f('VERSION_1', 'MRG_RXBUF')), 12);
    assert.equal(netHeaderSize(f('VERSION_1', 'HASH_REPORT')), 20);
    assert.equal(netHeaderSize(f('VERSION_1', 'GUEST_UDP_TUNNEL_GSO')), 24);
    assert.equal(netHeaderSize(f('VERSION_1', 'HOST_UDP_TUNNEL_GSO', 'HASH_REPORT')), 24);
    assert.equal(netHeaderSize(f('VERSION_1', 'OUT_NET_HEADER')), 32);
    assert.equal(netHeaderSize(f('VERSION_1', 'IPSEC', 'HASH_REPORT')), 32);
  });
});

describe('control virtqueue', () => {
  test('every digest class and command, with its gate', () => {
    for (const [cls, value, cmds] of DIGEST_CTRL) {
      const k = NET_CTRL_CLASSES.find((c) => c.short === cls);
      assert.equal(k?.value, value, cls);
      for (const [s, v, gate] of cmds) {
        const c = netCtrlCommand(value, v);
        assert.equal(c?.short, s, `${cls} ${v}`);
        assert.deepEqual(c?.features, [gate], `${cls}.${s}`);
        assert.ok(featureByName(gate, 'net'), gate);
      }
      assert.equal(NET_CTRL_COMMANDS.filter((c) => c.classValue === value).length, cmds.length, cls);
    }
    assert.equal(NET_CTRL_CLASSES.length, DIGEST_CTRL.length);
  });

  test('uapi names', () => {
    assert.equal(netCtrlCommand(4, 0)?.name, 'VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET');
    assert.equal(netCtrlCommand(1, 0)?.name, 'VIRTIO_NET_CTRL_MAC_TABLE_SET');
    assert.equal(netCtrlCommand(5, 0)?.name, 'VIRTIO_NET_CTRL_GUEST_OFFLOADS_SET');
    assert.equal(netCtrlCommand(0, 0)?.name, 'VIRTIO_NET_CTRL_RX_PROMISC');
    assert.equal(netCtrlCommand(0, 6), undefined);
  });

  test('queue names', () => {
    assert.deepEqual([0, 1, 2, 3, 4].map((i) => netQueueName(i, 2)), ['receiveq1', 'transmitq1', 'receiveq2', 'transmitq2', 'controlq']);
    assert.equal(netQueueName(7, 2), 'queue7');
  });
});
