import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIpv4, formatIpv6, formatMac } from '../../../engine/decode';

const v6 = (groups: number[]): Uint8Array => Uint8Array.from(groups.flatMap((g) => [g >> 8, g & 0xff]));

describe('address text forms', () => {
  test('IPv6 per RFC 5952', () => {
    assert.equal(formatIpv6(v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]), 0), '2001:db8::1');
    assert.equal(formatIpv6(v6([0, 0, 0, 0, 0, 0, 0, 0]), 0), '::');
    assert.equal(formatIpv6(v6([0, 0, 0, 0, 0, 0, 0, 1]), 0), '::1');
    assert.equal(formatIpv6(v6([1, 0, 0, 0, 0, 0, 0, 0]), 0), '1::');
    assert.equal(formatIpv6(v6([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1]), 0), '2001:db8:0:1:1:1:1:1'); // one zero group stays
    assert.equal(formatIpv6(v6([0x2001, 0, 0, 1, 0, 0, 0, 1]), 0), '2001:0:0:1::1'); // the longest run
    assert.equal(formatIpv6(v6([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]), 0), '2001:db8::1:0:0:1'); // first of equal runs
    assert.equal(formatIpv6(v6([0xfe80, 0, 0, 0, 0x5054, 0xff, 0xfe12, 0x3456]), 0), 'fe80::5054:ff:fe12:3456');
  });

  test('IPv4 and MAC at an offset', () => {
    const b = Uint8Array.of(9, 10, 0, 2, 15, 0x52, 0x54, 0x00, 0x0a, 0xbc, 0xde);
    assert.equal(formatIpv4(b, 1), '10.0.2.15');
    assert.equal(formatMac(b, 5), '52:54:00:0a:bc:de');
  });

  test('IPv4 with fewer than 4 bytes left shows what is there (as before the fast path)', () => {
    const b = Uint8Array.of(255, 0, 7, 1, 2);
    assert.equal(formatIpv4(b, 0), '255.0.7.1');
    assert.equal(formatIpv4(b, 3), '1.2');
    assert.equal(formatIpv4(b, 5), '');
  });
});
