/**
 * Moving a READ's or WRITE's data between the back end and guest memory. Mapped guest memory (vhost-user)
 * is lent to the back end without a copy: one vectored read or write straight into or out of guest RAM,
 * as qemu-storage-daemon does (small requests synchronously on this thread: readIntoGuestSync). Other memory (in process, positioned I/O) is copied in bounded chunks, so a
 * huge request never allocates its whole size at once.
 */
import { type GuestMemory } from '../../memory';
import { type Segment } from '../../queue/types';
import { type BlockBackend } from './backend';

/** Largest bounce buffer of the copying path. */
export const COPY_CHUNK = 1 << 20;

/**
 * The views of a chain's data segments (in order), or undefined when some segment cannot be lent. `sync`: the
 * loan ends before the caller returns (GuestMemory.borrowSync: in-process memory can be lent too).
 */
function borrowAll(mem: GuestMemory, segs: readonly Segment[], sync = false): { views: Uint8Array[]; done(wrote: boolean): void } | undefined {
  // One segment (a 4 KiB request): the loan itself, nothing to combine.
  if (segs.length === 1) return sync ? mem.borrowSync(segs[0]!.addr, segs[0]!.len) : mem.borrow(segs[0]!.addr, segs[0]!.len);
  const loans: { done(wrote: boolean): void }[] = [];
  const views: Uint8Array[] = [];
  const done = (wrote: boolean): void => {
    for (const l of loans) l.done(wrote);
  };
  try {
    for (const s of segs) {
      const l = sync ? mem.borrowSync(s.addr, s.len) : mem.borrow(s.addr, s.len);
      if (!l) {
        done(false);
        return undefined;
      }
      loans.push(l);
      views.push(...l.views);
    }
  } catch (e) {
    done(false);
    throw e;
  }
  return { views, done };
}

async function readViews(backend: BlockBackend, offset: number, views: Uint8Array[]): Promise<void> {
  if (backend.readv) return backend.readv(offset, views);
  for (const v of views) {
    await backend.read(offset, v);
    offset += v.length;
  }
}

async function writeViews(backend: BlockBackend, offset: number, views: Uint8Array[]): Promise<void> {
  if (backend.writev) return backend.writev(offset, views);
  for (const v of views) {
    await backend.write(offset, v);
    offset += v.length;
  }
}

/**
 * Reads `len` bytes at disk `offset` into the segments. `alive()` false: the device was reset meanwhile, and
 * the copying path stops writing guest memory (a lent region is only written while the ring runs: vhost-user
 * drains in-flight requests before a ring stops). Returns the bytes written to guest memory.
 */
export async function readIntoGuest(mem: GuestMemory, backend: BlockBackend, offset: number, segs: readonly Segment[], len: number, alive: () => boolean): Promise<number> {
  const loan = borrowAll(mem, segs);
  if (loan) {
    try {
      await readViews(backend, offset, loan.views);
    } finally {
      loan.done(true);
    }
    return len;
  }
  const buf = new Uint8Array(Math.min(len, COPY_CHUNK));
  let done = 0;
  for (const piece of chunks(segs, COPY_CHUNK)) {
    const b = buf.subarray(0, piece.len);
    await backend.read(offset + done, b);
    if (!alive()) return done;
    let o = 0;
    for (const s of piece.segs) {
      mem.write(s.addr, b.subarray(o, o + s.len));
      o += s.len;
    }
    done += piece.len;
  }
  return done;
}

/** Writes the segments' `len` bytes to disk `offset`. */
export async function writeFromGuest(mem: GuestMemory, backend: BlockBackend, offset: number, segs: readonly Segment[], len: number): Promise<void> {
  const loan = borrowAll(mem, segs);
  if (loan) {
    try {
      await writeViews(backend, offset, loan.views);
    } finally {
      loan.done(false);
    }
    return;
  }
  const buf = new Uint8Array(Math.min(len, COPY_CHUNK));
  let done = 0;
  for (const piece of chunks(segs, COPY_CHUNK)) {
    const b = buf.subarray(0, piece.len);
    let o = 0;
    for (const s of piece.segs) {
      mem.readInto(s.addr, b.subarray(o, o + s.len));
      o += s.len;
    }
    await backend.write(offset + done, b);
    done += piece.len;
  }
}

/**
 * Synchronous forms, for small requests on lent guest memory: one preadv/pwritev on this thread, no hop to the
 * thread pool. undefined when the request cannot go this way (memory that cannot be lent, or a back end
 * without synchronous vectored I/O): the caller uses the asynchronous path. Back-end errors throw.
 */
export function readIntoGuestSync(mem: GuestMemory, backend: BlockBackend, offset: number, segs: readonly Segment[], len: number): number | undefined {
  if (!backend.readvSync) return undefined;
  const loan = borrowAll(mem, segs, true);
  if (!loan) return undefined;
  try {
    backend.readvSync(offset, loan.views);
  } finally {
    loan.done(true);
  }
  return len;
}

/**
 * A large read on this thread when the back end holds all of it in memory (readvCached: the page cache),
 * else undefined and nothing is owed (the caller reads it the asynchronous way, which rewrites the same bytes).
 */
export function readIntoGuestCached(mem: GuestMemory, backend: BlockBackend, offset: number, segs: readonly Segment[], len: number): number | undefined {
  if (!backend.readvCached) return undefined;
  const loan = borrowAll(mem, segs, true);
  if (!loan) return undefined;
  let whole: boolean;
  try {
    whole = backend.readvCached(offset, loan.views);
  } finally {
    loan.done(true);
  }
  return whole ? len : undefined;
}

export function writeFromGuestSync(mem: GuestMemory, backend: BlockBackend, offset: number, segs: readonly Segment[]): boolean {
  if (!backend.writevSync) return false;
  const loan = borrowAll(mem, segs, true);
  if (!loan) return false;
  try {
    backend.writevSync(offset, loan.views);
  } finally {
    loan.done(false);
  }
  return true;
}

/** Splits segments into runs of at most `max` bytes (segments cut where needed). */
function* chunks(segs: readonly Segment[], max: number): Generator<{ segs: Segment[]; len: number }> {
  let cur: Segment[] = [];
  let len = 0;
  for (const s of segs) {
    let at = 0;
    while (at < s.len) {
      const n = Math.min(s.len - at, max - len);
      cur.push({ addr: s.addr + at, len: n });
      len += n;
      at += n;
      if (len === max) {
        yield { segs: cur, len };
        cur = [];
        len = 0;
      }
    }
  }
  if (len > 0) yield { segs: cur, len };
}
