import { pseudoHeaderSumV4, pseudoHeaderSumV6, transportChecksum } from './checksum';
import { type IpContext } from './ipv4';

/**
 * Verifies a transport checksum over bytes [offset, end) with the pseudo header of `ip` (ICMPv4 has none).
 * True when the stored checksum is right.
 */
export function transportChecksumOk(bytes: Uint8Array, offset: number, end: number, protocol: number, ip?: IpContext): boolean {
  const len = end - offset;
  let pseudo = 0;
  if (ip?.version === 4 && protocol !== 1) pseudo = pseudoHeaderSumV4(ip.src, ip.dst, protocol, len);
  if (ip?.version === 6) pseudo = pseudoHeaderSumV6(ip.src, ip.dst, protocol, len);
  return transportChecksum(pseudo, bytes, offset, end) === 0;
}
