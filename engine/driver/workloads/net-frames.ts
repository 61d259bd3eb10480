/**
 * What the reference net driver recognises in received frames and how it answers when it plays a host
 * (serveNetHost): ARP requests and replies, ICMP echo. The frames themselves are built by engine/wire, the
 * same modules the device side and the decoders use.
 */
import { ARP_OP_REPLY, ARP_OP_REQUEST, readArp } from '../../wire/arp';
import { ETH_HEADER_LEN } from '../../wire/ethernet';
import { ICMP_ECHO_REQUEST, icmpEchoReplyMessage, icmpMessageOf } from '../../wire/icmp';
import { IPPROTO_ICMP, ipv4Frame } from '../../wire/ipv4';

const sameIp = (a: Uint8Array, b: Uint8Array): boolean => a.length >= 4 && b.length >= 4 && a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];

/** The sender MAC of an ARP reply telling where `ip` is, or undefined. */
export function arpReplyFor(frame: Uint8Array, ip: Uint8Array): Uint8Array | undefined {
  const arp = readArp(frame);
  return arp?.op === ARP_OP_REPLY && sameIp(arp.spa, ip) ? arp.sha : undefined;
}

/** Sender MAC and IP of an ARP request asking for `ip`, or undefined. */
export function arpRequestFor(frame: Uint8Array, ip: Uint8Array): { mac: Uint8Array; ip: Uint8Array } | undefined {
  const arp = readArp(frame);
  return arp?.op === ARP_OP_REQUEST && sameIp(arp.tpa, ip) ? { mac: arp.sha, ip: arp.spa } : undefined;
}

/** The echo reply to an ICMP echo request addressed to `ourIp` (IPv4 without options), or undefined. */
export function icmpEchoReplyTo(frame: Uint8Array, ourMac: Uint8Array, ourIp: Uint8Array): Uint8Array | undefined {
  const ip = ETH_HEADER_LEN;
  const m = icmpMessageOf(frame);
  if (!m || frame[ip] !== 0x45 || !sameIp(frame.subarray(ip + 16, ip + 20), ourIp) || m[0] !== ICMP_ECHO_REQUEST) return undefined;
  const reply = icmpEchoReplyMessage(m);
  return ipv4Frame({ srcMac: ourMac, dstMac: frame.slice(6, 12), src: ourIp, dst: frame.slice(ip + 12, ip + 16), protocol: IPPROTO_ICMP, dontFragment: true }, reply);
}
