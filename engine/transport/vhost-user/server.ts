/**
 * The vhost-user back-end server of one device: listens on a Unix socket (the front end, e.g. QEMU, is the
 * client), serves one front end at a time, and after it goes away (QEMU quits or is killed) stops the rings,
 * lets the owner flush (the disk), resets the device, unmaps guest memory, and accepts the next one. While a
 * front end is connected, further connections wait in the listen backlog.
 *
 * It is also the device's DeviceHost ('vhost-user'): used-buffer notifications go to the ring's call fd,
 * configuration changes to the front end's back-end channel.
 */
import { chmodSync, existsSync, lstatSync, unlinkSync } from 'node:fs';
import { type DeviceHost, type VirtioDevice } from '../../device-core/device';
import { VhostUserConnection } from './connection';
import { describePeer } from './peer';
import { type FdWatch, type NativeFd, type NativeLoadError, errorCode, isNativeLoadError, loadNative } from './native';
import { type SessionOptions, VhostUserSession } from './session';

/** vhost-user cannot run here (no native addon, bad socket path): the message is meant for the user. */
export class VhostUserError extends Error {
  override name = 'VhostUserError';
}

export interface VhostUserServerOptions extends SessionOptions {
  /** Socket path to listen on. A stale socket file (nobody listening) is replaced. */
  path: string;
  device: VirtioDevice;
  /** The native addon (default: loadNative()); a NativeLoadError makes listen() fail with its message. */
  native?: NativeFd | NativeLoadError;
  /** After a front end disconnected and the rings stopped, before the device is reset: flush the disk. */
  onDisconnect?: (reason: string) => Promise<void> | void;
  /** A front end connected. */
  onConnect?: () => void;
  /**
   * A front end that says nothing for this long after connecting is dropped (default 10 s): one idle client
   * would otherwise hold the socket, and the next front end (QEMU started next) would hang in the backlog.
   */
  handshakeTimeoutMs?: number;
}

const HANDSHAKE_TIMEOUT_MS = 10_000;

export class VhostUserServer implements DeviceHost {
  readonly kind = 'vhost-user' as const;
  /** Front ends served so far (the current one included). */
  connections = 0;
  private listenFd = -1;
  private listenWatch: FdWatch | undefined;
  private session: VhostUserSession | undefined;
  private connection: VhostUserConnection | undefined;
  private closing: Promise<void> | undefined;
  private ending: Promise<void> = Promise.resolve();

  private constructor(
    private readonly o: VhostUserServerOptions,
    private readonly native: NativeFd,
  ) {
    o.device.host = this;
    o.device.mode = 'backend';
  }

  /** Listens on `path`; throws VhostUserError with a clear message when it cannot. */
  static listen(o: VhostUserServerOptions): VhostUserServer {
    const native = o.native ?? loadNative();
    if (isNativeLoadError(native)) throw new VhostUserError(`vhost-user is not available: ${native.error}`);
    prepareSocketPath(native, o.path);
    const server = new VhostUserServer(o, native);
    // Only the owner may connect (the front end can write guest memory and read the disk): 0600 from
    // bind on (umask), and again explicitly (chmod) whatever the umask was, before the path is announced.
    const umask = process.umask(0o177);
    try {
      server.listenFd = native.socketListen(o.path);
      chmodSync(o.path, 0o600);
    } catch (e) {
      if (server.listenFd >= 0) native.close(server.listenFd);
      throw new VhostUserError(`cannot listen on ${o.path}: ${(e as Error).message}`);
    } finally {
      process.umask(umask);
    }
    server.watchListen();
    server.note(`listening on ${o.path}`);
    return server;
  }

  get path(): string {
    return this.o.path;
  }

  get device(): VirtioDevice {
    return this.o.device;
  }

  get connected(): boolean {
    return this.connection?.isOpen ?? false;
  }

  /** Resolves once the current front end (if any) has been cleaned up after disconnecting. */
  whenIdle(): Promise<void> {
    return this.ending;
  }

  private note(message: string): void {
    this.device.trace.emit({ type: 'note', device: this.device.id, message: `vhost-user: ${message}` });
  }

  private watchListen(): void {
    this.listenWatch = this.native.watch(this.listenFd, (err) => {
      if (err) {
        this.note(`the listening socket failed (${err.code || err.message})`);
        return;
      }
      this.acceptOne();
    });
  }

  private acceptOne(): void {
    let fd: number | null;
    try {
      fd = this.native.socketAccept(this.listenFd);
    } catch (e) {
      this.note(`accept failed (${errorCode(e) ?? String(e)})`);
      return;
    }
    if (fd === null) return;
    // One front end at a time: the next waits in the backlog until this one is gone.
    this.listenWatch?.stop();
    this.listenWatch = undefined;
    this.connections++;
    const ref: { session?: VhostUserSession } = {};
    const timeoutMs = this.o.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS;
    const n = this.connections;
    const peer = describePeer(this.native, fd);
    const who = peer ? `connection ${n}, ${peer}` : `connection ${n}`;
    let silent: NodeJS.Timeout | undefined = setTimeout(() => {
      silent = undefined;
      connection.close(`${who} sent no message within ${timeoutMs / 1000} s of connecting; the next front end is served instead`);
    }, timeoutMs);
    const connection = new VhostUserConnection(this.native, fd, {
      message: (m) => {
        if (silent) clearTimeout(silent);
        silent = undefined;
        ref.session?.enqueue(m);
      },
      closed: (reason) => {
        if (silent) clearTimeout(silent);
        silent = undefined;
        const ended = ref.session!;
        this.ending = this.ending.then(() => this.endSession(ended, reason));
      },
    });
    const session = new VhostUserSession(this.device, this.native, connection, this.o);
    ref.session = session;
    this.session = session;
    this.connection = connection;
    this.note(`front end connected (${who})`);
    this.o.onConnect?.();
    connection.start();
  }

  private async endSession(session: VhostUserSession, reason: string): Promise<void> {
    this.note(`front end disconnected: ${reason}`);
    await session.shutdown();
    try {
      await this.o.onDisconnect?.(reason);
    } catch (e) {
      this.note(`clean-up after the disconnect failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.device.reset();
    session.releaseMemory();
    if (this.session === session) {
      this.session = undefined;
      this.connection = undefined;
    }
    if (!this.closing) this.watchListen();
  }

  /** Stops listening, disconnects the front end (its rings stop, onDisconnect runs), removes the socket file. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.listenWatch?.stop();
      this.listenWatch = undefined;
      if (this.listenFd >= 0) this.native.close(this.listenFd);
      this.listenFd = -1;
      this.connection?.close('the back end is shutting down');
      await this.ending;
      try {
        if (existsSync(this.o.path) && lstatSync(this.o.path).isSocket()) unlinkSync(this.o.path);
      } catch {
        // someone else removed or replaced it
      }
    })();
    return this.closing;
  }

  // ---------------------------------------------------------------- DeviceHost

  interrupt(kind: 'used' | 'config', queue?: number): void {
    this.session?.interrupt(kind, queue);
  }

  inspect(): { name: string; value: string }[] {
    const head = [
      { name: 'socket', value: this.o.path },
      { name: 'front end', value: this.connected ? `connected (connection ${this.connections})` : 'waiting for a front end' },
    ];
    return this.session ? [...head, ...this.session.inspect()] : head;
  }
}

/** Refuses a path that is not a socket or a socket someone listens on; removes a stale socket file. */
function prepareSocketPath(native: NativeFd, path: string): void {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return; // nothing there
  }
  if (!st.isSocket()) throw new VhostUserError(`${path} exists and is not a socket; refusing to replace it`);
  let probe = -1;
  try {
    probe = native.socketConnect(path);
  } catch {
    // ECONNREFUSED: a socket file nobody listens on (a back end that was killed)
    try {
      unlinkSync(path);
    } catch (e) {
      throw new VhostUserError(`cannot remove the stale socket ${path}: ${(e as Error).message}`);
    }
    return;
  }
  native.close(probe);
  throw new VhostUserError(`${path} is in use: another back end listens on it`);
}
