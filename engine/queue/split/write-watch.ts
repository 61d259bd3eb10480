/**
 * Catches a driver writing a descriptor, an indirect table or an available-ring entry that belongs to a
 * chain it already published and the device has not returned yet (§2.7.13, S16; failure mode F11:
 * descriptors written after avail.idx, the missing-barrier bug that "works until a printf is removed").
 *
 * Bookkeeping, all cheap range checks in the write observer:
 * - `owner[i]` = position + 1 of the chain that claims descriptor-table entry i (0: free);
 * - one record per published, unreturned chain (keyed by its free-running avail position) with its
 *   table entries and indirect table;
 * - pending chains are marked when the driver writes avail.idx (what it published is what the ring
 *   held at that moment); popped chains are re-marked with what the device actually read; pushUsed()
 *   releases them.
 */
import { type GuestMemory, isMemoryFault } from '../../memory';
import { DESC_F_INDIRECT, DESC_F_NEXT, type Chain } from '../types';
import { availRingBytes, descTableBytes, SPLIT_DESC_SIZE, type SplitRingView } from './layout';
import { hex } from './chain-walker';

interface WatchRecord {
  pos: number;
  entries: number[];
  table?: { addr: number; len: number };
  reported: boolean;
}

/** What the watch needs to know about the queue it serves. */
export interface WriteWatchHost {
  /** Free-running index of the next chain the device will pop. */
  lastAvail(): number;
  stopped(): boolean;
  report(message: string, index: number): void;
}

export class SplitWriteWatch {
  private readonly owner: Int32Array;
  private readonly records = new Map<number, WatchRecord>();
  /** Positions in [host.lastAvail, markedUpTo) have records. */
  private markedUpTo: number;
  private tables = 0;
  private tableLo = Infinity;
  private tableHi = -Infinity;
  private readonly descEnd: number;
  private readonly availRingEnd: number;
  private readonly unwatch: () => void;

  constructor(
    mem: GuestMemory,
    private readonly view: SplitRingView,
    private readonly host: WriteWatchHost,
  ) {
    this.owner = new Int32Array(view.size);
    this.markedUpTo = host.lastAvail();
    this.descEnd = view.desc + descTableBytes(view.size);
    this.availRingEnd = view.avail + availRingBytes(view.size) - 2;
    this.unwatch = mem.watchWrites((gpa, len) => this.onWrite(gpa, len));
  }

  dispose(): void {
    this.unwatch();
    this.clear();
  }

  /** Forgets every record (setBase). */
  clear(): void {
    this.owner.fill(0);
    this.records.clear();
    this.tables = 0;
    this.tableLo = Infinity;
    this.tableHi = -Infinity;
    this.markedUpTo = this.host.lastAvail();
  }

  /** The device took `chain`: claim what it actually read. */
  popped(chain: Chain): void {
    const kept = this.records.get(chain.position);
    if (kept !== undefined && this.claimsExactly(kept, chain)) {
      // What was marked at publish is what the device read (the everyday case): the record stands, renewed
      // as claim() would renew it (owners re-stamped, reported cleared), without building it again.
      for (const i of kept.entries) this.owner[i] = chain.position + 1;
      kept.reported = false;
    } else {
      this.release(chain.position);
      const entries: number[] = [];
      for (const d of chain.descriptors) if (!d.indirect) entries.push(d.index);
      if (chain.indirectTable) entries.push(chain.indirectTable.index);
      this.claim(chain.position, entries, chain.indirectTable);
    }
    // Call after the queue advanced lastAvail: a position behind it has nothing left to mark.
    if (u16(this.markedUpTo - this.host.lastAvail()) > this.view.size) this.markedUpTo = this.host.lastAvail();
  }

  /**
   * The record claims exactly the chain's direct descriptors, in order, and no indirect table (a record with a
   * table is always rebuilt: it moves to the end of the records, whose order checkTableWrite reports in).
   */
  private claimsExactly(rec: WatchRecord, chain: Chain): boolean {
    if (rec.table !== undefined || chain.indirectTable !== undefined) return false;
    const ds = chain.descriptors;
    if (rec.entries.length !== ds.length) return false;
    for (let k = 0; k < ds.length; k++) if (ds[k]!.indirect || ds[k]!.index !== rec.entries[k]) return false;
    return true;
  }

  /** The device returned `chain`: the driver may reuse its descriptors. */
  used(chain: Chain): void {
    this.release(chain.position);
  }

  private onWrite(gpa: number, len: number): void {
    if (this.host.stopped()) return;
    const end = gpa + len;
    const v = this.view;
    try {
      if (gpa < this.descEnd && end > v.desc) this.checkDescWrite(gpa, end);
      if (gpa < v.availIdxAddr + 2 && end > v.availIdxAddr) this.sync();
      if (gpa < this.availRingEnd && end > v.availRingAddr) this.checkAvailWrite(gpa, end);
      if (this.tables > 0 && gpa < this.tableHi && end > this.tableLo) this.checkTableWrite(gpa, end);
    } catch (e) {
      // The observer runs inside the driver's write: never throw into it.
      if (!isMemoryFault(e)) throw e;
    }
  }

  private checkDescWrite(gpa: number, end: number): void {
    const v = this.view;
    this.sync();
    const first = Math.max(0, Math.floor((gpa - v.desc) / SPLIT_DESC_SIZE));
    const last = Math.min(v.size - 1, Math.floor((end - 1 - v.desc) / SPLIT_DESC_SIZE));
    for (let i = first; i <= last; i++) {
      const o = this.owner[i]!;
      if (o === 0) continue;
      const rec = this.records.get(o - 1);
      if (!rec || rec.reported) continue;
      rec.reported = true;
      this.host.report(
        `descriptor ${i} was written while it belongs to the chain published at avail idx ${rec.pos} (head ${rec.entries[0]}), which the device has not returned yet`,
        i,
      );
    }
  }

  private checkAvailWrite(gpa: number, end: number): void {
    const v = this.view;
    const size = v.size;
    const lastAvail = this.host.lastAvail();
    const pending = u16(v.availIdx() - lastAvail);
    if (pending === 0 || pending > size) return;
    this.sync();
    const first = Math.max(0, Math.floor((gpa - v.availRingAddr) / 2));
    const last = Math.min(size - 1, Math.floor((end - 1 - v.availRingAddr) / 2));
    const base = lastAvail % size;
    for (let s = first; s <= last; s++) {
      const k = (s - base + size) % size;
      if (k >= pending) continue;
      const pos = u16(lastAvail + k);
      const rec = this.records.get(pos);
      if (rec?.reported) continue;
      if (rec) rec.reported = true;
      this.host.report(`avail.ring[${s}] was written while it holds the head of the chain published at avail idx ${pos}, which the device has not taken yet`, s);
    }
  }

  private checkTableWrite(gpa: number, end: number): void {
    for (const rec of this.records.values()) {
      const t = rec.table;
      if (!t || rec.reported || gpa >= t.addr + t.len || end <= t.addr) continue;
      rec.reported = true;
      const entry = Math.max(0, Math.floor((gpa - t.addr) / SPLIT_DESC_SIZE));
      this.host.report(
        `indirect table ${hex(t.addr)} (entry ${entry}) of the chain published at avail idx ${rec.pos} was written before the device returned the chain`,
        entry,
      );
    }
  }

  /** Marks chains the driver published since the last look (positions [markedUpTo, avail.idx)). */
  private sync(): void {
    const v = this.view;
    const lastAvail = this.host.lastAvail();
    const idx = v.availIdx();
    const pending = u16(idx - lastAvail);
    if (pending > v.size) return; // a jump or decrement: available() reports it
    if (u16(this.markedUpTo - lastAvail) > pending) this.markedUpTo = lastAvail;
    while (this.markedUpTo !== idx) {
      this.markPublished(this.markedUpTo);
      this.markedUpTo = u16(this.markedUpTo + 1);
    }
  }

  /** Follows the chain at `pos` as the ring holds it now (bounded by the queue size, no checks). */
  private markPublished(pos: number): void {
    const v = this.view;
    const size = v.size;
    this.release(pos);
    const head = v.availRing(pos % size);
    if (head >= size) return;
    const entries: number[] = [];
    let table: { addr: number; len: number } | undefined;
    const mark = pos + 1;
    let i = head;
    for (let steps = 0; steps < size; steps++) {
      if (this.owner[i] === mark) break;
      this.owner[i] = mark;
      entries.push(i);
      // Field by field: the flags decide whether anything else is needed.
      const at = v.descAddr(i);
      const flags = v.mem.readU16(at + 12);
      if (flags & DESC_F_INDIRECT) {
        const len = v.mem.readU32(at + 8);
        if (len > 0 && len % SPLIT_DESC_SIZE === 0) table = { addr: v.mem.readU64(at), len };
        break;
      }
      const next = v.mem.readU16(at + 14);
      if (!(flags & DESC_F_NEXT) || next >= size) break;
      i = next;
    }
    this.claim(pos, entries, table);
  }

  private claim(pos: number, entries: number[], table: { addr: number; len: number } | undefined): WatchRecord {
    const rec: WatchRecord = { pos, entries, reported: false };
    for (const i of entries) this.owner[i] = pos + 1;
    if (table) {
      rec.table = { addr: table.addr, len: table.len };
      this.tables++;
      this.tableLo = Math.min(this.tableLo, table.addr);
      this.tableHi = Math.max(this.tableHi, table.addr + table.len);
    }
    this.records.set(pos, rec);
    return rec;
  }

  private release(pos: number): void {
    const rec = this.records.get(pos);
    if (!rec) return;
    for (const i of rec.entries) if (this.owner[i] === pos + 1) this.owner[i] = 0;
    if (rec.table && --this.tables === 0) {
      this.tableLo = Infinity;
      this.tableHi = -Infinity;
    }
    this.records.delete(pos);
  }
}

function u16(x: number): number {
  return x & 0xffff;
}
