import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeNetHeader } from '../../../engine/decode';

/** virtio_net_hdr bytes (le) for the base fields, then extra bytes. */
function hdr(flags: number, gso: number, hdrLen: number, gsoSize: number, csumStart: number, csumOffset: number, numBuffers?: number, extra: number[] = []): Uint8Array {
  const le = (v: number): number[] => [v & 0xff, v >> 8];
  return Uint8Array.from([flags, gso, ...le(hdrLen), ...le(gsoSize), ...le(csumStart), ...le(csumOffset), ...(numBuffers === undefined ? [] : le(numBuffers)), ...extra]);
}

describe('virtio_net_hdr', () => {
  test('12-byte header: TSOv4 with partial checksum (csum_start 34, csum_offset 16)', () => {
    const l = decodeNetHeader(hdr(1, 1, 54, 1448, 34, 16, 0), 12);
    assert.equal(l.error, undefined);
    assert.deepEqual(l.values, {
      'pkt.hdr.flags': 'NEEDS_CSUM', 'pkt.hdr.gso_type': 'TCPV4', 'pkt.hdr.hdr_len': 54, 'pkt.hdr.gso_size': 1448,
      'pkt.hdr.csum_start': 34, 'pkt.hdr.csum_offset': 16, 'pkt.hdr.num_buffers': 0,
    });
    assert.equal(l.fields[0]!.value, 'NEEDS_CSUM (1)');
  });

  test('legacy 10-byte header has no num_buffers', () => {
    const l = decodeNetHeader(hdr(2, 0x84, 0, 0, 0, 0), 10);
    assert.equal(l.values['pkt.hdr.num_buffers'], undefined);
    assert.equal(l.values['pkt.hdr.flags'], 'DATA_VALID');
    assert.equal(l.values['pkt.hdr.gso_type'], 'TCPV6 | ECN');
    assert.equal(l.fields.length, 6);
  });

  test('20-byte header with hash report', () => {
    const l = decodeNetHeader(hdr(0, 0, 0, 0, 0, 0, 1, [0x78, 0x56, 0x34, 0x12, 2, 0, 0, 0]), 20);
    assert.equal(l.values['pkt.hdr.hash_value'], 0x12345678);
    assert.equal(l.values['pkt.hdr.hash_report'], 'TCPv4');
    assert.equal(l.values['pkt.hdr.padding_reserved'], undefined);
  });

  test('24- and 32-byte headers', () => {
    const extra = [...new Array<number>(8).fill(0), 14, 0, 42, 0, 34, 0, 0, 0, 0, 0, 0, 0];
    const l24 = decodeNetHeader(hdr(8, 0x25, 0, 0, 0, 0, 1, extra.slice(0, 12)), 24);
    assert.equal(l24.values['pkt.hdr.flags'], 'UDP_TUNNEL_CSUM');
    assert.equal(l24.values['pkt.hdr.gso_type'], 'UDP_L4 | UDP_TUNNEL_IPV4');
    assert.equal(l24.values['pkt.hdr.outer_th_offset'], 14);
    assert.equal(l24.values['pkt.hdr.inner_nh_offset'], 42);
    assert.equal(l24.values['pkt.hdr.outer_nh_offset'], undefined);
    const l32 = decodeNetHeader(hdr(0, 0, 0, 0, 0, 0, 1, extra), 32);
    assert.equal(l32.values['pkt.hdr.outer_nh_offset'], 34);
    assert.equal(l32.fields.length, 14);
  });

  test('short input', () => {
    for (let n = 0; n < 12; n++) assert.equal(decodeNetHeader(hdr(0, 0, 0, 0, 0, 0, 1).subarray(0, n), 12).error, `truncated at byte ${n}`);
    assert.equal(decodeNetHeader(hdr(0, 0, 0, 0, 0, 0, 1), 12, 4).error, 'truncated at byte 12');
  });
});
