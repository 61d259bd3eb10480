/**
 * Turns one queue of the ring store into the rows the ring panel draws: for each index, the descriptor, the
 * available-ring entry and the used-ring entry, each with its state, its chain (for the colour), the index
 * markers that point at it, and whether it changed since the previous stop. Rows are made on demand, one per
 * visible line (`splitRows(...)(i)`): what is shared by all rows is computed once per state. Pure: no DOM.
 */
import { type ChainDto, type ChainState, type DescriptorDto, type QueueSnapshot } from '../../protocol/snapshot';
import { changed, descriptorAt, type RingColumns } from './ring-store';

export type EntryState = 'free' | ChainState | 'used';

export interface Cell {
  state: EntryState;
  /** Chain key (split: head index; packed: buffer id) for the colour and selection. */
  chain?: number;
  markers: string[];
  changed: boolean;
}

export interface SplitRow {
  i: number;
  desc?: DescriptorDto & Cell;
  avail?: { value: number } & Cell;
  used?: { id: number; len: number } & Cell;
}

export interface PackedRow {
  i: number;
  desc?: DescriptorDto & Cell & { avail: boolean; used: boolean };
}

const DESC_F_NEXT = 1;
const PACKED_AVAIL = 1 << 7;
const PACKED_USED = 1 << 15;

/** The key that identifies a chain in all three tables. */
export const chainKey = (c: ChainDto): number => c.id;

function cell(state: EntryState, chain: number | undefined, markers: string[] | undefined, isChanged: boolean): Cell {
  return { state, ...(chain !== undefined ? { chain } : {}), markers: markers ?? [], changed: isChanged };
}

function markerMap(n: number, marks: readonly [number | undefined, string][]): Map<number, string[]> {
  const m = new Map<number, string[]>();
  for (const [slot, label] of marks) {
    if (slot === undefined) continue;
    const k = slot % n;
    m.set(k, [...(m.get(k) ?? []), label]);
  }
  return m;
}

/** Row maker for a split queue. */
export function splitRows(q: QueueSnapshot, r: RingColumns): (i: number) => SplitRow {
  const n = q.size;
  const chains = q.chains ?? [];
  const owner = new Map<number, ChainDto>();
  for (const c of chains) for (const s of c.ringSlots) owner.set(s, c);
  const byPosition = new Map<number, ChainDto>();
  for (const c of chains) byPosition.set(c.position % n, c);

  // Descriptors of chains the device already returned: walk from the newest used entry back.
  const usedDesc = new Map<number, number>();
  const usedCount = Math.min(n, r.used.idx);
  for (let k = 1; k <= usedCount; k++) {
    const slot = (r.used.idx - k + 0x10000) % n;
    if (slot >= r.used.count) continue;
    const head = r.used.id[slot]!;
    let d = head;
    for (let steps = 0; steps < n && d < n && !owner.has(d) && !usedDesc.has(d); steps++) {
      usedDesc.set(d, head);
      if (d >= r.descCount || !r.present[d] || !(r.flags[d]! & DESC_F_NEXT)) break;
      d = r.next[d]!;
    }
  }
  const pendingCount = (r.avail.idx - q.lastAvail + 0x10000) & 0xffff;
  const availMarks = markerMap(n, [
    [r.avail.idx, `avail idx ${r.avail.idx}`],
    [q.lastAvail, `device next ${q.lastAvail}`],
    [r.used.availEvent, `avail_event ${r.used.availEvent}`],
  ]);
  const usedMarks = markerMap(n, [
    [r.used.idx, `used idx ${r.used.idx}`],
    [r.avail.usedEvent, `used_event ${r.avail.usedEvent}`],
  ]);

  return (i) => {
    const row: SplitRow = { i };
    const d = descriptorAt(r, i);
    if (d) {
      const c = owner.get(i);
      const usedBy = usedDesc.get(i);
      const state: EntryState = c ? c.state : usedBy !== undefined ? 'used' : 'free';
      row.desc = { ...d, ...cell(state, c ? chainKey(c) : usedBy, undefined, changed(r, 'desc', i)) };
    }
    if (i < r.avail.count) {
      const a = r.avail.ring[i]!;
      const c = byPosition.get(i);
      // Entries from the device's next avail up to avail idx are published and not taken yet.
      const waiting = (i - (q.lastAvail % n) + n) % n < Math.min(pendingCount, n);
      const state: EntryState = c ? c.state : waiting ? 'available' : 'free';
      row.avail = { value: a, ...cell(state, c ? chainKey(c) : waiting ? a : undefined, availMarks.get(i), changed(r, 'avail', i)) };
    }
    if (i < r.used.count) {
      const written = r.used.idx >= n || i < r.used.idx;
      const id = r.used.id[i]!;
      row.used = { id, len: r.used.len[i]!, ...cell(written ? 'used' : 'free', written ? id : undefined, usedMarks.get(i), changed(r, 'used', i)) };
    }
    return row;
  };
}

/** Row maker for a packed queue. */
export function packedRows(q: QueueSnapshot, r: RingColumns): (i: number) => PackedRow {
  const n = q.size;
  const owner = new Map<number, ChainDto>();
  for (const c of q.chains ?? []) for (const s of c.ringSlots) owner.set(s, c);
  const wrap = q.availWrap ?? true;
  // Event suppression: flags 2 (DESC) names a slot (§2.8.10).
  const marks = markerMap(n, [
    [q.lastAvail, `device next (wrap ${q.availWrap ? 1 : 0})`],
    [q.usedIdx, `next used (wrap ${q.usedWrap ? 1 : 0})`],
    [r.driverEvent.flags === 2 ? r.driverEvent.offset : undefined, `driver event ${r.driverEvent.offset}`],
    [r.deviceEvent.flags === 2 ? r.deviceEvent.offset : undefined, `device event ${r.deviceEvent.offset}`],
  ]);
  return (i) => {
    const d = descriptorAt(r, i);
    if (!d) return { i };
    const avail = (d.flags & PACKED_AVAIL) !== 0;
    const used = (d.flags & PACKED_USED) !== 0;
    // Slots before the device's next slot belong to the next lap of the ring (the other wrap value).
    const expected = i >= q.lastAvail ? wrap : !wrap;
    const c = owner.get(i);
    let state: EntryState = 'free';
    if (c) state = c.state;
    else if (avail === expected && used !== expected) state = 'available';
    else if (avail === used && (d.len !== 0 || d.addr !== '0x0')) state = 'used';
    return { i, desc: { ...d, ...cell(state, c ? chainKey(c) : state === 'free' ? undefined : d.id, marks.get(i), changed(r, 'desc', i)), avail, used } };
  };
}

export const EVENT_FLAGS = ['ENABLE', 'DISABLE', 'DESC'];
