/**
 * One vhost-user connection on a Unix socket fd: frames the byte stream into messages (12-byte header,
 * payload, and the SCM_RIGHTS fds that came with them) and writes replies in order. Knows nothing about
 * what the messages mean.
 *
 * Reading follows the native addon's advice: the header is read on its own (up to 12 bytes, as many reads
 * as it takes) so that its fds are not glued to an earlier message, then the payload. A payload larger than
 * any request defines is read and thrown away in chunks, so the stream stays in step with the front end.
 */
import { VHOST_USER_HEADER_SIZE, type VhostUserMessage } from './messages';
import { decodeHeader } from './codec';
import { errorCode, type FdWatch, type NativeFd, POLL_DISCONNECT } from './native';

/** Larger payloads are discarded (the biggest request, SET_MEM_TABLE with 8 regions, has 264 bytes). */
export const MAX_KEPT_PAYLOAD = 4096;
/** Messages handled per readiness callback before yielding to the event loop (the watch fires again). */
const READ_BUDGET = 64;
const DISCARD_CHUNK = 64 * 1024;
/** How long a reply may wait for room in the socket buffer before the connection is given up. */
const SEND_TIMEOUT_MS = 5000;

/** A message as framed, with what went wrong on the way. */
export interface FramedMessage extends VhostUserMessage {
  /** The payload was larger than MAX_KEPT_PAYLOAD and was discarded (payload is empty). */
  oversized: boolean;
  /** The front end sent more fds than one message can carry; the extra ones were closed by the addon. */
  fdsTruncated: boolean;
}

export interface ConnectionEvents {
  message(msg: FramedMessage): void;
  /** Called once, after the fd was closed. */
  closed(reason: string): void;
}

type Stage = 'header' | 'payload' | 'discard';

export class VhostUserConnection {
  private watch: FdWatch | undefined;
  private open = true;
  private stage: Stage = 'header';
  private readonly header = new Uint8Array(VHOST_USER_HEADER_SIZE);
  private filled = 0;
  private payload = new Uint8Array(0);
  private left = 0;
  private request = 0;
  private flags = 0;
  private size = 0;
  private fds: number[] = [];
  private fdsTruncated = false;
  private readonly outbox: { data: Uint8Array; fds: number[] }[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private sendBlockedSince = 0;

  constructor(
    private readonly native: NativeFd,
    readonly fd: number,
    private readonly events: ConnectionEvents,
  ) {}

  get isOpen(): boolean {
    return this.open;
  }

  /** Starts reading (the socket becomes non-blocking). */
  start(): void {
    this.watch = this.native.watch(this.fd, (err, events) => {
      if (err) {
        // libuv reports POLLERR on a socket as EBADF: the peer reset the connection, which is what closing it
        // with our replies still unread does (issue 12: the reason read "EBADF").
        this.close(err.code === 'EBADF' ? 'the front end reset the connection (it closed without reading its replies)' : `the connection failed (${err.code || err.message})`);
        return;
      }
      this.readSome(events);
    });
  }

  private readSome(events: number): void {
    for (let budget = READ_BUDGET; budget > 0 && this.open; budget--) {
      const want =
        this.stage === 'header' ? VHOST_USER_HEADER_SIZE - this.filled : this.stage === 'payload' ? this.left : Math.min(this.left, DISCARD_CHUNK);
      let got;
      try {
        got = this.native.recvMsg(this.fd, want);
      } catch (e) {
        this.close(`reading from the front end failed (${errorCode(e) ?? String(e)})`);
        return;
      }
      if (got === null) {
        if (events & POLL_DISCONNECT) continue; // drain what is left; the next read reports EOF
        return;
      }
      if (got.bytes.length === 0) {
        const partial = this.stage !== 'header' || this.filled > 0;
        this.close(partial ? 'the front end closed the connection in the middle of a message' : 'the front end closed the connection');
        return;
      }
      if (got.fds.length) this.fds.push(...got.fds);
      if (got.truncated) this.fdsTruncated = true;
      this.take(got.bytes);
    }
  }

  private take(bytes: Uint8Array): void {
    if (this.stage === 'header') {
      this.header.set(bytes, this.filled);
      this.filled += bytes.length;
      if (this.filled < VHOST_USER_HEADER_SIZE) return;
      const h = decodeHeader(this.header);
      this.request = h.request;
      this.flags = h.flags;
      this.size = h.size;
      this.filled = 0;
      this.left = h.size;
      if (h.size === 0) {
        this.deliver(new Uint8Array(0), false);
      } else if (h.size > MAX_KEPT_PAYLOAD) {
        this.stage = 'discard';
      } else {
        this.payload = new Uint8Array(h.size);
        this.stage = 'payload';
      }
      return;
    }
    if (this.stage === 'payload') this.payload.set(bytes, this.size - this.left);
    this.left -= bytes.length;
    if (this.left > 0) return;
    if (this.stage === 'payload') this.deliver(this.payload, false);
    else this.deliver(new Uint8Array(0), true);
  }

  private deliver(payload: Uint8Array, oversized: boolean): void {
    const msg: FramedMessage = {
      request: this.request,
      flags: this.flags,
      size: this.size,
      payload,
      fds: this.fds,
      oversized,
      fdsTruncated: this.fdsTruncated,
    };
    this.stage = 'header';
    this.fds = [];
    this.fdsTruncated = false;
    this.payload = new Uint8Array(0);
    this.events.message(msg);
  }

  /** Queues a message (header + payload already encoded) and writes as much as the socket takes now. */
  send(data: Uint8Array, fds: readonly number[] = []): void {
    if (!this.open) return;
    this.outbox.push({ data, fds: [...fds] });
    this.flush();
  }

  private flush(): void {
    while (this.open && this.outbox.length) {
      const next = this.outbox[0]!;
      let sent: number | null;
      try {
        sent = this.native.sendMsg(this.fd, next.data, next.fds);
      } catch (e) {
        this.close(`writing to the front end failed (${errorCode(e) ?? String(e)})`);
        return;
      }
      if (sent === null) {
        this.sendBlockedSince ||= Date.now();
        if (Date.now() - this.sendBlockedSince > SEND_TIMEOUT_MS) {
          this.close(`the front end has not read its replies for ${SEND_TIMEOUT_MS / 1000} s`);
          return;
        }
        this.retryTimer ??= setTimeout(() => {
          this.retryTimer = undefined;
          this.flush();
        }, 1);
        return;
      }
      this.sendBlockedSince = 0;
      if (sent >= next.data.length) this.outbox.shift();
      else this.outbox[0] = { data: next.data.subarray(sent), fds: [] };
    }
  }

  /** Closes the socket and any fds of a message not yet complete; reports `reason` once. */
  close(reason = 'closed by the back end'): void {
    if (!this.open) return;
    this.open = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.outbox.length = 0;
    this.watch?.stop();
    for (const fd of this.fds) this.safeClose(fd);
    this.fds = [];
    this.safeClose(this.fd);
    this.events.closed(reason);
  }

  private safeClose(fd: number): void {
    try {
      this.native.close(fd);
    } catch {
      // already closed
    }
  }
}
