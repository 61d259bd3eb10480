import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type DecodedLayer, decodePacket, firstError, layerValues, summarizePacket } from '../../../engine/decode';
import {
  ARP_REPLY, ARP_REQUEST, ICMP6_ECHO, ICMP_ECHO_REQUEST, ICMP_PORT_UNREACHABLE, NEIGHBOR_SOLICITATION, NET_HDR_12, TCP_SYN,
  UDP_DATAGRAM, VLAN_UDP, u8,
} from './fixtures';

const decode = (frame: number[], headerSize = 0): DecodedLayer[] => decodePacket(u8(headerSize ? [...NET_HDR_12, ...frame] : frame), { headerSize });
const values = (frame: number[], headerSize = 0): Record<string, string | number | boolean> => layerValues(decode(frame, headerSize));
const protocols = (layers: DecodedLayer[]): string[] => layers.map((l) => l.protocol);

describe('packets', () => {
  test('ARP request', () => {
    const layers = decode(ARP_REQUEST);
    assert.deepEqual(protocols(layers), ['Ethernet', 'ARP']);
    const v = layerValues(layers);
    assert.equal(v['pkt.eth.dst'], 'ff:ff:ff:ff:ff:ff');
    assert.equal(v['pkt.eth.src'], '52:54:00:12:34:56');
    assert.equal(v['pkt.eth.type'], 'ARP');
    assert.equal(v['pkt.arp.op'], 'request');
    assert.equal(v['pkt.arp.sha'], '52:54:00:12:34:56');
    assert.equal(v['pkt.arp.spa'], '10.0.2.15');
    assert.equal(v['pkt.arp.tha'], '00:00:00:00:00:00');
    assert.equal(v['pkt.arp.tpa'], '10.0.2.2');
    assert.equal(firstError(layers), undefined);
    assert.equal(summarizePacket(layers), 'ARP who-has 10.0.2.2 tell 10.0.2.15');
    assert.equal(summarizePacket(decode(ARP_REPLY)), 'ARP 10.0.2.2 is-at 52:55:0a:00:02:02');
  });

  test('ICMP echo request with correct checksums', () => {
    const layers = decode(ICMP_ECHO_REQUEST);
    assert.deepEqual(protocols(layers), ['Ethernet', 'IPv4', 'ICMP']);
    const v = layerValues(layers);
    assert.equal(v['pkt.eth.type'], 'IPv4');
    assert.equal(v['pkt.ip.src'], '10.0.2.15');
    assert.equal(v['pkt.ip.dst'], '10.0.2.2');
    assert.equal(v['pkt.ip.proto'], 'ICMP');
    assert.equal(v['pkt.ip.ttl'], 64);
    assert.equal(v['pkt.ip.len'], 36);
    assert.equal(v['pkt.ip.df'], true);
    assert.equal(v['pkt.ip.checksum_ok'], true);
    assert.equal(v['pkt.icmp.type'], 8);
    assert.equal(v['pkt.icmp.code'], 0);
    assert.equal(v['pkt.icmp.name'], 'echo request');
    assert.equal(v['pkt.icmp.id'], 1);
    assert.equal(v['pkt.icmp.seq'], 3);
    assert.equal(v['pkt.icmp.checksum_ok'], true);
    assert.equal(summarizePacket(layers), 'ICMP echo request 10.0.2.15 > 10.0.2.2 id 1 seq 3');
  });

  test('bad checksums are reported, not thrown', () => {
    const ip = [...ICMP_ECHO_REQUEST];
    ip[14 + 8] = 1; // TTL 1: IPv4 header checksum now wrong
    ip[14 + 20 + 8] ^= 0xff; // ICMP data changed
    const v = values(ip);
    assert.equal(v['pkt.ip.checksum_ok'], false);
    assert.equal(v['pkt.icmp.checksum_ok'], false);
    const ipField = decode(ip)[1]!.fields.find((f) => f.label === 'header checksum status');
    assert.match(ipField?.value ?? '', /^incorrect, expected 0x[0-9a-f]{4}$/);
  });

  test('UDP datagram', () => {
    const layers = decode(UDP_DATAGRAM);
    assert.deepEqual(protocols(layers), ['Ethernet', 'IPv4', 'UDP']);
    const v = layerValues(layers);
    assert.equal(v['pkt.udp.sport'], 68);
    assert.equal(v['pkt.udp.dport'], 67);
    assert.equal(v['pkt.udp.len'], 13);
    assert.equal(v['pkt.udp.checksum_ok'], true);
    assert.equal(summarizePacket(layers), 'UDP 10.0.2.15:68 > 10.0.2.2:67 len 13');
  });

  test('TCP SYN with MSS option', () => {
    const layers = decode(TCP_SYN);
    assert.deepEqual(protocols(layers), ['Ethernet', 'IPv4', 'TCP']);
    const v = layerValues(layers);
    assert.equal(v['pkt.tcp.sport'], 40000);
    assert.equal(v['pkt.tcp.dport'], 80);
    assert.equal(v['pkt.tcp.flags'], 'SYN');
    assert.equal(v['pkt.tcp.seq'], 1000);
    assert.equal(v['pkt.tcp.ack'], 0);
    assert.equal(v['pkt.tcp.win'], 64240);
    assert.equal(v['pkt.tcp.mss'], 1460);
    assert.equal(v['pkt.tcp.len'], 0);
    assert.equal(v['pkt.tcp.checksum_ok'], true);
    assert.equal(summarizePacket(layers), 'TCP 10.0.2.15:40000 > 10.0.2.2:80 [SYN] seq 1000');
  });

  test('IPv6 ICMPv6 echo request', () => {
    const layers = decode(ICMP6_ECHO);
    assert.deepEqual(protocols(layers), ['Ethernet', 'IPv6', 'ICMPv6']);
    const v = layerValues(layers);
    assert.equal(v['pkt.eth.type'], 'IPv6');
    assert.equal(v['pkt.ip6.src'], 'fe80::5054:ff:fe12:3456');
    assert.equal(v['pkt.ip6.dst'], 'fe80::2');
    assert.equal(v['pkt.ip6.next'], 'ICMPv6');
    assert.equal(v['pkt.ip6.hlim'], 64);
    assert.equal(v['pkt.icmp.type'], 128);
    assert.equal(v['pkt.icmp.version'], 6);
    assert.equal(v['pkt.icmp.id'], 7);
    assert.equal(v['pkt.icmp.seq'], 1);
    assert.equal(v['pkt.icmp.checksum_ok'], true);
    assert.equal(summarizePacket(layers), 'ICMPv6 echo request fe80::5054:ff:fe12:3456 > fe80::2 id 7 seq 1');
  });

  test('ICMPv6 neighbor solicitation with source link-layer option', () => {
    const v = values(NEIGHBOR_SOLICITATION);
    assert.equal(v['pkt.icmp.name'], 'neighbor solicitation');
    assert.equal(v['pkt.icmp.target'], 'fe80::2');
    assert.equal(v['pkt.icmp.lladdr'], '52:54:00:12:34:56');
    assert.equal(v['pkt.icmp.checksum_ok'], true);
  });

  test('ICMP port unreachable quotes the invoking packet', () => {
    const layers = decode(ICMP_PORT_UNREACHABLE);
    const v = layerValues(layers);
    assert.equal(v['pkt.icmp.type'], 3);
    assert.equal(v['pkt.icmp.code'], 3);
    assert.equal(v['pkt.icmp.orig_dst'], '10.0.2.2');
    assert.equal(v['pkt.icmp.checksum_ok'], true);
    assert.equal(layers[2]!.fields.find((f) => f.label === 'code')?.value, 'port unreachable (3)');
    assert.equal(summarizePacket(layers), 'ICMP destination unreachable 10.0.2.2 > 10.0.2.15');
  });

  test('VLAN-tagged frame', () => {
    const layers = decode(VLAN_UDP);
    assert.deepEqual(protocols(layers), ['Ethernet', '802.1Q', 'IPv4', 'UDP']);
    const v = layerValues(layers);
    assert.equal(v['pkt.eth.type'], '802.1Q');
    assert.equal(v['pkt.vlan.id'], 100);
    assert.equal(v['pkt.vlan.pcp'], 3);
    assert.equal(v['pkt.vlan.type'], 'IPv4');
    assert.equal(v['pkt.udp.checksum_ok'], true);
    assert.equal(summarizePacket(layers), 'VLAN 100 UDP 10.0.2.15:68 > 10.0.2.2:67 len 13');
  });

  test('unknown EtherType shows in hex', () => {
    const frame = [...ARP_REQUEST.slice(0, 12), 0x88, 0xcc, 1, 2, 3];
    const layers = decode(frame);
    assert.equal(layerValues(layers)['pkt.eth.type'], '0x88cc');
    assert.equal(summarizePacket(layers), 'Ethernet 52:54:00:12:34:56 > ff:ff:ff:ff:ff:ff type 0x88cc');
  });

  test('virtio_net_hdr in front; field offsets are relative to the buffer', () => {
    const layers = decode(ICMP_ECHO_REQUEST, 12);
    assert.deepEqual(protocols(layers), ['virtio_net_hdr', 'Ethernet', 'IPv4', 'ICMP']);
    const v = layerValues(layers);
    assert.equal(v['pkt.hdr.num_buffers'], 1);
    assert.equal(v['pkt.hdr.gso_type'], 'NONE');
    assert.equal(v['pkt.hdr.flags'], '0');
    assert.equal(layers[1]!.fields[0]!.offset, 12);
    assert.equal(layers[2]!.fields.find((f) => f.label === 'source')?.offset, 12 + 14 + 12);
  });

  test('non-first IPv4 fragments are not decoded as transport', () => {
    const frag = [...UDP_DATAGRAM];
    frag[14 + 6] = 0x00;
    frag[14 + 7] = 0x10; // offset 128 bytes, checksum now wrong but decoding goes on
    assert.deepEqual(protocols(decode(frag)), ['Ethernet', 'IPv4']);
  });

  test('the IP layer itself reports a frame shorter than its total length', () => {
    const cut = decode(ICMP_ECHO_REQUEST.slice(0, 40));
    assert.equal(cut[1]!.error, 'truncated at byte 40');
    assert.equal(cut[2]!.error, 'truncated at byte 40');
    const cut6 = decode(ICMP6_ECHO.slice(0, 60));
    assert.equal(cut6[1]!.error, 'truncated at byte 60');
  });

  test('Ethernet padding after the IP packet is ignored', () => {
    const padded = [...ICMP_ECHO_REQUEST, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const layers = decode(padded);
    assert.equal(firstError(layers), undefined);
    assert.equal(layerValues(layers)['pkt.icmp.checksum_ok'], true);
  });

  test('malformed headers are errors, not exceptions', () => {
    const bad = [...ICMP_ECHO_REQUEST];
    bad[14] = 0x43; // IHL 3
    assert.equal(firstError(decode(bad)), 'header length 12 is below 20 bytes');
    const v6 = [...ICMP_ECHO_REQUEST];
    v6[14] = 0x65;
    assert.equal(firstError(decode(v6)), 'version 6 in an IPv4 header');
  });
});

describe('truncation', () => {
  const fixtures: [string, number[]][] = [
    ['ARP request', ARP_REQUEST], ['ICMP echo', ICMP_ECHO_REQUEST], ['UDP', UDP_DATAGRAM], ['TCP SYN', TCP_SYN],
    ['ICMPv6 echo', ICMP6_ECHO], ['neighbor solicitation', NEIGHBOR_SOLICITATION], ['VLAN', VLAN_UDP], ['port unreachable', ICMP_PORT_UNREACHABLE],
  ];
  for (const [name, frame] of fixtures) {
    for (const headerSize of [0, 12]) {
      test(`${name}${headerSize ? ' with virtio_net_hdr' : ''}: every prefix reports where it ends`, () => {
        const full = u8(headerSize ? [...NET_HDR_12, ...frame] : frame);
        assert.equal(firstError(decodePacket(full, { headerSize })), undefined);
        for (let n = 0; n < full.length; n++) {
          const layers = decodePacket(full.subarray(0, n), { headerSize });
          assert.ok(layers.length > 0);
          assert.ok(layers.some((l) => l.error === `truncated at byte ${n}`), `${n}: ${layers.map((l) => l.error).join(', ')}`);
          for (const l of layers) for (const f of l.fields) assert.ok(f.offset + f.size <= n, `${l.protocol}.${f.label} beyond ${n}`);
        }
      });
    }
  }
});
