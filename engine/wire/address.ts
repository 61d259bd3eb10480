/** Link and network addresses as text and bytes: MAC (IEEE 802), IPv4 (dotted quad), IPv6 (RFC 5952). */
import { hexString } from './hex';

/** `52:54:00:12:34:56` (also `-` separated, any case) → 6 bytes; a clear error otherwise. */
export function parseMac(text: string): Uint8Array {
  const parts = text.trim().split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) {
    throw new Error(`bad MAC address "${text}": expected six hex byte pairs like 02:00:00:00:00:01`);
  }
  return Uint8Array.from(parts, (p) => parseInt(p, 16));
}

/** The MAC at `at`: `52:54:00:12:34:56`. */
export function formatMac(b: Uint8Array, at = 0): string {
  return hexString(b.subarray(at, at + 6), ':');
}

/** Group (multicast/broadcast) bit: the least significant bit of the first byte. */
export function isGroupMac(mac: Uint8Array): boolean {
  return (mac[0]! & 1) !== 0;
}

/** Locally administered bit: the second least significant bit of the first byte (IEEE 802). */
export function isLocallyAdministered(mac: Uint8Array): boolean {
  return (mac[0]! & 2) !== 0;
}

/** A MAC given as text or bytes, checked to be a unicast address. */
export function toUnicastMac(mac: string | Uint8Array, what: string): Uint8Array {
  const bytes = typeof mac === 'string' ? parseMac(mac) : Uint8Array.from(mac);
  if (bytes.length !== 6) throw new Error(`${what}: a MAC address has 6 bytes, got ${bytes.length}`);
  if (isGroupMac(bytes)) throw new Error(`${what}: ${formatMac(bytes)} is a multicast address, a port needs a unicast one`);
  return bytes;
}

/** `10.0.2.15` → 4 bytes; a clear error otherwise. */
export function parseIpv4(text: string): Uint8Array {
  const parts = text.split('.').map((p) => Number(p));
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`bad IPv4 address "${text}"`);
  return Uint8Array.from(parts);
}

/** The IPv4 address at `at`: `10.0.2.15`. */
export function formatIpv4(b: Uint8Array, at = 0): string {
  // Concatenation, not Array.from(...).join: this runs for every traced frame (7 % of `serve net --trace`).
  if (at >= 0 && at + 4 <= b.length) return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
  return Array.from(b.subarray(at, at + 4)).join('.');
}

/** IPv6 text form per RFC 5952: lowercase, no leading zeros, the longest run (≥ 2) of zero groups as `::`. */
export function formatIpv6(b: Uint8Array, at = 0): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[at + 2 * i]! << 8) | b[at + 2 * i + 1]!);
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const part = (from: number, to: number): string => g.slice(from, to).map((x) => x.toString(16)).join(':');
  return best < 0 ? part(0, 8) : `${part(0, best)}::${part(best + bestLen, 8)}`;
}
