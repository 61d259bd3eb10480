/** MAC address text ↔ bytes, for peers and their options. */

/** `52:54:00:12:34:56` (also `-` separated, any case) → 6 bytes; a clear error otherwise. */
export function parseMac(text: string): Uint8Array {
  const parts = text.trim().split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) {
    throw new Error(`bad MAC address "${text}": expected six hex byte pairs like 02:00:00:00:00:01`);
  }
  return Uint8Array.from(parts, (p) => parseInt(p, 16));
}

export function formatMac(mac: Uint8Array): string {
  return Array.from(mac.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join(':');
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
