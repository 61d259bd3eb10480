/**
 * Turns one queue of a snapshot into the rows the ring panel draws: for each index, the descriptor, the
 * available-ring entry and the used-ring entry, each with its state, its chain (for the colour), the index
 * markers that point at it, and whether it changed since the previous stop. Pure: no DOM.
 */
import { type ChainDto, type ChainState, type DescriptorDto, type PackedRingDto, type QueueSnapshot, type SplitRingDto } from '../../protocol/snapshot';

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

function cell(state: EntryState, chain?: number): Cell {
  return { state, ...(chain !== undefined ? { chain } : {}), markers: [], changed: false };
}

export function splitRows(q: QueueSnapshot, ring: SplitRingDto, before?: SplitRingDto): SplitRow[] {
  const n = q.size;
  const chains = q.chains ?? [];
  const owner = new Map<number, ChainDto>();
  for (const c of chains) for (const s of c.ringSlots) owner.set(s, c);
  const byPosition = new Map<number, ChainDto>();
  for (const c of chains) byPosition.set(c.position % n, c);

  // Descriptors of chains the device already returned: walk from the newest used entry back.
  const usedDesc = new Map<number, number>();
  const usedCount = Math.min(n, ring.used.idx >= n ? n : ring.used.idx);
  for (let k = 1; k <= usedCount; k++) {
    const e = ring.used.ring[(ring.used.idx - k + 0x10000) % n];
    if (!e) continue;
    let d = e.id;
    for (let steps = 0; steps < n && d < n && !owner.has(d) && !usedDesc.has(d); steps++) {
      usedDesc.set(d, e.id);
      const desc = ring.desc[d];
      if (!desc || !(desc.flags & DESC_F_NEXT) || desc.next === undefined) break;
      d = desc.next;
    }
  }
  const pendingCount = (ring.avail.idx - q.lastAvail + 0x10000) & 0xffff;
  const rows: SplitRow[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const row: SplitRow = { i };
    const d = ring.desc[i];
    if (d) {
      const c = owner.get(i);
      const usedBy = usedDesc.get(i);
      const state: EntryState = c ? c.state : usedBy !== undefined ? 'used' : 'free';
      row.desc = { ...d, ...cell(state, c ? chainKey(c) : usedBy) };
      const b = before?.desc[i];
      row.desc.changed = !!before && (!b || b.addr !== d.addr || b.len !== d.len || b.flags !== d.flags || b.next !== d.next);
    }
    const a = ring.avail.ring[i];
    if (a !== undefined) {
      const c = byPosition.get(i);
      // Entries from the device's next avail up to avail idx are published and not taken yet.
      const waiting = (i - (q.lastAvail % n) + n) % n < Math.min(pendingCount, n);
      const state: EntryState = c ? c.state : waiting ? 'available' : 'free';
      row.avail = { value: a, ...cell(state, c ? chainKey(c) : waiting ? a : undefined) };
      row.avail.changed = !!before && before.avail.ring[i] !== a;
    }
    const u = ring.used.ring[i];
    if (u !== undefined) {
      const written = ring.used.idx >= n || i < ring.used.idx;
      row.used = { ...u, ...cell(written ? 'used' : 'free', written ? u.id : undefined) };
      const b = before?.used.ring[i];
      row.used.changed = !!before && (!b || b.id !== u.id || b.len !== u.len);
    }
    rows[i] = row;
  }
  const mark = (slot: number, col: 'avail' | 'used', label: string) => {
    const c = rows[slot % n]?.[col];
    if (c) c.markers.push(label);
  };
  mark(ring.avail.idx, 'avail', `avail idx ${ring.avail.idx}`);
  mark(q.lastAvail, 'avail', `device next ${q.lastAvail}`);
  mark(ring.used.idx, 'used', `used idx ${ring.used.idx}`);
  if (ring.avail.usedEvent !== undefined) mark(ring.avail.usedEvent, 'used', `used_event ${ring.avail.usedEvent}`);
  if (ring.used.availEvent !== undefined) mark(ring.used.availEvent, 'avail', `avail_event ${ring.used.availEvent}`);
  return rows;
}

export function packedRows(q: QueueSnapshot, ring: PackedRingDto, before?: PackedRingDto): PackedRow[] {
  const n = q.size;
  const owner = new Map<number, ChainDto>();
  for (const c of q.chains ?? []) for (const s of c.ringSlots) owner.set(s, c);
  const wrap = q.availWrap ?? true;
  const rows: PackedRow[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const d = ring.desc[i];
    if (!d) {
      rows[i] = { i };
      continue;
    }
    const avail = (d.flags & PACKED_AVAIL) !== 0;
    const used = (d.flags & PACKED_USED) !== 0;
    // Slots before the device's next slot belong to the next lap of the ring (the other wrap value).
    const expected = i >= q.lastAvail ? wrap : !wrap;
    const c = owner.get(i);
    let state: EntryState = 'free';
    if (c) state = c.state;
    else if (avail === expected && used !== expected) state = 'available';
    else if (avail === used && (d.len !== 0 || d.addr !== '0x0')) state = 'used';
    const b = before?.desc[i];
    rows[i] = {
      i,
      desc: { ...d, ...cell(state, c ? chainKey(c) : state === 'free' ? undefined : d.id), avail, used, changed: !!before && (!b || b.addr !== d.addr || b.len !== d.len || b.flags !== d.flags || b.id !== d.id) },
    };
  }
  const mark = (slot: number, label: string) => rows[slot % n]?.desc?.markers.push(label);
  mark(q.lastAvail, `device next (wrap ${q.availWrap ? 1 : 0})`);
  mark(q.usedIdx, `next used (wrap ${q.usedWrap ? 1 : 0})`);
  // Event suppression: flags 2 (DESC) names a slot (§2.8.10).
  if (ring.driverEvent.flags === 2) mark(ring.driverEvent.offset, `driver event ${ring.driverEvent.offset}`);
  if (ring.deviceEvent.flags === 2) mark(ring.deviceEvent.offset, `device event ${ring.deviceEvent.offset}`);
  return rows;
}

export const EVENT_FLAGS = ['ENABLE', 'DISABLE', 'DESC'];
