/**
 * Guest memory behind a file descriptor (the memfd regions a vhost-user front end sends with SET_MEM_TABLE
 * or ADD_MEM_REG), read and written with positioned I/O. Nothing is cached: every access is a pread/pwrite
 * on the shared file, so the guest's own writes are always seen and ours reach it in program order (the
 * kernel's page cache is the guest's RAM). No mmap is needed.
 *
 * Offsets are positions in the file: a region maps guest address `gpa` to `mmap_offset + (gpa - region.gpa)`
 * by giving the region `offset: mmap_offset`. A failed or short access throws MemoryFault('backing'), which
 * the engine turns into a violation like any bad address.
 */
import { closeSync, readSync, writeSync } from 'node:fs';
import { type MemoryBacking } from './backing';
import { MemoryFault } from './fault';

/** Largest single write fill() issues. */
const FILL_CHUNK = 64 * 1024;

export class FdBacking implements MemoryBacking {
  readonly kind = 'fd' as const;
  /** Reused by the fixed-size accessors: one pread/pwrite each, no allocation. */
  private readonly scratch = Buffer.alloc(8);
  private closed = false;

  /**
   * @param fd an open file descriptor (read-write) of the shared memory file; owned by this backing once
   *   close() is used, otherwise by the caller.
   * @param size bytes of the file that may be accessed (its size, or mmap_offset + memory_size).
   */
  constructor(
    readonly fd: number,
    readonly size: number,
  ) {
    if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`fd backing size ${size}`);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Closes the file descriptor; later accesses throw MemoryFault('backing'). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      closeSync(this.fd);
    } catch {
      // Already closed elsewhere: nothing to release.
    }
  }

  private fault(offset: number, length: number): MemoryFault {
    return new MemoryFault(offset, length, 'backing');
  }

  /** Fills `dst[0..n)` from `offset`, all of it or a fault. */
  private pread(dst: Uint8Array, n: number, offset: number): void {
    if (this.closed) throw this.fault(offset, n);
    let done = 0;
    try {
      while (done < n) {
        const got = readSync(this.fd, dst, done, n - done, offset + done);
        if (got <= 0) throw this.fault(offset, n);
        done += got;
      }
    } catch (e) {
      throw e instanceof MemoryFault ? e : this.fault(offset, n);
    }
  }

  private pwrite(src: Uint8Array, n: number, offset: number): void {
    if (this.closed) throw this.fault(offset, n);
    let done = 0;
    try {
      while (done < n) {
        const put = writeSync(this.fd, src, done, n - done, offset + done);
        if (put <= 0) throw this.fault(offset, n);
        done += put;
      }
    } catch (e) {
      throw e instanceof MemoryFault ? e : this.fault(offset, n);
    }
  }

  readU8(o: number): number {
    this.pread(this.scratch, 1, o);
    return this.scratch[0]!;
  }
  readU16(o: number): number {
    this.pread(this.scratch, 2, o);
    return this.scratch.readUInt16LE(0);
  }
  readU32(o: number): number {
    this.pread(this.scratch, 4, o);
    return this.scratch.readUInt32LE(0);
  }
  readU64(o: number): number {
    this.pread(this.scratch, 8, o);
    return this.scratch.readUInt32LE(4) * 0x1_0000_0000 + this.scratch.readUInt32LE(0);
  }
  readU64Big(o: number): bigint {
    this.pread(this.scratch, 8, o);
    return this.scratch.readBigUInt64LE(0);
  }
  writeU8(o: number, v: number): void {
    this.scratch[0] = v & 0xff;
    this.pwrite(this.scratch, 1, o);
  }
  writeU16(o: number, v: number): void {
    this.scratch.writeUInt16LE(v & 0xffff, 0);
    this.pwrite(this.scratch, 2, o);
  }
  writeU32(o: number, v: number): void {
    this.scratch.writeUInt32LE(v >>> 0, 0);
    this.pwrite(this.scratch, 4, o);
  }
  writeU64(o: number, v: number | bigint): void {
    this.scratch.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v)), 0);
    this.pwrite(this.scratch, 8, o);
  }
  read(o: number, dst: Uint8Array): void {
    if (dst.length) this.pread(dst, dst.length, o);
  }
  write(o: number, src: Uint8Array): void {
    if (src.length) this.pwrite(src, src.length, o);
  }
  fill(o: number, length: number, value: number): void {
    if (length <= 0) return;
    const chunk = new Uint8Array(Math.min(length, FILL_CHUNK)).fill(value);
    for (let at = 0; at < length; at += chunk.length) this.pwrite(chunk, Math.min(chunk.length, length - at), o + at);
  }
}
