/**
 * A raw disk image file: positioned reads and writes on one FileHandle (libuv runs them in parallel, so
 * several requests are in flight at once), or synchronous preadv/pwritev on its fd for the small requests the
 * device serves on the event loop's thread (readvSync/writevSync), fdatasync on FLUSH. Opening refuses, with a message meant for
 * the user, an image that is missing, not a regular file, empty, not a whole number of sectors (a
 * truncated copy), or not accessible in the requested mode.
 */
import { constants, promises as fsp, readvSync, writevSync } from 'node:fs';
import { isNativeLoadError, loadNative } from '../../transport/vhost-user/native';
import { type BlockBackend, BlockBackendError, SECTOR, ZERO_CHUNK } from './backend';

type PreadvNowait = (fd: number, buffers: readonly Uint8Array[], position: number) => number;

/** The addon's preadv2(RWF_NOWAIT), or undefined without the addon (or in one built before it existed). */
function nativeNowait(): PreadvNowait | undefined {
  const n = loadNative();
  return isNativeLoadError(n) ? undefined : n.preadvNowait;
}

export interface RawImageOptions {
  /** Open O_RDONLY; the device then offers VIRTIO_BLK_F_RO. */
  readOnly?: boolean;
}

function errno(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

export class RawImageBackend implements BlockBackend {
  /** Number of fdatasync calls so far (tests check FLUSH and writethrough). */
  flushes = 0;
  private closed = false;
  /** preadv2(RWF_NOWAIT), looked up at the first cached read; null once the file or the addon lacks it. */
  private nowait: PreadvNowait | null | undefined;

  private constructor(
    readonly path: string,
    private readonly fh: fsp.FileHandle,
    private bytes: number,
    readonly readOnly: boolean,
  ) {}

  get size(): number {
    return this.bytes;
  }

  get description(): string {
    return `raw image ${this.path}${this.readOnly ? ' (read-only)' : ''}`;
  }

  /** Opens and checks an image; throws BlockBackendError with a clear message when it is unusable. */
  static async open(path: string, o: RawImageOptions = {}): Promise<RawImageBackend> {
    const readOnly = o.readOnly ?? false;
    let st;
    try {
      st = await fsp.stat(path);
    } catch (e) {
      if (errno(e) === 'ENOENT') throw new BlockBackendError(`disk image ${path} does not exist`);
      throw new BlockBackendError(`disk image ${path} cannot be examined: ${(e as Error).message}`);
    }
    if (!st.isFile()) throw new BlockBackendError(`disk image ${path} is not a regular file`);
    if (st.size === 0) throw new BlockBackendError(`disk image ${path} is empty (0 bytes)`);
    if (st.size % SECTOR !== 0) {
      throw new BlockBackendError(
        `disk image ${path} is ${st.size} bytes, not a multiple of ${SECTOR} (truncated?); ` +
          `its last ${st.size % SECTOR} bytes do not fill a sector`,
      );
    }
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(path, readOnly ? constants.O_RDONLY : constants.O_RDWR);
    } catch (e) {
      const code = errno(e);
      const why = code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'permission denied' : (e as Error).message;
      throw new BlockBackendError(
        `disk image ${path} cannot be opened for ${readOnly ? 'reading' : 'reading and writing'}: ${why}` +
          (readOnly ? '' : ' (open it read-only to serve it anyway)'),
      );
    }
    return new RawImageBackend(path, fh, st.size, readOnly);
  }

  private check(offset: number, length: number): void {
    if (this.closed) throw new BlockBackendError(`${this.description} is closed`);
    if (offset < 0 || length < 0 || offset + length > this.bytes) {
      throw new BlockBackendError(`range ${offset}+${length} is outside the ${this.bytes}-byte image`);
    }
  }

  private checkWritable(): void {
    if (this.readOnly) throw new BlockBackendError(`${this.description} is read-only`);
  }

  async read(offset: number, into: Uint8Array): Promise<void> {
    this.check(offset, into.length);
    let done = 0;
    while (done < into.length) {
      const { bytesRead } = await this.fh.read(into, done, into.length - done, offset + done);
      if (bytesRead === 0) {
        // The file shrank behind our back: what is past its end reads as zeroes.
        into.fill(0, done);
        return;
      }
      done += bytesRead;
    }
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    this.checkWritable();
    this.check(offset, data.length);
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.fh.write(data, done, data.length - done, offset + done);
      if (bytesWritten === 0) throw new BlockBackendError(`${this.description}: write at ${offset + done} made no progress`);
      done += bytesWritten;
    }
  }

  async readv(offset: number, into: readonly Uint8Array[]): Promise<void> {
    const steps = this.transfer('read', offset, into);
    for (let s = steps.next(); !s.done; ) s = steps.next((await this.fh.readv(s.value.views, s.value.at)).bytesRead);
  }

  async writev(offset: number, data: readonly Uint8Array[]): Promise<void> {
    const steps = this.transfer('write', offset, data);
    for (let s = steps.next(); !s.done; ) s = steps.next((await this.fh.writev(s.value.views, s.value.at)).bytesWritten);
  }

  /** readv on the calling thread (small requests: a page-cache hit takes microseconds, a thread-pool hop more). */
  readvSync(offset: number, into: readonly Uint8Array[]): void {
    // The usual case: one system call moves it all (within IOV_MAX buffers, nothing past the end of the file).
    const bytes = this.oneCall(offset, into);
    if (bytes > 0 && readvSync(this.fh.fd, into as Uint8Array[], offset) === bytes) return;
    const steps = this.transfer('read', offset, into);
    for (let s = steps.next(); !s.done; ) s = steps.next(readvSync(this.fh.fd, s.value.views, s.value.at));
  }

  writevSync(offset: number, data: readonly Uint8Array[]): void {
    this.checkWritable();
    const bytes = this.oneCall(offset, data);
    if (bytes > 0 && writevSync(this.fh.fd, data as Uint8Array[], offset) === bytes) return;
    const steps = this.transfer('write', offset, data);
    for (let s = steps.next(); !s.done; ) s = steps.next(writevSync(this.fh.fd, s.value.views, s.value.at));
  }

  /**
   * preadv2 with RWF_NOWAIT on the calling thread: true when the page cache held all of it. A miss (or a
   * short read: part not cached, or the end of a file that shrank) returns false after at most a few calls,
   * and the caller reads the whole range the usual way; a file that does not support RWF_NOWAIT is never
   * tried again.
   */
  readvCached(offset: number, into: readonly Uint8Array[]): boolean {
    if (this.nowait === undefined) this.nowait = nativeNowait() ?? null;
    const nowait = this.nowait;
    if (!nowait) return false;
    const steps = this.transfer('read', offset, into);
    for (let s = steps.next(); !s.done; ) {
      const moved = nowait(this.fh.fd, s.value.views, s.value.at);
      if (moved === -2) this.nowait = null;
      if (moved <= 0) return false;
      s = steps.next(moved);
    }
    return true;
  }

  /**
   * The bytes of `bufs` when one readv/writev may move them all (range checked: throws outside the image), or
   * 0: the caller takes the general path (transfer), which batches and resumes after a short transfer. A
   * first call that moved less is finished by the general path too: it moves the same bytes again.
   */
  private oneCall(offset: number, bufs: readonly Uint8Array[]): number {
    if (bufs.length > IOV_MAX) return 0;
    let bytes = 0;
    for (const b of bufs) bytes += b.length;
    if (bytes > IO_MAX_BYTES) return 0;
    this.check(offset, bytes);
    return bytes;
  }

  /**
   * The system calls of one vectored transfer, for the sync and async callers alike: yields the buffers and
   * the file offset of the next readv/writev and takes the bytes it moved. Checks the range (and, for a
   * write, that the image is writable) before the first call.
   */
  private *transfer(op: 'read' | 'write', offset: number, bufs: readonly Uint8Array[]): Generator<{ views: Uint8Array[]; at: number }, void, number> {
    if (op === 'write') this.checkWritable();
    this.check(offset, bufs.reduce((n, b) => n + b.length, 0));
    for (const batch of batches(bufs)) {
      let views = batch.views;
      let at = offset;
      while (views.length) {
        const moved = yield { views, at };
        if (moved === 0) {
          if (op === 'write') throw new BlockBackendError(`${this.description}: write at ${at} made no progress`);
          // The file shrank behind our back: what is past its end reads as zeroes.
          for (const v of views) v.fill(0);
          break;
        }
        at += moved;
        views = advance(views, moved);
      }
      offset += batch.bytes;
    }
  }

  async flush(): Promise<void> {
    if (this.closed) throw new BlockBackendError(`${this.description} is closed`);
    this.flushes++;
    if (!this.readOnly) await this.fh.datasync();
  }

  async discard(offset: number, length: number): Promise<void> {
    // Node has no hole punching; zeroes are what QEMU's raw driver returns after a discard too.
    await this.writeZeroes(offset, length, true);
  }

  async writeZeroes(offset: number, length: number, _unmap: boolean): Promise<void> {
    this.checkWritable();
    this.check(offset, length);
    const zero = new Uint8Array(Math.min(length, ZERO_CHUNK));
    for (let at = 0; at < length; at += zero.length) {
      await this.write(offset + at, zero.subarray(0, Math.min(zero.length, length - at)));
    }
  }

  async resize(size: number): Promise<void> {
    this.checkWritable();
    if (!Number.isSafeInteger(size) || size <= 0 || size % SECTOR !== 0) {
      throw new BlockBackendError(`new size ${size} is not a positive multiple of ${SECTOR} bytes`);
    }
    await this.fh.truncate(size);
    this.bytes = size;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close();
  }
}

/** Most buffers one readv/writev takes (IOV_MAX on Linux), and most bytes (Linux moves at most 2 GiB - 4 KiB). */
const IOV_MAX = 1024;
const IO_MAX_BYTES = 1 << 30;

/** Splits buffers into batches one readv/writev accepts. */
function* batches(bufs: readonly Uint8Array[]): Generator<{ views: Uint8Array[]; bytes: number }> {
  let views: Uint8Array[] = [];
  let bytes = 0;
  for (const b of bufs) {
    for (let at = 0; at < b.length; ) {
      const n = Math.min(b.length - at, IO_MAX_BYTES - bytes);
      views.push(at === 0 && n === b.length ? b : b.subarray(at, at + n));
      bytes += n;
      at += n;
      if (views.length === IOV_MAX || bytes === IO_MAX_BYTES) {
        yield { views, bytes };
        views = [];
        bytes = 0;
      }
    }
  }
  if (views.length) yield { views, bytes };
}

/** The buffers left after the first `n` bytes were transferred. */
function advance(views: Uint8Array[], n: number): Uint8Array[] {
  let i = 0;
  while (i < views.length && n >= views[i]!.length) n -= views[i++]!.length;
  const rest = views.slice(i);
  if (n > 0 && rest.length) rest[0] = rest[0]!.subarray(n);
  return rest;
}
