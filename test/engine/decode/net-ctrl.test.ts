import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeNetCtrl, summarizeNetCtrl } from '../../../engine/decode';
import { NET_CTRL_COMMANDS } from '../../../engine/spec-tables';

const le16 = (v: number): number[] => [v & 0xff, v >> 8];
const le32 = (v: number): number[] => [...le16(v & 0xffff), ...le16(v >>> 16)];
const le64 = (v: bigint): number[] => Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
const MAC_A = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
const MAC_B = [0x01, 0x00, 0x5e, 0x00, 0x00, 0x01];
const RSS = [...le32(0x3f), ...le16(3), ...le16(0), ...le16(0), ...le16(1), ...le16(0), ...le16(1), ...le16(2), 4, 1, 2, 3, 4];

/** [class, command, data, expected values] for every command of the digest. */
const CASES: [number, number, number[], Record<string, string | number | boolean>][] = [
  [0, 0, [1], { 'ctrl.class': 'RX', 'ctrl.command': 'PROMISC', 'ctrl.on': true }],
  [0, 1, [0], { 'ctrl.command': 'ALLMULTI', 'ctrl.on': false }],
  [0, 2, [1], { 'ctrl.command': 'ALLUNI', 'ctrl.on': true }],
  [0, 3, [1], { 'ctrl.command': 'NOMULTI', 'ctrl.on': true }],
  [0, 4, [1], { 'ctrl.command': 'NOUNI', 'ctrl.on': true }],
  [0, 5, [1], { 'ctrl.command': 'NOBCAST', 'ctrl.on': true }],
  [1, 0, [...le32(1), ...MAC_A, ...le32(2), ...MAC_B, ...MAC_B], { 'ctrl.class': 'MAC', 'ctrl.command': 'TABLE_SET', 'ctrl.unicast': 1, 'ctrl.multicast': 2 }],
  [1, 1, MAC_A, { 'ctrl.command': 'ADDR_SET', 'ctrl.mac': '52:54:00:12:34:56' }],
  [2, 0, le16(100), { 'ctrl.class': 'VLAN', 'ctrl.command': 'ADD', 'ctrl.vlan': 100 }],
  [2, 1, le16(4095), { 'ctrl.command': 'DEL', 'ctrl.vlan': 4095 }],
  [3, 0, [], { 'ctrl.class': 'ANNOUNCE', 'ctrl.command': 'ACK' }],
  [4, 0, le16(4), { 'ctrl.class': 'MQ', 'ctrl.command': 'VQ_PAIRS_SET', 'ctrl.pairs': 4 }],
  [4, 1, RSS, { 'ctrl.command': 'RSS_CONFIG', 'ctrl.hash_types': 'IPv4 | TCPv4 | UDPv4 | IPv6 | TCPv6 | UDPv6', 'ctrl.table_len': 4, 'ctrl.max_tx_vq': 2, 'ctrl.key_len': 4, 'ctrl.unclassified': 0 }],
  [4, 2, [...le32(0x7), 0, 0, 0, 0, 0, 0, 0, 0, 2, 0xaa, 0xbb], { 'ctrl.command': 'HASH_CONFIG', 'ctrl.hash_types': 'IPv4 | TCPv4 | UDPv4', 'ctrl.key_len': 2 }],
  [5, 0, le64((1n << 1n) | (1n << 7n) | (1n << 46n)), { 'ctrl.class': 'GUEST_OFFLOADS', 'ctrl.command': 'SET', 'ctrl.offloads': 'GUEST_CSUM | GUEST_TSO4 | GUEST_UDP_TUNNEL_GSO' }],
  [6, 0, [...le32(32), ...le32(50)], { 'ctrl.class': 'NOTF_COAL', 'ctrl.command': 'TX_SET', 'ctrl.max_packets': 32, 'ctrl.usecs': 50 }],
  [6, 1, [...le32(16), ...le32(10)], { 'ctrl.command': 'RX_SET', 'ctrl.max_packets': 16, 'ctrl.usecs': 10 }],
  [6, 2, [...le16(3), 0, 0, ...le32(8), ...le32(20)], { 'ctrl.command': 'VQ_SET', 'ctrl.vq': 3, 'ctrl.max_packets': 8, 'ctrl.usecs': 20 }],
  [6, 3, le16(1), { 'ctrl.command': 'VQ_GET', 'ctrl.vq': 1 }],
  [7, 0, le32(0x5), { 'ctrl.class': 'HASH_TUNNEL', 'ctrl.command': 'SET', 'ctrl.tunnel_types': 5 }],
  [8, 0, [], { 'ctrl.class': 'STATS', 'ctrl.command': 'QUERY' }],
  [8, 1, [...le16(0), 0, 0, 0, 0, 0, 0, ...le64(7n), ...le16(1), 0, 0, 0, 0, 0, 0, ...le64(1n)], { 'ctrl.command': 'GET', 'ctrl.queries': 2 }],
  [9, 0, [], { 'ctrl.class': 'RSS_CTX', 'ctrl.command': 'CAP_GET' }],
  [9, 1, [...le16(1), ...RSS], { 'ctrl.command': 'ADD', 'ctrl.rss_ctx': 1, 'ctrl.table_len': 4 }],
  [9, 2, [...le16(1), ...RSS], { 'ctrl.command': 'MOD', 'ctrl.rss_ctx': 1, 'ctrl.key_len': 4 }],
  [9, 3, le16(1), { 'ctrl.command': 'DEL', 'ctrl.rss_ctx': 1 }],
];

describe('net control commands', () => {
  test('the cases cover every command of the spec table', () => {
    const covered = new Set(CASES.map(([c, m]) => `${c}.${m}`));
    for (const cmd of NET_CTRL_COMMANDS) assert.ok(covered.has(`${cmd.classValue}.${cmd.value}`), cmd.name);
  });

  for (const [cls, cmd, data, expected] of CASES) {
    test(`class ${cls} command ${cmd} (${expected['ctrl.command']})`, () => {
      const l = decodeNetCtrl(Uint8Array.from([cls, cmd, ...data]), Uint8Array.of(0), { completed: true });
      assert.equal(l.error, undefined, l.error);
      for (const [k, v] of Object.entries(expected)) assert.equal(l.values[k], v, k);
      assert.equal(l.values['ctrl.ack'], 'OK');
      assert.ok(!l.fields.some((f) => f.label === 'extra bytes'), 'all data accounted for');
      for (let n = 0; n < 2 + data.length; n++) {
        const cut = decodeNetCtrl(Uint8Array.from([cls, cmd, ...data]).subarray(0, n));
        // STATS GET is a list of 16-byte queries: prefixes at a query boundary are complete lists.
        if (cls === 8 && cmd === 1 && (n - 2) % 16 === 0) continue;
        assert.equal(cut.error, `truncated at byte ${n}`, `prefix ${n}`);
      }
    });
  }

  test('summaries', () => {
    const s = (bytes: number[], w: number[] = [0]): string => summarizeNetCtrl(decodeNetCtrl(Uint8Array.from(bytes), Uint8Array.from(w), { completed: true }));
    assert.equal(s([4, 0, ...le16(4)]), 'MQ VQ_PAIRS_SET 4 → OK');
    assert.equal(s([0, 0, 1], [1]), 'RX PROMISC on → ERR');
    assert.equal(s([1, 1, ...MAC_A]), 'MAC ADDR_SET 52:54:00:12:34:56 → OK');
    assert.equal(s([2, 0, ...le16(100)]), 'VLAN ADD 100 → OK');
    assert.equal(s([1, 0, ...le32(0), ...le32(0)]), 'MAC TABLE_SET 0 unicast 0 multicast → OK');
    assert.equal(summarizeNetCtrl(decodeNetCtrl(Uint8Array.of(3, 0), Uint8Array.of(0))), 'ANNOUNCE ACK');
  });

  test('unknown classes and commands, bad values, extra bytes, results', () => {
    assert.equal(decodeNetCtrl(Uint8Array.of(42, 0)).error, 'unknown control class 42');
    assert.equal(decodeNetCtrl(Uint8Array.of(0, 9, 1)).error, 'unknown command 9 of class RX');
    assert.equal(decodeNetCtrl(Uint8Array.of(2, 0, ...le16(5000))).error, 'VLAN id 5000 is above 4095');
    assert.equal(decodeNetCtrl(Uint8Array.of(4, 1, ...le32(1), ...le16(2), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)).error, 'indirection_table_mask 0x2 is not a power of two minus one');
    const extra = decodeNetCtrl(Uint8Array.of(4, 0, 1, 0, 9, 9));
    assert.equal(extra.fields.find((f) => f.label === 'extra bytes')?.size, 2);
    const get = decodeNetCtrl(Uint8Array.of(6, 3, 1, 0), Uint8Array.of(0, ...le32(8), ...le32(20)), { completed: true });
    assert.equal(get.fields.find((f) => f.label === 'result max_usecs')?.value, '20');
    assert.equal(decodeNetCtrl(Uint8Array.of(3, 0), undefined, { completed: true }).error, 'no ack byte: the command has no device-writable buffer');
  });

  test('a MAC table claiming more entries than present is truncated, not over-read', () => {
    const l = decodeNetCtrl(Uint8Array.from([1, 0, ...le32(1000), ...MAC_A]));
    assert.equal(l.error, 'truncated at byte 12');
    assert.equal(l.fields.find((f) => f.label === 'unicast table')?.children?.length, 1);
  });
});
