/** A named value with its spellings, meaning and section: the common row of the small enum tables. */
export interface NamedValue {
  readonly value: number;
  /** Linux uapi / spec name (VIRTIO_BLK_T_OUT). */
  readonly name: string;
  /** Short name used in displays and breakpoint conditions (OUT). */
  readonly short: string;
  /** Other spellings (spec, legacy, Rust crates). */
  readonly aliases: readonly string[];
  readonly meaning: string;
  /** VIRTIO 1.2 section. */
  readonly section: string;
}

/** Short name of a value in a table, or `fallback(value)` (default `unknown (N)`). */
export function shortName(table: readonly NamedValue[], value: number, fallback = (v: number): string => `unknown (${v})`): string {
  return table.find((r) => r.value === value)?.short ?? fallback(value);
}

/** Short names of the bits set in `value` for a table of single-bit values; unknown bits as hex. */
export function bitNames(table: readonly NamedValue[], value: number, width = 32): string[] {
  const names: string[] = [];
  for (let bit = 0; bit < width; bit++) {
    const mask = 2 ** bit;
    if (Math.floor(value / mask) % 2 === 0) continue;
    names.push(table.find((r) => r.value === mask)?.short ?? `0x${mask.toString(16)}`);
  }
  return names;
}
