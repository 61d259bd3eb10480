/**
 * Storage behind a virtio-blk device. Offsets and lengths are in bytes; the device only issues
 * sector-aligned, in-range requests (validation happens before a request reaches the back end).
 * Several requests may be in flight at once: implementations must allow concurrent calls.
 */
export interface BlockBackend {
  /** Size in bytes (a multiple of 512). */
  readonly size: number;
  /** True when writes are impossible (the device then offers VIRTIO_BLK_F_RO). */
  readonly readOnly: boolean;
  /** Human-readable origin, e.g. the image path, for the trace and error messages. */
  readonly description: string;
  /** Fills `into` with the bytes at `offset`. */
  read(offset: number, into: Uint8Array): Promise<void>;
  write(offset: number, data: Uint8Array): Promise<void>;
  /** Optional vectored forms: one system call for a request's segments (guest memory lent without copies). */
  readv?(offset: number, into: readonly Uint8Array[]): Promise<void>;
  writev?(offset: number, data: readonly Uint8Array[]): Promise<void>;
  /**
   * Optional synchronous vectored forms, for small requests served on the event loop's own thread (a page-cache
   * hit takes microseconds; a hop to libuv's thread pool and back costs two context switches and a loop turn).
   */
  readvSync?(offset: number, into: readonly Uint8Array[]): void;
  writevSync?(offset: number, data: readonly Uint8Array[]): void;
  /**
   * Optional: reads on this thread only what needs no disk access (page-cache hits, preadv2 RWF_NOWAIT), for
   * large reads; returns true when all of `into` was filled, false when the caller must read it the usual way
   * (part of it is not cached, or the file cannot be read like that). Back-end errors throw.
   */
  readvCached?(offset: number, into: readonly Uint8Array[]): boolean;
  /** Optional: flush() on this thread, for a back end whose flush never waits (an in-memory disk). */
  flushSync?(): void;
  /** Makes completed writes durable (raw image: fdatasync). */
  flush(): Promise<void>;
  /** Deallocates a range; later reads of it return zeroes in both back ends. */
  discard(offset: number, length: number): Promise<void>;
  /** Zeroes a range (`unmap`: the back end may deallocate it instead). */
  writeZeroes(offset: number, length: number, unmap: boolean): Promise<void>;
  /** Grows or shrinks the storage (capacity change). */
  resize(size: number): Promise<void>;
  close(): Promise<void>;
}

/** A back end could not be opened or used; the message is meant for the user as is. */
export class BlockBackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlockBackendError';
  }
}

/** Bytes per sector (§5.2.4). */
export const SECTOR = 512;

/** Zero-filled chunk for zeroing ranges without allocating the whole range at once. */
export const ZERO_CHUNK = 1 << 20;
