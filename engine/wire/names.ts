/**
 * Number → name tables of the network registries (IEEE 802 EtherTypes, IANA protocol numbers, ICMP types...).
 * Each protocol module holds its own table; this is their shape and lookup. Not virtio constants: not part of
 * allConstants().
 */
export interface InetName {
  readonly value: number;
  readonly name: string;
}

/** The name of `value` in a table, or `fallback(value)`. */
export function inetName(table: readonly InetName[], value: number, fallback: (v: number) => string = (v) => String(v)): string {
  return table.find((e) => e.value === value)?.name ?? fallback(value);
}

/** A table from `{ value: name }` (EtherType, protocol number, message type...). */
export function nameTable(entries: Readonly<Record<number, string>>): readonly InetName[] {
  return Object.entries(entries).map(([value, name]) => ({ value: Number(value), name }));
}
