/** Hex text of numbers and bytes: the one helper for every trace line, decoded field and message. */

/** `0x1f`; with `width`, zero-padded to that many digits (`hex(0x800, 4)` = `0x0800`). */
export function hex(v: number | bigint, width = 0): string {
  return `0x${v.toString(16).padStart(width, '0')}`;
}

const BYTE_HEX = Array.from({ length: 256 }, (_, x) => x.toString(16).padStart(2, '0'));

/**
 * Two lowercase hex digits per byte, joined by `sep` (`'52:54:00'` with `':'`, `'525400'` with `''`).
 * A table and a string built in a loop: `serve net --trace` calls this for every address of every frame (the
 * Array.from(...).join version was 12 % of its CPU profile under DPDK txonly).
 */
export function hexString(bytes: Uint8Array, sep = ''): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += i ? sep + BYTE_HEX[bytes[i]!]! : BYTE_HEX[bytes[i]!]!;
  return s;
}

/** Hex bytes of a range separated by spaces, shortened past `max` bytes. */
export function hexBytes(b: Uint8Array, from: number, to: number, max = 32): string {
  const shown = hexString(b.subarray(from, Math.min(to, from + max)), ' ');
  return to - from > max ? `${shown} … (${to - from} bytes)` : shown;
}
