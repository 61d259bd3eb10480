/**
 * Typed access to the native addon `virtio_debug_native` (native/): the few system calls Node lacks for a
 * vhost-user back end (docs/architecture.md, "Transports" and "Measured facts").
 *
 * - AF_UNIX stream sockets as raw fds: listen, accept, connect, socketpair; `recvMsg`/`sendMsg` carry
 *   SCM_RIGHTS file descriptors (the memfd regions of SET_MEM_TABLE, the kick/call/err eventfds).
 * - `watch`: readiness callbacks on the Node event loop (libuv `uv_poll_t`), for the vhost-user socket and
 *   QEMU's non-blocking kick eventfds, which `fs.read` and `net.Socket` cannot read.
 * - eventfd create/read/write and `memfdCreate` (tests that play QEMU).
 * - `mmapShared`/`unmap`/`fence`: guest memory regions mapped once as external ArrayBuffers (MappedBacking),
 *   and the memory barrier the split ring's event index needs between a store and a later load.
 *
 * Every call is non-blocking; failures throw an Error with Node's shape (`code` such as
 * 'EBADF', `errno`, `syscall`), and "would block" is a return value (`null`, 0, false), never an exception.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

/** The addon's API version this wrapper was written for (native/src/common.h VD_ADDON_VERSION). */
export const NATIVE_ADDON_VERSION = 4;

const FIX_HINT = 'run `npm rebuild` (needs python3, make, g++)';

/** One received message: bytes, and the fds that came with them (close-on-exec, now owned by the caller). */
export interface RecvResult {
  /** Empty: the peer closed the connection. */
  bytes: Buffer;
  fds: number[];
  /** The sender passed more fds than `maxFds` (a protocol violation): the first `maxFds` are here, the rest closed. */
  truncated: boolean;
}

/** An Error from a failed system call, shaped like Node's own. */
export interface NativeError extends Error {
  code: string;
  errno: number;
  syscall: string;
}

/** Readiness bits passed to a watch callback. */
export const POLL_READABLE = 1;
/** The peer hung up (EPOLLRDHUP); a final read returns what is left, then EOF. */
export const POLL_DISCONNECT = 4;

/**
 * Called on the event loop while the fd is readable (level-triggered: drain it, or the callback runs
 * again at once). On a poll error `err` is set and the watch has already stopped.
 */
export type WatchCallback = (this: FdWatch, err: NativeError | null, events: number) => void;

/** A readiness watch on one fd; at most one per fd (a second throws EEXIST). */
export interface FdWatch {
  readonly fd: number;
  readonly active: boolean;
  /** Stops watching; idempotent. Stop before closing the fd (the addon's `close` does it for you). */
  stop(): void;
  /** Whether the watch keeps the process alive (default: it does). */
  ref(): void;
  unref(): void;
}

/** Credentials of a socket's peer process, as the kernel recorded them at connect. */
export interface SocketPeer {
  pid: number;
  uid: number;
  gid: number;
}

export interface NativeFd {
  /** The .node file that was loaded. */
  readonly path: string;
  /** Most fds `recvMsg`/`sendMsg` handle in one message. */
  readonly maxFds: number;
  /** A non-blocking listening socket bound to `path` (which must not exist: unlink a stale one first). */
  socketListen(path: string, backlog?: number): number;
  /** A non-blocking connected fd, or null when no connection is pending. */
  socketAccept(listenFd: number): number | null;
  /** A connected non-blocking client socket (tests that play the front end). */
  socketConnect(path: string): number;
  /** The process on the other end of a Unix socket (SO_PEERCRED), or null when the kernel does not say. */
  socketPeer(fd: number): SocketPeer | null;
  /** Two connected non-blocking AF_UNIX stream sockets. */
  socketPair(): [number, number];
  /**
   * Up to `maxBytes` bytes and up to `maxFds` fds (default 16); null when nothing is ready (EAGAIN).
   * Read a vhost-user header (12 bytes) on its own so its fds are not glued to an earlier message.
   */
  recvMsg(fd: number, maxBytes: number, maxFds?: number): RecvResult | null;
  /** Bytes sent (fewer than `data.length`: send the rest without fds), or null on EAGAIN. */
  sendMsg(fd: number, data: Uint8Array, fds?: readonly number[]): number | null;
  setNonBlocking(fd: number, on?: boolean): void;
  /** Closes `fd`, stopping this addon's watch on it first. */
  close(fd: number): void;
  /** A non-blocking close-on-exec eventfd. */
  eventfd(initval?: number): number;
  /**
   * The counter (reset by the read), or 0 when nothing was signalled. Never blocks. `nonBlocking`: the fd is
   * known to be O_NONBLOCK (one libuv watches): read without polling first (end of file is 0 too).
   */
  eventfdRead(fd: number, nonBlocking?: boolean): number;
  /** Adds `n` (default 1); false if the counter would overflow. */
  eventfdWrite(fd: number, n?: number): boolean;
  /** A zero-filled anonymous shared-memory file of `size` bytes; `seal`: sealed against shrinking and growing
   *  (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL, as QEMU's memory-backend-memfd). */
  memfdCreate(name: string, size: number, seal?: boolean): number;
  /** The fd's seals (F_GET_SEALS bits; F_SEAL_SHRINK = 2), 0 for a file that cannot be sealed. */
  fileSeals(fd: number): number;
  /**
   * Maps `length` bytes of `fd` from file position `offset` (any alignment) MAP_SHARED read-write; the
   * ArrayBuffer is exactly that range. The mapping lives until the ArrayBuffer is garbage collected or
   * detached with `unmap`. If the file shrinks later, an access past its new end raises SIGBUS: the addon's
   * handler replaces the whole mapping with zero pages and counts it (mappingFaults).
   */
  mmapShared(fd: number, offset: number, length: number): ArrayBuffer;
  /** Detaches the ArrayBuffer (its views become empty); the mapping is removed right after. Idempotent.
   *  Never while native code (an fs.read into a view) still uses the memory. */
  unmap(buffer: ArrayBuffer): void;
  /** A full memory barrier (__atomic_thread_fence(__ATOMIC_SEQ_CST)). */
  fence(): void;
  /**
   * One preadv2(RWF_NOWAIT) of `fd` at `position` into the buffers (at most 1024): the bytes the page cache
   * held (fewer than asked, 0 at the end of the file), -1 when nothing could be read without waiting for the
   * disk, -2 when the file does not support it. Undefined in an addon built before it existed.
   */
  preadvNowait?: (fd: number, buffers: readonly Uint8Array[], position: number) => number;
  /** Bytes currently mapped by mmapShared (tests check that unmapping happens). */
  mappedBytes(): number;
  /** Mappings replaced by zero pages because their file shrank (SIGBUS caught), since the addon loaded. */
  mappingFaults(): number;
  /**
   * Starts watching `fd` for readability (libuv sets O_NONBLOCK on it). EEXIST when this addon or Node
   * itself (e.g. a net.Socket on that fd) already watches it.
   */
  watch(fd: number, onReady: WatchCallback): FdWatch;
}

/** Why the addon could not be used, as one line that names what is missing and how to fix it. */
export interface NativeLoadError {
  error: string;
}

interface RawAddon {
  ADDON_VERSION?: number;
  MAX_FDS: number;
  FdPoll: new (fd: number, cb: WatchCallback) => FdWatch;
  socketListen: NativeFd['socketListen'];
  socketAccept: NativeFd['socketAccept'];
  socketConnect: NativeFd['socketConnect'];
  socketPeer: NativeFd['socketPeer'];
  socketPair: NativeFd['socketPair'];
  recvMsg: NativeFd['recvMsg'];
  sendMsg: NativeFd['sendMsg'];
  setNonBlocking: NativeFd['setNonBlocking'];
  close: NativeFd['close'];
  eventfd: NativeFd['eventfd'];
  eventfdRead: NativeFd['eventfdRead'];
  eventfdWrite: NativeFd['eventfdWrite'];
  memfdCreate: NativeFd['memfdCreate'];
  fileSeals: NativeFd['fileSeals'];
  mmapShared: NativeFd['mmapShared'];
  unmap: NativeFd['unmap'];
  fence: NativeFd['fence'];
  mappedBytes: NativeFd['mappedBytes'];
  mappingFaults: NativeFd['mappingFaults'];
  preadvNowait?: NativeFd['preadvNowait'];
}

interface NodeGypBuild {
  resolve(dir: string): string;
}

export interface LoadNativeOptions {
  /**
   * Package roots to search, in order; each may hold native/build/Release (a local compile) and
   * prebuilds/<platform>-<arch> (the committed prebuilt). Default: the nearest ancestor of this module
   * that has either (the repository, or the extension folder next to dist/).
   */
  roots?: readonly string[];
}

let cached: NativeFd | NativeLoadError | undefined;

/**
 * Loads the addon: a local compile (native/build/Release) first, else the committed prebuilt. Never throws;
 * the result is cached for the default search.
 */
export function loadNative(options: LoadNativeOptions = {}): NativeFd | NativeLoadError {
  if (options.roots === undefined) {
    cached ??= load(defaultRoots());
    return cached;
  }
  return load(options.roots);
}

/** Type guard for the failure branch of `loadNative`. */
export function isNativeLoadError(x: NativeFd | NativeLoadError): x is NativeLoadError {
  return typeof (x as NativeLoadError).error === 'string';
}

/** The `code` of a NativeError (or any Node system error), else undefined. */
export function errorCode(e: unknown): string | undefined {
  if (e instanceof Error && typeof (e as Partial<NativeError>).code === 'string') return (e as NativeError).code;
  return undefined;
}

function defaultRoots(): string[] {
  let dir = __dirname;
  for (let depth = 0; depth < 8; depth++) {
    if (existsSync(join(dir, 'native', 'binding.gyp')) || existsSync(join(dir, 'prebuilds'))) return [dir];
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return [];
}

function load(roots: readonly string[]): NativeFd | NativeLoadError {
  if (process.platform !== 'linux') {
    return { error: `the native addon virtio_debug_native is Linux-only (this is ${process.platform}): vhost-user needs Linux` };
  }
  let nodeGypBuild: NodeGypBuild;
  try {
    // A static require so that esbuild bundles node-gyp-build (it has no type declarations).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    nodeGypBuild = require('node-gyp-build') as NodeGypBuild;
  } catch {
    return { error: `the native addon virtio_debug_native cannot be located: the package node-gyp-build is missing; run \`npm ci\`` };
  }
  const problems: string[] = [];
  // Candidates in order: the local compile of each root, then its prebuilds.
  const dirs = roots.flatMap((r) => [join(resolve(r), 'native'), resolve(r)]);
  for (const dir of dirs) {
    let file: string;
    try {
      file = nodeGypBuild.resolve(dir);
    } catch {
      continue; // nothing built here
    }
    const loaded = loadFile(file);
    if ('error' in loaded) problems.push(loaded.error);
    else return loaded;
  }
  const searched = roots.length ? roots.map((r) => resolve(r)).join(', ') : '(no package root found)';
  const detail = problems.length ? `; ${problems.join('; ')}` : `; searched native/build/Release and prebuilds/${process.platform}-${process.arch} under ${searched}`;
  return { error: `the native addon virtio_debug_native is not built: ${FIX_HINT}${detail}` };
}

function loadFile(file: string): NativeFd | NativeLoadError {
  let raw: RawAddon;
  try {
    raw = createRequire(__filename)(file) as RawAddon;
  } catch (e) {
    return { error: `${file} does not load (${e instanceof Error ? e.message.split('\n')[0] : String(e)})` };
  }
  if (raw.ADDON_VERSION !== NATIVE_ADDON_VERSION) {
    return { error: `${file} is out of date (API version ${String(raw.ADDON_VERSION)}, expected ${NATIVE_ADDON_VERSION})` };
  }
  return wrap(raw, file);
}

function wrap(raw: RawAddon, path: string): NativeFd {
  const FdPoll = raw.FdPoll;
  return {
    path,
    maxFds: raw.MAX_FDS,
    socketListen: (p, backlog) => raw.socketListen(p, backlog),
    socketAccept: (fd) => raw.socketAccept(fd),
    socketConnect: (p) => raw.socketConnect(p),
    socketPeer: (fd) => raw.socketPeer(fd),
    socketPair: () => raw.socketPair(),
    recvMsg: (fd, maxBytes, maxFds) => raw.recvMsg(fd, maxBytes, maxFds),
    sendMsg: (fd, data, fds) => raw.sendMsg(fd, data, fds),
    setNonBlocking: (fd, on) => raw.setNonBlocking(fd, on),
    close: (fd) => raw.close(fd),
    eventfd: (initval) => raw.eventfd(initval),
    eventfdRead: (fd, nonBlocking) => raw.eventfdRead(fd, nonBlocking),
    eventfdWrite: (fd, n) => raw.eventfdWrite(fd, n),
    memfdCreate: (name, size, seal) => raw.memfdCreate(name, size, seal),
    fileSeals: (fd) => raw.fileSeals(fd),
    mmapShared: (fd, offset, length) => raw.mmapShared(fd, offset, length),
    unmap: (buffer) => raw.unmap(buffer),
    // The raw function itself: the fence sits on the notification path, skip a wrapper call.
    fence: raw.fence,
    mappedBytes: () => raw.mappedBytes(),
    mappingFaults: () => raw.mappingFaults(),
    watch: (fd, onReady) => new FdPoll(fd, onReady),
    ...(typeof raw.preadvNowait === 'function' ? { preadvNowait: raw.preadvNowait } : {}),
  };
}
