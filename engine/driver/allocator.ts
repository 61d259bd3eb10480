/**
 * A first-fit allocator of guest-physical memory for the reference driver: rings, indirect tables,
 * request headers and data buffers. Freed blocks are merged with their neighbours.
 */
export class GuestAllocator {
  private free: { addr: number; size: number }[];
  private readonly sizes = new Map<number, number>();

  constructor(
    readonly base: number,
    readonly size: number,
  ) {
    this.free = [{ addr: base, size }];
  }

  /** Allocates `size` bytes aligned to `align` (a power of two); throws when memory is exhausted. */
  alloc(size: number, align = 8): number {
    if (size <= 0) throw new RangeError(`allocation of ${size} bytes`);
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i]!;
      const start = Math.ceil(b.addr / align) * align;
      const end = start + size;
      if (end > b.addr + b.size) continue;
      const pieces: { addr: number; size: number }[] = [];
      if (start > b.addr) pieces.push({ addr: b.addr, size: start - b.addr });
      if (end < b.addr + b.size) pieces.push({ addr: end, size: b.addr + b.size - end });
      this.free.splice(i, 1, ...pieces);
      this.sizes.set(start, size);
      return start;
    }
    throw new RangeError(`guest allocator: no ${size} bytes free (align ${align})`);
  }

  release(addr: number): void {
    const size = this.sizes.get(addr);
    if (size === undefined) throw new RangeError(`guest allocator: 0x${addr.toString(16)} was not allocated`);
    this.sizes.delete(addr);
    let i = this.free.findIndex((b) => b.addr > addr);
    if (i < 0) i = this.free.length;
    this.free.splice(i, 0, { addr, size });
    // merge with next, then previous
    const cur = this.free[i]!;
    const next = this.free[i + 1];
    if (next && cur.addr + cur.size === next.addr) {
      cur.size += next.size;
      this.free.splice(i + 1, 1);
    }
    const prev = this.free[i - 1];
    if (prev && prev.addr + prev.size === cur.addr) {
      prev.size += cur.size;
      this.free.splice(i, 1);
    }
  }

  get bytesFree(): number {
    return this.free.reduce((n, b) => n + b.size, 0);
  }
}
