/**
 * The front end's memory table (SET_MEM_TABLE, ADD_MEM_REG, REM_MEM_REG): guest memory regions backed by
 * the received memfds and the translation of front-end user addresses (ring addresses in SET_VRING_ADDR) to
 * guest-physical ones. A new table is checked completely before it replaces the old one; the old regions are
 * released only after the swap, so a refused table leaves everything as it was.
 *
 * Each region is mapped into this process once (MappedBacking: plain loads and stores, zero-copy block I/O),
 * as qemu-storage-daemon and DPDK do, whether or not its file is sealed against shrinking (QEMU's
 * memory-backend-memfd is, DPDK's memfds are not). A front end that shrinks the file afterwards would make an
 * access SIGBUS: the addon's guard (native/src/mem.c) then swaps that mapping for zero pages, the process goes
 * on, and the table notes it (checked once a second). When mmap fails the region is read and written with
 * positioned I/O on its fd (FdBacking, a system call per access), and the session is told once why.
 */
import { closeSync, fstatSync } from 'node:fs';
import { type MemRegionDescription } from './messages';
import { type GuestMemory, type MemoryRegion } from '../../memory';
import { FdBacking } from '../../memory/fd-backing';
import { MappedBacking } from '../../memory/mapped-backing';
import { hex } from './codec';
import { type NativeFd } from './native';

export interface MemoryTableOptions {
  /** The addon that maps regions; without it every region uses positioned I/O. */
  native?: Pick<NativeFd, 'mmapShared' | 'unmap' | 'fence' | 'mappingFaults'>;
  /** Map regions (default true; VIRTIO_DEBUG_MMAP=0 in the environment turns it off, for comparisons). */
  mmap?: boolean;
  /** Told once per table when a region falls back to positioned I/O, with the reason. */
  note?: (message: string) => void;
}

/** Regions ADD_MEM_REG accepts (the GET_MAX_MEM_SLOTS answer). */
export const MAX_MEM_SLOTS = 32;

/** One mapped region. */
export interface TableRegion {
  gpa: number;
  size: number;
  uaddr: bigint;
  mmapOffset: number;
  backing: FdBacking | MappedBacking;
  /** ADD_MEM_REG of the same region again (QEMU's vhost devices of a multiqueue net device share one
   *  connection and each adds every region): removed when REM_MEM_REG came as often. */
  refs: number;
}

type Built = { ok: true; region: TableRegion } | { ok: false; error: string };

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function overlaps(a0: bigint, aLen: bigint, b0: bigint, bLen: bigint): boolean {
  return a0 < b0 + bLen && b0 < a0 + aLen;
}

export function describeRegion(d: MemRegionDescription): string {
  return `gpa ${hex(d.guestPhysAddr)}+${hex(d.memorySize)} uaddr ${hex(d.userspaceAddr)} offset ${hex(d.mmapOffset)}`;
}

export class MemoryTable {
  private regions: TableRegion[] = [];
  private fallbackNoted = false;
  /** Checks the addon's SIGBUS guard while regions are mapped. */
  private faultTimer: NodeJS.Timeout | undefined;
  private readonly mmap: boolean;

  constructor(
    private readonly mem: GuestMemory,
    private readonly o: MemoryTableOptions = {},
  ) {
    this.mmap = (o.mmap ?? true) && process.env.VIRTIO_DEBUG_MMAP !== '0';
  }

  /** How many regions are mapped (the rest use positioned I/O). */
  get mappedCount(): number {
    return this.regions.filter((r) => r.backing.kind === 'mapped').length;
  }

  /** The backing of a checked region: a mapping when possible, else positioned I/O on the fd. */
  private backingFor(fd: number, mmapOffset: number, size: number, end: number, label: string): FdBacking | MappedBacking {
    const n = this.o.native;
    let why: string;
    if (!n || !this.mmap) why = 'mapping is turned off';
    else {
      try {
        const backing = new MappedBacking(n.mmapShared(fd, mmapOffset, size), n);
        this.watchFaults(n);
        return backing;
      } catch (e) {
        why = `mmap failed (${e instanceof Error ? e.message : String(e)})`;
      }
    }
    if (!this.fallbackNoted && this.mmap && n) {
      this.fallbackNoted = true;
      this.o.note?.(`guest memory ${label}: ${why}; using a read/write system call per access instead (slower)`);
    }
    return new FdBacking(fd, end);
  }

  /** Notes, once a second at most, that a mapped region's file shrank under us (the addon's SIGBUS guard). */
  private watchFaults(n: Pick<NativeFd, 'mappingFaults'>): void {
    if (this.faultTimer) return;
    let seen = n.mappingFaults();
    this.faultTimer = setInterval(() => {
      const now = n.mappingFaults();
      if (now === seen) return;
      seen = now;
      this.o.note?.('guest memory: the file of a mapped region shrank under us (the front end truncated its memory); that region now reads as zeros and writes to it are lost');
    }, 1000).unref();
  }

  get list(): readonly TableRegion[] {
    return this.regions;
  }

  get count(): number {
    return this.regions.length;
  }

  /** Checks one region against its fd; takes no ownership of the fd (commit() does). */
  private build(d: MemRegionDescription, fd: number, label: string): Built {
    const fail = (why: string): Built => ({ ok: false, error: `${label} (${describeRegion(d)}): ${why}` });
    if (d.memorySize === 0n) return fail('size 0');
    if (d.guestPhysAddr + d.memorySize > MAX_SAFE || d.mmapOffset + d.memorySize > MAX_SAFE) return fail('addresses beyond 2^53 are not supported');
    if (d.userspaceAddr + d.memorySize > 1n << 64n) return fail('user addresses wrap around 2^64');
    let fileSize: number;
    try {
      fileSize = fstatSync(fd).size;
    } catch (e) {
      return fail(`its fd ${fd} cannot be examined (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    const end = Number(d.mmapOffset + d.memorySize);
    if (end > fileSize) return fail(`mmap_offset + size = ${hex(end)} is beyond the end of its file (${hex(fileSize)} bytes)`);
    const size = Number(d.memorySize);
    const mmapOffset = Number(d.mmapOffset);
    return {
      ok: true,
      region: { gpa: Number(d.guestPhysAddr), size, uaddr: d.userspaceAddr, mmapOffset, backing: this.backingFor(fd, mmapOffset, size, end, label), refs: 1 },
    };
  }

  /** The region is in the table: a mapping keeps the file by itself, so its fd is closed now. */
  private static commit(r: TableRegion, fd: number): void {
    if (r.backing.kind === 'mapped') closeSync(fd);
  }

  /** A built region that did not make it into the table: unmapped; its fd stays with the caller. */
  private static discard(r: TableRegion): void {
    if (r.backing.kind === 'mapped') r.backing.close();
  }

  private static conflict(a: TableRegion, b: TableRegion): string | undefined {
    if (overlaps(BigInt(a.gpa), BigInt(a.size), BigInt(b.gpa), BigInt(b.size))) return `guest addresses ${hex(a.gpa)}+${hex(a.size)} and ${hex(b.gpa)}+${hex(b.size)} overlap`;
    if (overlaps(a.uaddr, BigInt(a.size), b.uaddr, BigInt(b.size))) return `user addresses ${hex(a.uaddr)}+${hex(a.size)} and ${hex(b.uaddr)}+${hex(b.size)} overlap`;
    return undefined;
  }

  private toMemoryRegion(r: TableRegion, i: number): MemoryRegion {
    // A mapping starts at mmap_offset; positioned I/O addresses the whole file.
    const offset = r.backing.kind === 'mapped' ? 0 : r.mmapOffset;
    return { gpa: r.gpa, size: r.size, backing: r.backing, offset, name: `region${i}` };
  }

  /**
   * SET_MEM_TABLE: replaces the whole table. Returns an error (and takes no fd) when the table is refused;
   * on success the fds belong to the table (mapped regions' fds are closed at once) and the previous
   * table's regions are released.
   */
  replace(descs: readonly MemRegionDescription[], fds: readonly number[]): string | undefined {
    if (fds.length !== descs.length) return `${descs.length} region${descs.length === 1 ? '' : 's'} but ${fds.length} fd${fds.length === 1 ? '' : 's'}`;
    const next: TableRegion[] = [];
    const refuse = (error: string): string => {
      for (const r of next) MemoryTable.discard(r);
      return error;
    };
    for (let i = 0; i < descs.length; i++) {
      const b = this.build(descs[i]!, fds[i]!, `region ${i}`);
      if (!b.ok) return refuse(b.error);
      next.push(b.region);
      for (const other of next.slice(0, -1)) {
        const c = MemoryTable.conflict(b.region, other);
        if (c) return refuse(`region ${i}: ${c}`);
      }
    }
    try {
      this.mem.replaceRegions(next.map((r, i) => this.toMemoryRegion(r, i)));
    } catch (e) {
      return refuse((e as Error).message);
    }
    next.forEach((r, i) => MemoryTable.commit(r, fds[i]!));
    const old = this.regions;
    this.regions = next;
    // Closed now, unmapped once no I/O holds them (MappedBacking.retain).
    for (const r of old) r.backing.close();
    return undefined;
  }

  private same(r: TableRegion, d: MemRegionDescription): boolean {
    return BigInt(r.gpa) === d.guestPhysAddr && BigInt(r.size) === d.memorySize && r.uaddr === d.userspaceAddr;
  }

  /**
   * ADD_MEM_REG: adds one region; on success the fd belongs to the table. The same region added again
   * (same guest and user addresses, size and offset) is counted, its new fd closed.
   */
  add(d: MemRegionDescription, fd: number): string | undefined {
    const dup = this.regions.find((r) => this.same(r, d) && BigInt(r.mmapOffset) === d.mmapOffset);
    if (dup) {
      dup.refs++;
      closeSync(fd);
      return undefined;
    }
    if (this.regions.length >= MAX_MEM_SLOTS) return `the table already has ${MAX_MEM_SLOTS} regions (GET_MAX_MEM_SLOTS)`;
    const b = this.build(d, fd, 'region');
    if (!b.ok) return b.error;
    for (const other of this.regions) {
      const c = MemoryTable.conflict(b.region, other);
      if (c) {
        MemoryTable.discard(b.region);
        return c;
      }
    }
    try {
      this.mem.addRegion(this.toMemoryRegion(b.region, this.regions.length));
    } catch (e) {
      MemoryTable.discard(b.region);
      return (e as Error).message;
    }
    MemoryTable.commit(b.region, fd);
    this.regions = [...this.regions, b.region];
    return undefined;
  }

  /** REM_MEM_REG: removes the region with this guest address, user address and size (mmap_offset ignored). */
  remove(d: MemRegionDescription): string | undefined {
    const i = this.regions.findIndex((r) => this.same(r, d));
    if (i < 0) return `no region ${describeRegion(d)} in the table`;
    if (--this.regions[i]!.refs > 0) return undefined;
    const [r] = this.regions.splice(i, 1);
    this.mem.removeRegion(r!.gpa, r!.size);
    r!.backing.close();
    return undefined;
  }

  /** The guest-physical address of front-end user address `uaddr`, if [uaddr, uaddr+len) lies in one region. */
  toGpa(uaddr: bigint, len: number): number | undefined {
    for (const r of this.regions) {
      if (uaddr >= r.uaddr && uaddr + BigInt(len) <= r.uaddr + BigInt(r.size)) return r.gpa + Number(uaddr - r.uaddr);
    }
    return undefined;
  }

  /** Releases every region (unmapped once no I/O holds it, fds closed). */
  clear(): void {
    this.mem.replaceRegions([]);
    const old = this.regions;
    this.regions = [];
    for (const r of old) r.backing.close();
    clearInterval(this.faultTimer);
    this.faultTimer = undefined;
  }

  summary(): string {
    if (!this.regions.length) return 'no memory table';
    return this.regions.map((r) => `${hex(r.gpa)}+${hex(r.size)}`).join(', ');
  }
}
