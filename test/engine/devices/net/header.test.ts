import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { F, bit } from '../../../../engine/device-core/bits';
import { GSO, HDR_F, encodeNetHdr, formatNetHdr, headerLayout, parseNetHdr } from '../../../../engine/wire';
import { NET_F } from '../../../../engine/devices/net/net-features';
import { featureByName } from '../../../../engine/spec-tables';
import { LAYOUTS, frameTo, netBits, netRig, settle, until } from './harness';

describe('net feature numbers', () => {
  test('every bit the device branches on matches the spec table', () => {
    for (const [name, value] of Object.entries(NET_F)) assert.equal(featureByName(name, 'net')?.bit, value, name);
  });
});

describe('virtio_net_hdr size from the negotiated features (§5.1.6, F15)', () => {
  const v1 = bit(F.VERSION_1);
  const cases: [string, bigint, number][] = [
    ['legacy, no MRG_RXBUF', 0n, 10],
    ['legacy with MRG_RXBUF', netBits('MRG_RXBUF'), 12],
    ['VERSION_1', v1, 12],
    ['VERSION_1 + MRG_RXBUF', v1 | netBits('MRG_RXBUF'), 12],
    ['VERSION_1 + HASH_REPORT', v1 | netBits('HASH_REPORT'), 20],
    ['VERSION_1 + HASH_REPORT + MRG_RXBUF', v1 | netBits('HASH_REPORT', 'MRG_RXBUF'), 20],
    ['VERSION_1 + HOST_UDP_TUNNEL_GSO', v1 | bit(67), 24],
    ['VERSION_1 + GUEST_UDP_TUNNEL_GSO + HASH_REPORT', v1 | bit(65) | netBits('HASH_REPORT'), 24],
    ['VERSION_1 + OUT_NET_HEADER', v1 | bit(69), 32],
    ['VERSION_1 + IPSEC', v1 | bit(70), 32],
  ];
  for (const [name, features, size] of cases) {
    test(`${name}: ${size} bytes`, () => {
      const l = headerLayout(features);
      assert.equal(l.size, size);
      assert.equal(l.hasNumBuffers, size > 10);
    });
  }

  for (const layout of LAYOUTS) {
    test(`${layout}: the device writes a 20-byte header when HASH_REPORT is negotiated, and the driver reads it`, async () => {
      const offered = bit(F.VERSION_1) | bit(F.RING_PACKED) | netBits('MAC', 'HASH_REPORT');
      const r = await netRig({ layout, device: { offered } });
      assert.equal(r.dev.headerLayout().size, 20);
      assert.equal(r.client.headerSize, 20);
      r.port.inject(frameTo(r.client.mac, 100));
      assert.ok(await until(() => r.client.receivedCount === 1));
      assert.deepEqual(r.client.received[0]!.frame, frameTo(r.client.mac, 100));
      assert.deepEqual(r.rules(), []);
    });
  }

  test('without MRG_RXBUF num_buffers is 1; with it, the count of buffers', async () => {
    const r = await netRig({ without: ['MRG_RXBUF'] });
    r.port.inject(frameTo(r.client.mac, 200));
    assert.ok(await until(() => r.client.receivedCount === 1));
    assert.equal(r.client.received[0]!.numBuffers, 1);
    await settle();
  });
});

describe('header encoding and rendering', () => {
  test('encode and parse round-trip every field', () => {
    const l = headerLayout(bit(F.VERSION_1));
    const h = { flags: HDR_F.NEEDS_CSUM, gsoType: GSO.TCPV4 | GSO.ECN, hdrLen: 66, gsoSize: 1448, csumStart: 34, csumOffset: 16, numBuffers: 3 };
    const b = encodeNetHdr(h, l.size);
    assert.equal(b.length, 12);
    assert.deepEqual([...b], [1, 0x81, 66, 0, 0xa8, 0x05, 34, 0, 16, 0, 3, 0]);
    assert.deepEqual(parseNetHdr(b, l), h);
  });

  test('the 10-byte legacy layout has no num_buffers', () => {
    const l = headerLayout(0n);
    const b = encodeNetHdr({ flags: 1, numBuffers: 5 }, l.size);
    assert.equal(b.length, 10);
    assert.equal(parseNetHdr(b, l).numBuffers, undefined);
  });

  test('rendering names the flags and the GSO fields, and says when nothing is offloaded', () => {
    const l = headerLayout(bit(F.VERSION_1));
    assert.equal(formatNetHdr(parseNetHdr(encodeNetHdr({}, l.size), l)), 'no offload');
    assert.equal(
      formatNetHdr({ flags: 1, gsoType: GSO.TCPV6, hdrLen: 74, gsoSize: 1440, csumStart: 54, csumOffset: 16, numBuffers: 0 }),
      'NEEDS_CSUM csum 54+16 gso TCPV6 mss 1440 hdr_len 74',
    );
    assert.equal(formatNetHdr({ flags: HDR_F.DATA_VALID, gsoType: 0, hdrLen: 0, gsoSize: 0, csumStart: 0, csumOffset: 0, numBuffers: 2 }), 'DATA_VALID num_buffers 2');
    // The plain header (no flags, no GSO): only num_buffers, when set.
    assert.equal(formatNetHdr({ flags: 0, gsoType: 0, hdrLen: 0, gsoSize: 0, csumStart: 0, csumOffset: 0, numBuffers: 1 }), 'num_buffers 1');
    assert.equal(formatNetHdr({ flags: 0, gsoType: 0, hdrLen: 0, gsoSize: 0, csumStart: 0, csumOffset: 0, numBuffers: undefined }), 'no offload');
    assert.equal(formatNetHdr({ flags: 0, gsoType: 0, hdrLen: 14, gsoSize: 0, csumStart: 0, csumOffset: 0, numBuffers: 1 }), 'hdr_len 14 num_buffers 1');
  });
});
