import { IPPROTO_UDP } from '../spec';
import { type LayerResult } from './ethernet';
import { type IpContext } from './ipv4';
import { transportChecksumOk } from './l4-checksum';
import { LayerBuilder, type Row, hex, hexBytes, num } from './layer';

const HEADER: readonly Row[] = [
  { label: 'source port', key: 'sport', at: 0, size: 2, conv: 'u16be' },
  { label: 'destination port', key: 'dport', at: 2, size: 2, conv: 'u16be' },
  { label: 'length', key: 'len', at: 4, size: 2, conv: 'u16be' },
  { label: 'checksum', at: 6, size: 2, conv: 'u16be', show: num((v) => hex(v, 4)) },
];

/**
 * UDP (RFC 768): `pkt.udp.sport/dport/len`, `pkt.udp.checksum_ok` (absent when the IPv4 checksum is 0 = none,
 * or when the datagram is truncated). `end` is the end of the IP payload.
 */
export function decodeUdp(bytes: Uint8Array, offset: number, end = bytes.length, ip?: IpContext): LayerResult {
  const b = new LayerBuilder('UDP', bytes, end, 'pkt.udp.');
  const { complete, v } = b.rows(offset, HEADER);
  if (!complete) return { layer: b.build() };
  const len = v.length as number;
  if (len < 8) {
    b.fail(`length ${len} is below the 8-byte header`);
    return { layer: b.build() };
  }
  const stop = Math.min(offset + len, b.end);
  if (offset + len > b.end) b.truncated();
  b.add('payload', hexBytes(bytes, offset + 8, stop, 16), offset + 8, stop - offset - 8, stop - offset - 8);
  if (v.checksum === 0 && ip?.version !== 6) {
    b.add('checksum status', 'none (0)', offset + 6, 2);
  } else if (ip && b.error === undefined) {
    const ok = transportChecksumOk(bytes, offset, offset + len, IPPROTO_UDP, ip);
    b.set('checksum_ok', ok);
    b.add('checksum status', ok ? 'correct' : 'incorrect', offset + 6, 2, ok);
  }
  return { layer: b.build() };
}
