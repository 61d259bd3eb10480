import { type MemoryBacking } from './backing';
import { MemoryFault } from './fault';

/** One contiguous range of guest physical addresses mapped onto a backing. */
export interface MemoryRegion {
  readonly gpa: number;
  readonly size: number;
  readonly backing: MemoryBacking;
  /** Offset of `gpa` inside the backing (vhost-user mmap_offset). */
  readonly offset: number;
  /** Optional name for display ("ram", "ram-above-4g"). */
  readonly name?: string;
}

/**
 * Guest physical memory as a set of regions. Every access is bounds-checked: an address outside all
 * regions (or a range that leaves its region) throws MemoryFault, which the engine turns into a
 * violation. `peek` never throws and has no side effects, for inspection from the debugger.
 */
/** Called after every write through GuestMemory (in-process drivers): lets queues catch writes to
 *  descriptors that were already published. Never called for fd-backed memory a real guest writes. */
export type WriteObserver = (gpa: number, len: number) => void;

/** Guest memory lent out without copying (GuestMemory.borrow); give it back with done(). */
export interface BorrowedMemory {
  /** The range, in order, one view per region it touches. */
  readonly views: Uint8Array[];
  /** Ends the loan (the regions may be unmapped after it); `wrote`: the views were written into. */
  done(wrote: boolean): void;
}

export class GuestMemory {
  private regions: MemoryRegion[] = [];
  private last: MemoryRegion | undefined;
  private observers: WriteObserver[] = [];
  /** The barrier of a region shared with another process through plain loads and stores, if any. */
  private fencer: (() => void) | undefined;

  /** Registers a write observer; returns the function that removes it. */
  watchWrites(observer: WriteObserver): () => void {
    this.observers = [...this.observers, observer];
    return () => {
      this.observers = this.observers.filter((o) => o !== observer);
    };
  }

  private wrote(gpa: number, len: number): void {
    for (const o of this.observers) o(gpa, len);
  }

  constructor(regions: MemoryRegion[] = []) {
    for (const r of regions) this.addRegion(r);
  }

  addRegion(region: MemoryRegion): void {
    if (!(region.size > 0) || region.gpa < 0 || region.offset < 0 || region.offset + region.size > region.backing.size) {
      throw new RangeError(`invalid memory region at 0x${region.gpa.toString(16)} size ${region.size}`);
    }
    for (const r of this.regions) {
      if (region.gpa < r.gpa + r.size && r.gpa < region.gpa + region.size) {
        throw new RangeError(`memory region 0x${region.gpa.toString(16)} overlaps region 0x${r.gpa.toString(16)}`);
      }
    }
    this.regions = [...this.regions, region].sort((a, b) => a.gpa - b.gpa);
    this.last = undefined;
    this.updateFencer();
  }

  private updateFencer(): void {
    const b = this.regions.find((r) => r.backing.fence)?.backing;
    this.fencer = b?.fence ? () => b.fence!() : undefined;
  }

  /**
   * Orders this thread's earlier guest-memory stores before its later loads, as the other side of shared
   * memory sees them (the event-index checks of §2.7.7.2 and §2.7.10.2 need it). A no-op for memory only
   * this process touches, and for positioned I/O (each access is a system call).
   */
  fence(): void {
    this.fencer?.();
  }

  /** Removes the region starting at `gpa` with `size`; returns it, or undefined if there is none. */
  removeRegion(gpa: number, size?: number): MemoryRegion | undefined {
    const i = this.regions.findIndex((r) => r.gpa === gpa && (size === undefined || r.size === size));
    if (i < 0) return undefined;
    const [removed] = this.regions.splice(i, 1);
    this.last = undefined;
    this.updateFencer();
    return removed;
  }

  /** Replaces the whole table at once (vhost-user SET_MEM_TABLE). */
  replaceRegions(regions: MemoryRegion[]): MemoryRegion[] {
    const old = this.regions;
    this.regions = [];
    this.last = undefined;
    try {
      for (const r of regions) this.addRegion(r);
    } catch (e) {
      this.regions = old;
      this.updateFencer();
      throw e;
    }
    this.updateFencer();
    return old;
  }

  list(): readonly MemoryRegion[] {
    return this.regions;
  }

  /** Finds the region holding [gpa, gpa+len) entirely, or undefined. */
  find(gpa: number, len = 1): MemoryRegion | undefined {
    const l = this.last;
    if (l && gpa >= l.gpa && gpa + len <= l.gpa + l.size) return l;
    for (const r of this.regions) {
      if (gpa >= r.gpa && gpa + len <= r.gpa + r.size) {
        this.last = r;
        return r;
      }
    }
    return undefined;
  }

  isValid(gpa: number, len: number): boolean {
    if (!Number.isSafeInteger(gpa) || !Number.isSafeInteger(len) || gpa < 0 || len < 0) return false;
    if (len === 0) return this.find(gpa, 1) !== undefined;
    // One region holding it all (nearly always): no list of pieces to build.
    if (this.find(gpa, len) !== undefined) return true;
    return this.spans(gpa, len) !== undefined;
  }

  private region(gpa: number, len: number): MemoryRegion {
    if (!(gpa >= 0) || !Number.isSafeInteger(gpa + len)) throw new MemoryFault(gpa, len, 'overflow');
    const r = this.find(gpa, len);
    if (!r) throw new MemoryFault(gpa, len, 'unmapped');
    return r;
  }

  /** Splits [gpa, gpa+len) into per-region pieces if the regions are contiguous; undefined otherwise. */
  private spans(gpa: number, len: number): { r: MemoryRegion; at: number; n: number }[] | undefined {
    if (!Number.isSafeInteger(gpa + len)) return undefined;
    const out: { r: MemoryRegion; at: number; n: number }[] = [];
    let cur = gpa;
    let left = len;
    while (left > 0) {
      const r = this.find(cur, 1);
      if (!r) return undefined;
      const n = Math.min(left, r.gpa + r.size - cur);
      out.push({ r, at: cur, n });
      cur += n;
      left -= n;
    }
    return out;
  }

  readU8(gpa: number): number {
    const r = this.region(gpa, 1);
    return r.backing.readU8(r.offset + gpa - r.gpa);
  }
  readU16(gpa: number): number {
    const r = this.region(gpa, 2);
    return r.backing.readU16(r.offset + gpa - r.gpa);
  }
  readU32(gpa: number): number {
    const r = this.region(gpa, 4);
    return r.backing.readU32(r.offset + gpa - r.gpa);
  }
  readU64(gpa: number): number {
    const r = this.region(gpa, 8);
    return r.backing.readU64(r.offset + gpa - r.gpa);
  }
  readU64Big(gpa: number): bigint {
    const r = this.region(gpa, 8);
    return r.backing.readU64Big(r.offset + gpa - r.gpa);
  }
  writeU8(gpa: number, v: number): void {
    const r = this.region(gpa, 1);
    r.backing.writeU8(r.offset + gpa - r.gpa, v);
    if (this.observers.length) this.wrote(gpa, 1);
  }
  writeU16(gpa: number, v: number): void {
    const r = this.region(gpa, 2);
    r.backing.writeU16(r.offset + gpa - r.gpa, v);
    if (this.observers.length) this.wrote(gpa, 2);
  }
  writeU32(gpa: number, v: number): void {
    const r = this.region(gpa, 4);
    r.backing.writeU32(r.offset + gpa - r.gpa, v);
    if (this.observers.length) this.wrote(gpa, 4);
  }
  writeU64(gpa: number, v: number | bigint): void {
    const r = this.region(gpa, 8);
    r.backing.writeU64(r.offset + gpa - r.gpa, v);
    if (this.observers.length) this.wrote(gpa, 8);
  }

  /** Reads `len` bytes (may cross adjacent regions). Throws MemoryFault when any byte is unmapped. */
  read(gpa: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    this.readInto(gpa, out);
    return out;
  }

  readInto(gpa: number, dst: Uint8Array): void {
    if (dst.length === 0) return;
    const r = this.find(gpa, dst.length);
    if (r) {
      r.backing.read(r.offset + gpa - r.gpa, dst);
      return;
    }
    const parts = this.spans(gpa, dst.length);
    if (!parts) throw new MemoryFault(gpa, dst.length, 'unmapped');
    let o = 0;
    for (const p of parts) {
      p.r.backing.read(p.r.offset + p.at - p.r.gpa, dst.subarray(o, o + p.n));
      o += p.n;
    }
  }

  write(gpa: number, src: Uint8Array): void {
    if (src.length === 0) return;
    const r = this.find(gpa, src.length);
    if (r) {
      r.backing.write(r.offset + gpa - r.gpa, src);
    } else {
      const parts = this.spans(gpa, src.length);
      if (!parts) throw new MemoryFault(gpa, src.length, 'unmapped');
      let o = 0;
      for (const p of parts) {
        p.r.backing.write(p.r.offset + p.at - p.r.gpa, src.subarray(o, o + p.n));
        o += p.n;
      }
    }
    if (this.observers.length) this.wrote(gpa, src.length);
  }

  fill(gpa: number, len: number, value: number): void {
    const parts = this.spans(gpa, len);
    if (!parts) throw new MemoryFault(gpa, len, 'unmapped');
    for (const p of parts) p.r.backing.fill(p.r.offset + p.at - p.r.gpa, p.n, value);
    if (this.observers.length && len > 0) this.wrote(gpa, len);
  }

  /**
   * Lends [gpa, gpa+len) without copying, for asynchronous I/O straight into or out of guest RAM: undefined
   * when some part is not directly addressable (positioned-I/O or in-process memory: copy instead). Throws
   * MemoryFault when any byte is unmapped, like every access. The regions stay mapped until done().
   */
  borrow(gpa: number, len: number): BorrowedMemory | undefined {
    if (len === 0) return { views: [], done: () => {} };
    // The usual case, the range inside one region: no list of pieces.
    const one = gpa >= 0 && Number.isSafeInteger(gpa + len) ? this.find(gpa, len) : undefined;
    if (one) return this.borrowFrom(one, gpa, len);
    const parts = this.spans(gpa, len);
    if (!parts) throw new MemoryFault(gpa, len, 'unmapped');
    if (!parts.every((p) => p.r.backing.borrowView && p.r.backing.retain)) return undefined;
    const held: MemoryBacking[] = [];
    const views: Uint8Array[] = [];
    try {
      for (const p of parts) {
        const b = p.r.backing;
        if (!b.retain!()) throw new MemoryFault(p.at, p.n, 'backing');
        held.push(b);
        views.push(b.borrowView!(p.r.offset + p.at - p.r.gpa, p.n));
      }
    } catch (e) {
      for (const b of held) b.release?.();
      throw e;
    }
    let returned = false;
    return {
      views,
      done: (wrote) => {
        if (returned) return;
        returned = true;
        for (const b of held) b.release?.();
        if (wrote && this.observers.length) this.wrote(gpa, len);
      },
    };
  }

  private borrowFrom(r: MemoryRegion, gpa: number, len: number): BorrowedMemory | undefined {
    const b = r.backing;
    if (!b.borrowView || !b.retain) return undefined;
    if (!b.retain()) throw new MemoryFault(gpa, len, 'backing');
    let view: Uint8Array;
    try {
      view = b.borrowView(r.offset + gpa - r.gpa, len);
    } catch (e) {
      b.release?.();
      throw e;
    }
    let returned = false;
    return {
      views: [view],
      done: (wrote) => {
        if (returned) return;
        returned = true;
        b.release?.();
        if (wrote && this.observers.length) this.wrote(gpa, len);
      },
    };
  }

  /**
   * Lends [gpa, gpa+len) for a synchronous call only (done() before the caller returns to the event loop):
   * what borrow() lends, and in-process memory too (ArrayBuffer regions, never unmapped). Throws MemoryFault
   * when any byte is unmapped; undefined when some part can be neither (positioned I/O: copy instead).
   */
  borrowSync(gpa: number, len: number): BorrowedMemory | undefined {
    if (len > 0) {
      const r = this.find(gpa, len);
      if (r?.backing.lendSync) {
        const views = [r.backing.lendSync(r.offset + gpa - r.gpa, len)];
        return {
          views,
          done: (wrote) => {
            if (wrote && this.observers.length) this.wrote(gpa, len);
          },
        };
      }
    }
    return this.borrow(gpa, len);
  }

  /** Side-effect-free read for inspection: never throws; undefined when any byte is unmapped. */
  peek(gpa: number, len: number): Uint8Array | undefined {
    try {
      return this.read(gpa, len);
    } catch {
      return undefined;
    }
  }
}
