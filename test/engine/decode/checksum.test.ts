import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  completePartialChecksum, internetChecksum, ipv4HeaderChecksum, onesComplementSum, pseudoHeaderSumV4, pseudoHeaderSumV6,
  transportChecksum, verifyIpv4HeaderChecksum,
} from '../../../engine/decode';
import { IP_GUEST, IP_HOST, refChecksum, u8 } from './fixtures';

describe('Internet checksum', () => {
  test('RFC 1071 §3 example: sum 0xddf2, checksum 0x220d', () => {
    const b = u8([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
    assert.equal(onesComplementSum(b), 0xddf2);
    assert.equal(internetChecksum(b), 0x220d);
    assert.equal(refChecksum([...b]), 0x220d);
  });

  test('odd length pads with a zero byte', () => {
    assert.equal(onesComplementSum(u8([0x12, 0x34, 0x56])), 0x1234 + 0x5600);
    assert.equal(internetChecksum(u8([])), 0xffff);
  });

  test('a known IPv4 header (checksum 0xb861)', () => {
    const h = u8([0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7]);
    assert.equal(ipv4HeaderChecksum(h), 0xb861);
    assert.equal(verifyIpv4HeaderChecksum(h), true);
    h[8] = 0x3f; // TTL changed: the stored checksum is now wrong
    assert.equal(verifyIpv4HeaderChecksum(h), false);
    assert.equal(verifyIpv4HeaderChecksum(u8([0x45, 0])), false);
  });

  test('pseudo headers: a UDP datagram verifies to 0 with its pseudo header, v4 and v6', () => {
    const seg = [0x00, 0x44, 0x00, 0x43, 0x00, 0x0a, 0, 0, 0x68, 0x69];
    const p4 = pseudoHeaderSumV4(u8(IP_GUEST), u8(IP_HOST), 17, seg.length);
    const c4 = refChecksum([...IP_GUEST, ...IP_HOST, 0, 17, 0, seg.length, ...seg]);
    assert.equal(transportChecksum(p4, u8(seg)), c4);
    const filled = u8([...seg.slice(0, 6), c4 >> 8, c4 & 0xff, ...seg.slice(8)]);
    assert.equal(transportChecksum(p4, filled), 0);

    const a = u8([0xfe, 0x80, ...new Array<number>(13).fill(0), 1]);
    const b = u8([0xfe, 0x80, ...new Array<number>(13).fill(0), 2]);
    const p6 = pseudoHeaderSumV6(a, b, 17, seg.length);
    assert.equal(transportChecksum(p6, u8(seg)), refChecksum([...a, ...b, 0, 0, 0, seg.length, 0, 0, 0, 17, ...seg]));
  });

  test('completePartialChecksum finishes a NEEDS_CSUM frame seeded with the pseudo-header sum', () => {
    // Ethernet (14) + IPv4 (20) + UDP (8 + 2): csum_start 34, csum_offset 6.
    const udp = [0x00, 0x44, 0x00, 0x43, 0x00, 0x0a, 0, 0, 0x68, 0x69];
    const frame = u8([...new Array<number>(34).fill(0), ...udp]);
    const seed = pseudoHeaderSumV4(u8(IP_GUEST), u8(IP_HOST), 17, udp.length);
    frame[40] = seed >> 8;
    frame[41] = seed & 0xff;
    assert.equal(completePartialChecksum(frame, 34, 6), true);
    assert.equal((frame[40]! << 8) | frame[41]!, refChecksum([...IP_GUEST, ...IP_HOST, 0, 17, 0, 10, ...udp]));
    assert.equal(completePartialChecksum(frame, 34, 100), false);
    assert.equal(completePartialChecksum(frame, 100, 0), false);
  });
});
