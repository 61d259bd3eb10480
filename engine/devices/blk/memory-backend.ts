/** An in-memory disk: a growable byte array (tests, demos, and sessions without an image file). */
import { type BlockBackend, BlockBackendError, SECTOR } from './backend';

export interface MemoryBackendOptions {
  /** Size in bytes (a multiple of 512). */
  size: number;
  readOnly?: boolean;
  /** Initial contents (copied; shorter contents are zero-padded). */
  contents?: Uint8Array;
}

export class MemoryBackend implements BlockBackend {
  readonly readOnly: boolean;
  readonly description = 'in-memory disk';
  /** Number of flushes so far (tests check writethrough behaviour). */
  flushes = 0;
  private bytes: Uint8Array;

  constructor(o: MemoryBackendOptions) {
    if (!Number.isSafeInteger(o.size) || o.size <= 0 || o.size % SECTOR !== 0) {
      throw new BlockBackendError(`in-memory disk size ${o.size} is not a positive multiple of ${SECTOR} bytes`);
    }
    this.bytes = new Uint8Array(o.size);
    if (o.contents) this.bytes.set(o.contents.subarray(0, o.size));
    this.readOnly = o.readOnly ?? false;
  }

  get size(): number {
    return this.bytes.length;
  }

  /** The disk contents (a live view; tests compare it with a model). */
  get contents(): Uint8Array {
    return this.bytes;
  }

  private check(offset: number, length: number): void {
    if (offset < 0 || length < 0 || offset + length > this.bytes.length) {
      throw new BlockBackendError(`range ${offset}+${length} is outside the ${this.bytes.length}-byte disk`);
    }
  }

  private checkWritable(): void {
    if (this.readOnly) throw new BlockBackendError('the in-memory disk is read-only');
  }

  async read(offset: number, into: Uint8Array): Promise<void> {
    this.check(offset, into.length);
    into.set(this.bytes.subarray(offset, offset + into.length));
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    this.checkWritable();
    this.check(offset, data.length);
    this.bytes.set(data, offset);
  }

  /** Synchronous vectored forms: an in-memory disk never waits, so small requests complete in the device's turn. */
  readvSync(offset: number, into: readonly Uint8Array[]): void {
    let len = 0;
    for (const v of into) len += v.length;
    this.check(offset, len);
    for (const v of into) {
      v.set(this.bytes.subarray(offset, offset + v.length));
      offset += v.length;
    }
  }

  writevSync(offset: number, data: readonly Uint8Array[]): void {
    this.checkWritable();
    let len = 0;
    for (const v of data) len += v.length;
    this.check(offset, len);
    for (const v of data) {
      this.bytes.set(v, offset);
      offset += v.length;
    }
  }

  async flush(): Promise<void> {
    this.flushes++;
  }

  flushSync(): void {
    this.flushes++;
  }

  async discard(offset: number, length: number): Promise<void> {
    await this.writeZeroes(offset, length, true);
  }

  async writeZeroes(offset: number, length: number, _unmap: boolean): Promise<void> {
    this.checkWritable();
    this.check(offset, length);
    this.bytes.fill(0, offset, offset + length);
  }

  async resize(size: number): Promise<void> {
    this.checkWritable();
    if (!Number.isSafeInteger(size) || size <= 0 || size % SECTOR !== 0) {
      throw new BlockBackendError(`new size ${size} is not a positive multiple of ${SECTOR} bytes`);
    }
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, Math.min(size, this.bytes.length)));
    this.bytes = next;
  }

  async close(): Promise<void> {}
}
