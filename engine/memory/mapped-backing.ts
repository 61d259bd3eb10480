/**
 * Guest memory mapped into this process (a vhost-user memfd region, mmap'ed MAP_SHARED by the native addon
 * and handed over as an external ArrayBuffer): ring indices and descriptors are plain loads and stores, and
 * block data is read from the disk straight into guest RAM through `view()` (no system call per access, no
 * copy). The region does the bounds check before calling in, as for every backing.
 *
 * Unmapping is the dangerous part: native code (an fs.read into a view) holds a raw pointer while it runs.
 * So `close()` only marks the backing closed (every later access is a MemoryFault('backing')) and unmaps
 * when the last `retain()` is released; the addon then detaches the ArrayBuffer, which makes every leftover
 * JavaScript view empty, and removes the mapping once V8 lets go of it. A use after unmap cannot happen.
 */
import { type MemoryBacking } from './backing';
import { MemoryFault } from './fault';

/** What the backing needs from the native addon. */
export interface MappingOps {
  /** Detaches the ArrayBuffer; the mapping goes right after. */
  unmap(buffer: ArrayBuffer): void;
  /** A full memory barrier (store → load ordering included). */
  fence(): void;
}

export class MappedBacking implements MemoryBacking {
  readonly kind = 'mapped' as const;
  readonly size: number;
  private readonly bytes: Uint8Array;
  private readonly dv: DataView;
  private closed = false;
  private pins = 0;
  private unmapped = false;

  constructor(
    private readonly buffer: ArrayBuffer,
    private readonly ops: MappingOps,
  ) {
    this.size = buffer.byteLength;
    this.bytes = new Uint8Array(buffer);
    this.dv = new DataView(buffer);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Whether the mapping is gone (closed and no longer retained). */
  get isUnmapped(): boolean {
    return this.unmapped;
  }

  /** Stops all access; unmaps now, or when the last retain() is released. Idempotent. */
  close(): void {
    this.closed = true;
    this.maybeUnmap();
  }

  /** Keeps the mapping while native code uses a view; false (nothing retained) once closed. */
  retain(): boolean {
    if (this.closed) return false;
    this.pins++;
    return true;
  }

  release(): void {
    if (this.pins > 0) this.pins--;
    this.maybeUnmap();
  }

  private maybeUnmap(): void {
    if (!this.closed || this.pins > 0 || this.unmapped) return;
    this.unmapped = true;
    this.ops.unmap(this.buffer);
  }

  /** A zero-copy view of [offset, offset+length); retain() first when native code will hold it. */
  borrowView(offset: number, length: number): Uint8Array {
    this.check(offset, length);
    return new Uint8Array(this.buffer, offset, length);
  }

  fence(): void {
    this.ops.fence();
  }

  private check(offset: number, length: number): void {
    if (this.closed) throw new MemoryFault(offset, length, 'backing');
  }

  readU8(o: number): number {
    this.check(o, 1);
    return this.bytes[o]!;
  }
  readU16(o: number): number {
    this.check(o, 2);
    return this.dv.getUint16(o, true);
  }
  readU32(o: number): number {
    this.check(o, 4);
    return this.dv.getUint32(o, true);
  }
  readU64(o: number): number {
    this.check(o, 8);
    return this.dv.getUint32(o + 4, true) * 0x1_0000_0000 + this.dv.getUint32(o, true);
  }
  readU64Big(o: number): bigint {
    this.check(o, 8);
    return this.dv.getBigUint64(o, true);
  }
  writeU8(o: number, v: number): void {
    this.check(o, 1);
    this.bytes[o] = v;
  }
  writeU16(o: number, v: number): void {
    this.check(o, 2);
    this.dv.setUint16(o, v, true);
  }
  writeU32(o: number, v: number): void {
    this.check(o, 4);
    this.dv.setUint32(o, v >>> 0, true);
  }
  writeU64(o: number, v: number | bigint): void {
    this.check(o, 8);
    if (typeof v === 'number' && v >= 0 && v <= Number.MAX_SAFE_INTEGER) {
      this.dv.setUint32(o, v >>> 0, true);
      this.dv.setUint32(o + 4, Math.floor(v / 0x1_0000_0000) >>> 0, true);
    } else this.dv.setBigUint64(o, BigInt.asUintN(64, BigInt(v)), true);
  }
  read(o: number, dst: Uint8Array): void {
    this.check(o, dst.length);
    dst.set(this.bytes.subarray(o, o + dst.length));
  }
  write(o: number, src: Uint8Array): void {
    this.check(o, src.length);
    this.bytes.set(src, o);
  }
  fill(o: number, length: number, value: number): void {
    this.check(o, length);
    this.bytes.fill(value, o, o + length);
  }
}
