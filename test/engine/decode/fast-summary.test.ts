// The fast one-line summary (read straight from the bytes) against the full decoder's summary: byte-identical
// text whenever the fast path answers, over the decoder tests' frames, every truncation of them, mutated and
// generated IPv4 frames, and random bytes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodePacket, fastFrameSummary, summarizePacket } from '../../../engine/decode';
import { frameSummary } from '../../../engine/devices/net/net-summary';
import { fuzz } from '../../fuzz/support/fuzz';
import {
  ARP_REPLY, ARP_REQUEST, ICMP6_ECHO, ICMP_ECHO_REQUEST, ICMP_PORT_UNREACHABLE, NEIGHBOR_SOLICITATION, TCP_SYN, UDP_DATAGRAM,
  VLAN_UDP, u8,
} from './fixtures';

const FIXTURES = { ARP_REQUEST, ARP_REPLY, ICMP_ECHO_REQUEST, UDP_DATAGRAM, TCP_SYN, ICMP6_ECHO, NEIGHBOR_SOLICITATION, VLAN_UDP, ICMP_PORT_UNREACHABLE };

const full = (f: Uint8Array): string => summarizePacket(decodePacket(f));

/** The fast summary, when given, is the full decoder's text; frameSummary is always the full decoder's text. */
function same(f: Uint8Array): boolean {
  const fast = fastFrameSummary(f);
  const expected = full(f);
  if (fast !== undefined) assert.equal(fast, expected, `fast summary differs for ${Buffer.from(f).toString('hex')}`);
  assert.equal(frameSummary(f), expected, `frameSummary differs for ${Buffer.from(f).toString('hex')}`);
  return fast !== undefined;
}

describe('fast frame summary', () => {
  test('answers for the bulk frame kinds, with the decoder\'s text', () => {
    for (const f of [ICMP_ECHO_REQUEST, UDP_DATAGRAM, TCP_SYN]) assert.ok(same(u8(f)), full(u8(f)));
    assert.equal(fastFrameSummary(u8(UDP_DATAGRAM)), 'UDP 10.0.2.15:68 > 10.0.2.2:67 len 13');
    assert.equal(fastFrameSummary(u8(ICMP_ECHO_REQUEST)), 'ICMP echo request 10.0.2.15 > 10.0.2.2 id 1 seq 3');
    // Left to the decoder: ARP, IPv6, VLAN tags, ICMP errors.
    for (const f of [ARP_REQUEST, ARP_REPLY, ICMP6_ECHO, NEIGHBOR_SOLICITATION, VLAN_UDP, ICMP_PORT_UNREACHABLE]) {
      assert.equal(fastFrameSummary(u8(f)), undefined);
      same(u8(f));
    }
  });

  test('every truncation of every fixture (the fast path never answers for a cut frame)', () => {
    for (const [name, f] of Object.entries(FIXTURES)) {
      for (let n = 0; n <= f.length; n++) {
        const cut = u8(f.slice(0, n));
        same(cut);
        // The fixtures have no Ethernet padding: any cut leaves a header or payload short.
        if (n < f.length) assert.equal(fastFrameSummary(cut), undefined, `${name} cut to ${n} bytes`);
      }
    }
  });

  test('padded frames (a NIC pads to 60 bytes; the IP total length ends the packet)', () => {
    for (const f of [ICMP_ECHO_REQUEST, UDP_DATAGRAM, TCP_SYN]) {
      for (const pad of [1, 6, 40]) assert.ok(same(u8([...f, ...new Array<number>(pad).fill(0)])));
    }
  });

  test('mutated fixtures', (t) => {
    const mutated = fc
      .tuple(fc.constantFrom(...Object.values(FIXTURES)), fc.array(fc.tuple(fc.nat({ max: 80 }), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat({ max: 12 }))
      .map(([frame, edits, cut]) => {
        const b = Uint8Array.from(frame);
        for (const [i, v] of edits) b[i % b.length] = v;
        return b.subarray(0, Math.max(0, b.length - cut));
      });
    fuzz(t, 5000, mutated, (f) => void same(f));
  });

  test('generated IPv4 frames: header lengths, total lengths, fragments, protocols, L4 lengths and flags', (t) => {
    const frame = fc
      .record({
        vihl: fc.oneof(fc.constantFrom(0x45, 0x46, 0x47, 0x4f, 0x44, 0x40, 0x55, 0x65), fc.integer({ min: 0, max: 255 })),
        proto: fc.oneof(fc.constantFrom(1, 6, 17, 58, 2, 0), fc.integer({ min: 0, max: 255 })),
        frag: fc.oneof(fc.constant(0), fc.constant(0x4000), fc.constant(0x2000), fc.integer({ min: 0, max: 0xffff })),
        body: fc.uint8Array({ minLength: 0, maxLength: 120 }),
        totalDelta: fc.integer({ min: -30, max: 10 }),
        padding: fc.nat({ max: 20 }),
        l4: fc.record({
          icmpType: fc.oneof(fc.constantFrom(0, 8, 13, 14, 3, 11, 5, 12), fc.integer({ min: 0, max: 255 })),
          udpLenDelta: fc.integer({ min: -12, max: 4 }),
          tcpWord: fc.oneof(fc.constantFrom(0x5002, 0x5012, 0x5010, 0x5018, 0x6002, 0x8010, 0xf010, 0x4010), fc.integer({ min: 0, max: 0xffff })),
          seq: fc.integer({ min: 0, max: 0xffffffff }),
        }),
      })
      .map(({ vihl, proto, frag, body, totalDelta, padding, l4 }) => {
        const ihl = (vihl & 15) * 4;
        const ipLen = Math.max(20, ihl) + body.length;
        const f = new Uint8Array(14 + ipLen + padding);
        f.set([0x52, 0x54, 0, 0x12, 0x34, 0x56, 0x52, 0x55, 0x0a, 0, 2, 2, 0x08, 0x00], 0);
        const total = Math.max(0, Math.min(0xffff, ipLen + totalDelta));
        f.set([vihl, 0, total >> 8, total & 0xff, 0x12, 0x34, frag >> 8, frag & 0xff, 64, proto, 0, 0, 10, 0, 2, 15, 10, 0, 2, 2], 14);
        const at = 14 + Math.max(20, ihl);
        f.set(body, at);
        const room = 14 + ipLen - at;
        if (proto === 1 && room >= 1) f[at] = l4.icmpType;
        if (proto === 17 && room >= 6) {
          const len = Math.max(0, room + l4.udpLenDelta);
          f[at + 4] = len >> 8;
          f[at + 5] = len & 0xff;
        }
        if (proto === 6 && room >= 14) {
          f[at + 4] = l4.seq >>> 24;
          f[at + 5] = (l4.seq >>> 16) & 0xff;
          f[at + 12] = l4.tcpWord >> 8;
          f[at + 13] = l4.tcpWord & 0xff;
        }
        return f;
      });
    let answered = 0;
    let cases = 0;
    fuzz(t, 5000, frame, (f) => {
      cases++;
      if (same(f)) answered++;
    });
    // The generator reaches the fast path often enough for the comparison to mean something.
    assert.ok(answered >= cases / 20, `fast path answered only ${answered} of ${cases} times`);
  });

  test('random bytes', (t) => {
    fuzz(t, 2000, fc.uint8Array({ maxLength: 120 }), (f) => void same(f));
  });
});
