import { formatIpv4, formatIpv6, formatMac } from './address';
import { hexBytes } from './hex';
import { type DecodedField, type DecodedLayer } from './types';

export type Value = string | number | boolean;

/** A decoded layer and where the next one starts. */
export interface LayerResult {
  readonly layer: DecodedLayer;
  /** What follows: the EtherType / IP protocol number and its offset; absent if nothing can be decoded further. */
  readonly next?: { readonly type: number; readonly offset: number };
}

/** A 64-bit value as a number when exact, else as a decimal string (values must stay primitives). */
export function big(v: bigint): number | string {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

/** How a table row reads its bytes. */
export type Conv = 'u8' | 'u16be' | 'u16le' | 'u32be' | 'u32le' | 'u64le' | 'mac' | 'ipv4' | 'ipv6' | 'bytes';

/** One row of a header table (label, size, convert), like vscode-hexeditor's data inspector. */
export interface Row {
  readonly label: string;
  /** Key in `values` (without the layer prefix); omitted: not a condition value. */
  readonly key?: string;
  /** Offset from the start of the header. */
  readonly at: number;
  readonly size: number;
  readonly conv: Conv;
  /** Display of the value; default decimal / text. */
  readonly show?: (v: number | bigint | string) => string;
}

const SIZES: Record<Conv, number> = { u8: 1, u16be: 2, u16le: 2, u32be: 4, u32le: 4, u64le: 8, mac: 6, ipv4: 4, ipv6: 16, bytes: 0 };

/**
 * Collects the fields and values of one layer over `bytes[.. end)`. Reads never go past `end` (nor the array):
 * a read that would records `truncated at byte N` (N = where the data ends) and returns undefined.
 */
export class LayerBuilder {
  readonly fields: DecodedField[] = [];
  readonly values: Record<string, Value> = {};
  readonly end: number;
  private err: string | undefined;

  constructor(
    readonly protocol: string,
    readonly bytes: Uint8Array,
    end: number = bytes.length,
    readonly prefix = '',
  ) {
    this.end = Math.max(0, Math.min(end, bytes.length));
  }

  get error(): string | undefined {
    return this.err;
  }

  /** True if [offset, offset + size) is readable; otherwise records the truncation. */
  need(offset: number, size: number): boolean {
    if (offset >= 0 && offset + size <= this.end) return true;
    this.truncated();
    return false;
  }

  truncated(at = this.end): void {
    this.err ??= `truncated at byte ${at}`;
  }

  /** Records a malformation (the first error wins). */
  fail(message: string): void {
    this.err ??= message;
  }

  u8(o: number): number {
    return this.bytes[o]!;
  }

  u16be(o: number): number {
    return (this.bytes[o]! << 8) | this.bytes[o + 1]!;
  }

  u16le(o: number): number {
    return this.bytes[o]! | (this.bytes[o + 1]! << 8);
  }

  u32be(o: number): number {
    return this.u16be(o) * 0x10000 + this.u16be(o + 2);
  }

  u32le(o: number): number {
    return this.u16le(o) + this.u16le(o + 2) * 0x10000;
  }

  u64le(o: number): bigint {
    return BigInt(this.u32le(o)) + (BigInt(this.u32le(o + 4)) << 32n);
  }

  add(label: string, value: string, offset: number, size: number, raw?: Value, children?: DecodedField[]): void {
    this.fields.push({ label, value, offset, size, ...(raw !== undefined ? { raw } : {}), ...(children ? { children } : {}) });
  }

  set(key: string, v: Value): void {
    this.values[this.prefix + key] = v;
  }

  /**
   * Reads a header table at `base`. Stops at the first row that does not fit (truncation recorded) and returns
   * what was read by label; `complete` tells whether every row fitted.
   */
  rows(base: number, rows: readonly Row[]): { complete: boolean; v: Record<string, number | bigint | string> } {
    const v: Record<string, number | bigint | string> = {};
    for (const r of rows) {
      const size = r.conv === 'bytes' ? r.size : SIZES[r.conv];
      const at = base + r.at;
      if (!this.need(at, size)) return { complete: false, v };
      const x = this.read(r.conv, at, size);
      v[r.label] = x;
      const raw: Value = typeof x === 'bigint' ? big(x) : x;
      this.add(r.label, r.show ? r.show(x) : String(x), at, size, raw);
      if (r.key) this.set(r.key, raw);
    }
    return { complete: true, v };
  }

  private read(conv: Conv, at: number, size: number): number | bigint | string {
    switch (conv) {
      case 'u8': return this.u8(at);
      case 'u16be': return this.u16be(at);
      case 'u16le': return this.u16le(at);
      case 'u32be': return this.u32be(at);
      case 'u32le': return this.u32le(at);
      case 'u64le': return this.u64le(at);
      case 'mac': return formatMac(this.bytes, at);
      case 'ipv4': return formatIpv4(this.bytes, at);
      case 'ipv6': return formatIpv6(this.bytes, at);
      case 'bytes': return hexBytes(this.bytes, at, at + size, Infinity);
    }
  }

  build(): DecodedLayer {
    return { protocol: this.protocol, fields: this.fields, values: this.values, ...(this.err ? { error: this.err } : {}) };
  }
}

/** A `show` for numeric rows. */
export const num = (f: (v: number) => string) => (v: number | bigint | string): string => f(Number(v));
