/**
 * One-line descriptions of what crosses a net device's queues, for the trace and the debugger's frames:
 * decoded frames (ARP, ICMP, UDP, TCP...) with the virtio_net_hdr fields that matter, and control commands.
 * Also the receive checksum check behind DATA_VALID.
 */
import { decodeNetCtrl, decodePacket, fastFrameSummary, summarizeNetCtrl, summarizePacket } from '../../decode';
import { pseudoHeaderSumV4, pseudoHeaderSumV6, transportChecksum } from '../../wire/checksum';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, networkHeader } from '../../wire/ethernet';
import { type NetHdr, formatNetHdr } from '../../wire/net-header';

export function frameSummary(frame: Uint8Array): string {
  // The bulk of a data path (untagged IPv4 ICMP echo / UDP / TCP) is read straight from the bytes; the rest is decoded.
  const fast = fastFrameSummary(frame);
  if (fast !== undefined) return fast;
  // A summary is a function of the frame's bytes: the same frame again (a flood, a ping reply) is looked up.
  for (const m of recentSummaries) if (m.bytes.length === frame.length && Buffer.compare(m.bytes, frame) === 0) return m.summary;
  let summary: string;
  try {
    summary = summarizePacket(decodePacket(frame));
  } catch {
    summary = `${frame.length}-byte frame`;
  }
  if (frame.length <= MEMO_MAX_FRAME) {
    recentSummaries.unshift({ bytes: Uint8Array.prototype.slice.call(frame), summary });
    if (recentSummaries.length > MEMO_ENTRIES) recentSummaries.pop();
  }
  return summary;
}
/** The last few frames summarised through the full decoder (ARP, IPv6, VLAN-tagged frames...). */
const recentSummaries: { bytes: Uint8Array; summary: string }[] = [];
const MEMO_ENTRIES = 4;
const MEMO_MAX_FRAME = 2048;

/** `ICMP echo request 10.0.2.15 > 10.0.2.2 id 1 seq 1 (98 B) [NEEDS_CSUM csum 34+16]`. */
export function txSummary(hdr: NetHdr, frame: Uint8Array): string {
  return `${frameSummary(frame)} (${frame.length} B) [${formatNetHdr(hdr)}]`;
}

/** The first buffer of a received frame shows the frame; the following ones (MRG_RXBUF) where they continue. */
export function rxSummary(frame: Uint8Array, hdr: NetHdr, offset: number, headerSize: number): string {
  if (offset === 0) return `← ${frameSummary(frame)} (${frame.length} B) [${formatNetHdr(hdr)}]`;
  return `← continued: bytes ${offset}.. of header + ${frame.length}-byte frame (${headerSize + frame.length} B)`;
}

export function ctrlSummary(readable: Uint8Array): string {
  try {
    return `ctrl ${summarizeNetCtrl(decodeNetCtrl(readable))}`;
  } catch {
    return `ctrl (${readable.length} B)`;
  }
}

/**
 * True when `frame` is TCP or UDP over IPv4/IPv6 (no IPv6 extension headers, not a fragment) and its
 * transport checksum is correct: the device may then set DATA_VALID (§5.1.6.4).
 */
export function l4ChecksumValid(frame: Uint8Array): boolean {
  const net = networkHeader(frame);
  if (!net) return false;
  const l3 = net.offset;
  let proto: number;
  let l4: number;
  let end: number;
  let pseudo: (len: number) => number;
  if (net.type === ETHERTYPE_IPV4 && frame.length >= l3 + 20) {
    const ihl = (frame[l3]! & 0x0f) * 4;
    const fragment = ((frame[l3 + 6]! & 0x3f) << 8) | frame[l3 + 7]!;
    if (ihl < 20 || fragment !== 0) return false;
    proto = frame[l3 + 9]!;
    l4 = l3 + ihl;
    end = l3 + ((frame[l3 + 2]! << 8) | frame[l3 + 3]!);
    const src = frame.subarray(l3 + 12, l3 + 16);
    const dst = frame.subarray(l3 + 16, l3 + 20);
    pseudo = (len) => pseudoHeaderSumV4(src, dst, proto, len);
  } else if (net.type === ETHERTYPE_IPV6 && frame.length >= l3 + 40) {
    proto = frame[l3 + 6]!;
    l4 = l3 + 40;
    end = l4 + ((frame[l3 + 4]! << 8) | frame[l3 + 5]!);
    const src = frame.subarray(l3 + 8, l3 + 24);
    const dst = frame.subarray(l3 + 24, l3 + 40);
    pseudo = (len) => pseudoHeaderSumV6(src, dst, proto, len);
  } else return false;
  if ((proto !== 6 && proto !== 17) || end > frame.length || end < l4 + (proto === 6 ? 20 : 8)) return false;
  // A UDP checksum of 0 means "not computed": nothing was validated.
  if (proto === 17 && frame[l4 + 6] === 0 && frame[l4 + 7] === 0) return false;
  return transportChecksum(pseudo(end - l4), frame, l4, end) === 0;
}
