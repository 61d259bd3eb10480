/**
 * The Internet checksum (RFC 1071) and the pseudo-header sums of UDP/TCP/ICMPv6 (RFC 768, RFC 9293 §3.1,
 * RFC 8200 §8.1). Used by the decoders to verify, by the net device to complete partial checksums
 * (VIRTIO_NET_HDR_F_NEEDS_CSUM) and by the built-in ARP/ICMP responder to build replies.
 */

/** The 16-bit ones'-complement sum of bytes [start, end), folded, added to `initial` (odd length padded with 0). */
export function onesComplementSum(bytes: Uint8Array, start = 0, end = bytes.length, initial = 0): number {
  const stop = Math.min(end, bytes.length);
  let sum = initial;
  let i = Math.max(0, start);
  for (; i + 1 < stop; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < stop) sum += bytes[i]! << 8;
  return fold(sum);
}

/** Folds carries into 16 bits. */
export function fold(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/** The Internet checksum of bytes [start, end): the ones' complement of the ones'-complement sum. */
export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length, initial = 0): number {
  return ~onesComplementSum(bytes, start, end, initial) & 0xffff;
}

/** The checksum to store in an IPv4 header at `offset` (its checksum field counted as zero). */
export function ipv4HeaderChecksum(bytes: Uint8Array, offset = 0): number {
  const ihl = (bytes[offset]! & 0x0f) * 4;
  const sum = onesComplementSum(bytes, offset, offset + 10) + onesComplementSum(bytes, offset + 12, offset + ihl);
  return ~fold(sum) & 0xffff;
}

/** True if the IPv4 header at `offset` (IHL from its first byte) has a correct checksum. */
export function verifyIpv4HeaderChecksum(bytes: Uint8Array, offset = 0): boolean {
  const ihl = (bytes[offset]! & 0x0f) * 4;
  if (ihl < 20 || offset + ihl > bytes.length) return false;
  return onesComplementSum(bytes, offset, offset + ihl) === 0xffff;
}

/** Ones'-complement sum of the IPv4 pseudo header {src, dst, zero, protocol, length}. */
export function pseudoHeaderSumV4(src: Uint8Array, dst: Uint8Array, protocol: number, length: number): number {
  return fold(onesComplementSum(src, 0, 4) + onesComplementSum(dst, 0, 4) + protocol + (length & 0xffff) + Math.floor(length / 0x10000));
}

/** Ones'-complement sum of the IPv6 pseudo header {src, dst, upper-layer length (32), zero, next header}. */
export function pseudoHeaderSumV6(src: Uint8Array, dst: Uint8Array, nextHeader: number, length: number): number {
  return fold(onesComplementSum(src, 0, 16) + onesComplementSum(dst, 0, 16) + (length & 0xffff) + Math.floor(length / 0x10000) + nextHeader);
}

/**
 * The checksum of a transport segment [start, end) with a pseudo-header sum. Computed over a segment whose
 * checksum field holds the transmitted value, it is 0 when that value is correct. For UDP a computed 0 is sent as 0xffff.
 */
export function transportChecksum(pseudoSum: number, bytes: Uint8Array, start = 0, end = bytes.length): number {
  return internetChecksum(bytes, start, end, pseudoSum);
}

/**
 * Completes a partial checksum the way a device does for VIRTIO_NET_HDR_F_NEEDS_CSUM (§5.1.6.2): sums the frame from
 * `csumStart` to its end (the driver seeded the field with the pseudo-header sum) and stores the complement at
 * `csumStart + csumOffset`, big-endian. Returns false, changing nothing, if the offsets do not fit the frame.
 */
export function completePartialChecksum(frame: Uint8Array, csumStart: number, csumOffset: number): boolean {
  const at = csumStart + csumOffset;
  if (csumStart < 0 || csumOffset < 0 || csumStart >= frame.length || at + 2 > frame.length) return false;
  const c = internetChecksum(frame, csumStart, frame.length);
  frame[at] = c >> 8;
  frame[at + 1] = c & 0xff;
  return true;
}

/**
 * Verifies a transport checksum over bytes [offset, end) with the pseudo header of `ip` (ICMPv4 has none).
 * True when the stored checksum is right.
 */
export function transportChecksumOk(
  bytes: Uint8Array, offset: number, end: number, protocol: number,
  ip?: { readonly version: 4 | 6; readonly src: Uint8Array; readonly dst: Uint8Array },
): boolean {
  const len = end - offset;
  let pseudo = 0;
  if (ip?.version === 4 && protocol !== 1) pseudo = pseudoHeaderSumV4(ip.src, ip.dst, protocol, len);
  if (ip?.version === 6) pseudo = pseudoHeaderSumV6(ip.src, ip.dst, protocol, len);
  return transportChecksum(pseudo, bytes, offset, end) === 0;
}
