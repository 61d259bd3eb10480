/**
 * The ring panel's model of every queue's rings: one column per field (typed arrays, no object per entry), patched
 * in place by the extension's deltas (protocol/webview.ts RingsMessage), replaced by a full state. It remembers,
 * for each entry changed since the previous stop, its value at that stop, so "changed since the last stop" is
 * exact however many messages came in between. Pure: no DOM.
 */
import { type DescriptorDto, type PackedRingDto, type QueueSnapshot, type SessionSnapshot, type SplitRingDto } from '../../protocol/snapshot';
import { type RingPatch, type RingsMessage } from '../../protocol/webview';

type Event = { offset: number; wrap: number; flags: number };

export interface RingColumns {
  layout: 'split' | 'packed';
  size: number;
  /** Descriptors: entry i exists when i < descCount and present[i]. */
  descCount: number;
  present: Uint8Array;
  addr: string[];
  len: Uint32Array;
  flags: Uint16Array;
  next: Uint16Array;
  id: Uint16Array;
  flagNames: Map<number, string[]>;
  /** Split: the available and used rings (entries below their count exist). */
  avail: { flags: number; idx: number; usedEvent?: number; count: number; ring: Uint16Array };
  used: { flags: number; idx: number; availEvent?: number; count: number; id: Uint32Array; len: Uint32Array };
  /** Packed. */
  driverEvent: Event;
  deviceEvent: Event;
  /** Values at the previous stop of the entries changed since (see `changed`). */
  before: { desc: Map<number, string>; avail: Map<number, number>; used: Map<number, string> };
}

export type Column = 'desc' | 'avail' | 'used';

const NO_EVENT: Event = { offset: 0, wrap: 0, flags: 0 };

function empty(layout: RingColumns['layout'], size: number): RingColumns {
  return {
    layout,
    size,
    descCount: 0,
    present: new Uint8Array(size),
    addr: new Array<string>(size).fill('0x0'),
    len: new Uint32Array(size),
    flags: new Uint16Array(size),
    next: new Uint16Array(size),
    id: new Uint16Array(size),
    flagNames: new Map([[0, []]]),
    avail: { flags: 0, idx: 0, count: 0, ring: new Uint16Array(size) },
    used: { flags: 0, idx: 0, count: 0, id: new Uint32Array(size), len: new Uint32Array(size) },
    driverEvent: NO_EVENT,
    deviceEvent: NO_EVENT,
    before: { desc: new Map(), avail: new Map(), used: new Map() },
  };
}

/** An entry's value as one comparable string (or number): what "changed" compares. */
export function entryKey(c: RingColumns, col: Column, i: number): string | number {
  if (col === 'avail') return i < c.avail.count ? c.avail.ring[i]! : -1;
  if (col === 'used') return i < c.used.count ? `${c.used.id[i]},${c.used.len[i]}` : '';
  return i < c.descCount && c.present[i] ? `${c.addr[i]},${c.len[i]},${c.flags[i]},${c.next[i]},${c.id[i]}` : '';
}

/** The entry changed since the previous stop (false when there is no previous stop). */
export function changed(c: RingColumns, col: Column, i: number): boolean {
  const b = c.before[col].get(i);
  return b !== undefined && b !== entryKey(c, col, i);
}

/** The descriptor at `i` in the snapshot DTO's shape, or undefined if the snapshot does not hold it. */
export function descriptorAt(c: RingColumns, i: number): DescriptorDto | undefined {
  if (i >= c.descCount || !c.present[i]) return undefined;
  const flags = c.flags[i]!;
  return {
    index: i,
    addr: c.addr[i]!,
    len: c.len[i]!,
    flags,
    flagNames: c.flagNames.get(flags) ?? [`0x${flags.toString(16)}`],
    ...(c.layout === 'split' ? { next: c.next[i]! } : { id: c.id[i]! }),
  };
}

function writeDesc(c: RingColumns, p: RingPatch, remember: boolean): void {
  const d = p.desc;
  for (const [k, v] of Object.entries(p.flagNames)) c.flagNames.set(Number(k), v);
  const keep = (i: number) => {
    if (remember && !c.before.desc.has(i)) c.before.desc.set(i, entryKey(c, 'desc', i) as string);
  };
  if (remember) {
    for (let i = Math.min(c.descCount, p.descCount); i < Math.max(c.descCount, p.descCount); i++) keep(i);
    for (const i of p.missing) keep(i);
  }
  c.descCount = p.descCount;
  for (let k = 0; k < d.index.length; k++) {
    const i = d.index[k]!;
    if (i >= c.size) continue;
    keep(i);
    c.present[i] = 1;
    c.addr[i] = d.addr[k]!;
    c.len[i] = d.len[k]!;
    c.flags[i] = d.flags[k]!;
    c.next[i] = d.next?.[k] ?? 0;
    c.id[i] = d.id?.[k] ?? 0;
  }
  // Presence is whole in every patch: entries not missing are present.
  const n = Math.min(c.size, p.descCount);
  c.present.fill(1, 0, n);
  c.present.fill(0, n);
  for (const i of p.missing) if (i < c.size) c.present[i] = 0;
}

function writeRings(c: RingColumns, p: RingPatch, remember: boolean): void {
  if (p.avail) {
    const { slot, value, count, ...head } = p.avail;
    if (remember) for (let i = Math.min(c.avail.count, count); i < Math.max(c.avail.count, count); i++) if (!c.before.avail.has(i)) c.before.avail.set(i, entryKey(c, 'avail', i) as number);
    c.avail = { ...head, count: Math.min(count, c.size), ring: c.avail.ring };
    for (let k = 0; k < slot.length; k++) {
      const i = slot[k]!;
      if (i >= c.size) continue;
      if (remember && !c.before.avail.has(i)) c.before.avail.set(i, entryKey(c, 'avail', i) as number);
      c.avail.ring[i] = value[k]!;
    }
  }
  if (p.used) {
    const { slot, id, len, count, ...head } = p.used;
    if (remember) for (let i = Math.min(c.used.count, count); i < Math.max(c.used.count, count); i++) if (!c.before.used.has(i)) c.before.used.set(i, entryKey(c, 'used', i) as string);
    c.used = { ...head, count: Math.min(count, c.size), id: c.used.id, len: c.used.len };
    for (let k = 0; k < slot.length; k++) {
      const i = slot[k]!;
      if (i >= c.size) continue;
      if (remember && !c.before.used.has(i)) c.before.used.set(i, entryKey(c, 'used', i) as string);
      c.used.id[i] = id[k]!;
      c.used.len[i] = len[k]!;
    }
  }
  if (p.driverEvent) c.driverEvent = p.driverEvent;
  if (p.deviceEvent) c.deviceEvent = p.deviceEvent;
}

/** Records in `next.before` the entries of `prev` (same layout and size) that differ in `next`. */
function compareAll(prev: RingColumns, next: RingColumns): void {
  next.before = prev.before;
  for (const col of ['desc', 'avail', 'used'] as const) {
    const m = next.before[col] as Map<number, string | number>;
    for (let i = 0; i < next.size; i++) {
      if (m.has(i)) continue;
      const was = entryKey(prev, col, i);
      if (was !== entryKey(next, col, i)) m.set(i, was);
    }
  }
}

/** A whole ring DTO (the `snapshot` message) as a reset patch. */
export function patchFromDto(q: QueueSnapshot, ring: SplitRingDto | PackedRingDto): RingPatch {
  const descCount = ring.desc.length ? ring.desc[ring.desc.length - 1]!.index + 1 : 0;
  const present = new Set(ring.desc.map((d) => d.index));
  const missing: number[] = [];
  if (present.size !== descCount) for (let i = 0; i < descCount; i++) if (!present.has(i)) missing.push(i);
  const flagNames: Record<number, string[]> = {};
  for (const d of ring.desc) flagNames[d.flags] ??= d.flagNames;
  const desc = {
    index: ring.desc.map((d) => d.index),
    addr: ring.desc.map((d) => d.addr),
    len: ring.desc.map((d) => d.len),
    flags: ring.desc.map((d) => d.flags),
    next: ring.desc.map((d) => d.next ?? 0),
    id: ring.desc.map((d) => d.id ?? 0),
  };
  const head = { thread: q.thread, layout: ring.layout, size: q.size, reset: true, descCount, desc, flagNames, missing };
  if (ring.layout === 'packed') return { ...head, driverEvent: ring.driverEvent, deviceEvent: ring.deviceEvent };
  const { ring: a, ...availHead } = ring.avail;
  const { ring: u, ...usedHead } = ring.used;
  return {
    ...head,
    avail: { ...availHead, count: a.length, slot: a.map((_, i) => i), value: a },
    used: { ...usedHead, count: u.length, slot: u.map((_, i) => i), id: u.map((e) => e.id), len: u.map((e) => e.len) },
  };
}

export class RingStore {
  /** The number of the last RingsMessage applied (undefined: none, or a whole `snapshot` message). */
  seq: number | undefined;
  /** The session's state without the rings (chains, counters, indices). */
  snapshot: SessionSnapshot | undefined;
  private readonly rings = new Map<string, RingColumns>();
  /** A stop was shown before the current state: entries are compared with it. */
  private haveBaseline = false;

  ring(thread: string): RingColumns | undefined {
    return this.rings.get(thread);
  }

  /** Applies a message; false (nothing applied) when it is a delta on a message this store does not hold. */
  apply(m: RingsMessage): boolean {
    if (m.base !== undefined && m.base !== this.seq) return false;
    this.update(m.snapshot, m.rings);
    this.seq = m.seq;
    return true;
  }

  /** A whole snapshot with its rings (the `snapshot` message). */
  applySnapshot(s: SessionSnapshot): void {
    const patches: RingPatch[] = [];
    for (const q of s.devices.flatMap((d) => d.queues)) if (q.ring) patches.push(patchFromDto(q, q.ring));
    this.update({ ...s, devices: s.devices.map((d) => ({ ...d, queues: d.queues.map(({ ring: _r, ...q }) => q) })) }, patches);
    this.seq = undefined;
  }

  private update(s: SessionSnapshot, patches: readonly RingPatch[]): void {
    const cur = this.snapshot;
    const newState = !cur || cur.version !== s.version;
    // The shown state was a stop and something new comes: that stop is the baseline from now on.
    if (cur && !cur.running && newState) {
      this.haveBaseline = true;
      for (const c of this.rings.values()) c.before = { desc: new Map(), avail: new Map(), used: new Map() };
    }
    const remember = this.haveBaseline;
    const seen = new Set<string>();
    for (const p of patches) {
      seen.add(p.thread);
      const old = this.rings.get(p.thread);
      if (!p.reset && old && old.layout === p.layout && old.size === p.size) {
        writeDesc(old, p, remember);
        writeRings(old, p, remember);
        continue;
      }
      const fresh = empty(p.layout, p.size);
      writeDesc(fresh, p, false);
      writeRings(fresh, p, false);
      if (old && remember && old.layout === p.layout && old.size === p.size) compareAll(old, fresh);
      this.rings.set(p.thread, fresh);
    }
    for (const t of [...this.rings.keys()]) if (!seen.has(t)) this.rings.delete(t);
    this.snapshot = s;
  }
}
