/** Small formatting helpers for the panels. */
import { SPEC_URL } from '../../protocol/webview';

export const hex = (v: number, width = 0): string => '0x' + v.toString(16).padStart(width, '0');

/** The spec link for a section (the VIRTIO 1.3 HTML has generated anchors, so the document itself). */
export const specHref = (_section: string): string => SPEC_URL;

export function bytesToHex(raw: string, size: number): string {
  // `raw` is the little-endian value as 0x...; show the bytes as they sit in config space.
  let v = BigInt(raw.startsWith('0x') ? raw : '0x0');
  const out: string[] = [];
  for (let i = 0; i < size; i++) {
    out.push((v & 0xffn).toString(16).padStart(2, '0'));
    v >>= 8n;
  }
  return out.join(' ');
}

export function time(ms: number, origin: number): string {
  return `+${((ms - origin) / 1000).toFixed(3)} s`;
}

export function clock(ms: number): string {
  const d = new Date(ms);
  return d.toISOString().slice(11, 23);
}
