/**
 * The receive path (§5.1.6.3, §5.1.6.4): frames from the wire wait in a bounded backlog per receive queue
 * (the oldest is dropped, and counted, when it is full) and are written into the driver's receive buffers
 * when there are some: header then frame. Without MRG_RXBUF a frame takes exactly one buffer (num_buffers
 * = 1) and a buffer too small for it is a violation (the frame is dropped, the buffer returned empty).
 * With MRG_RXBUF a frame spreads over as many buffers as it needs, every one but the last filled
 * completely, and num_buffers in the first header says how many; the buffers are returned together once
 * the frame is complete, so a frame waits (holding its buffers) until enough buffers arrived.
 *
 * Receive chains are judged when the driver posts them (judgePosted, at the kick), without taking them:
 * a malformed buffer is named while no traffic comes (issue 12). What was reported for a chain then is not
 * reported again when a frame takes it; a buffer below the recommended size is named once per queue when
 * posted, and each frame dropped for lack of room when it happens.
 */
import { type QueueRuntime } from '../../device-core/queue-runtime';
import { type GuestMemory } from '../../memory';
import { writeChain } from '../../queue/chain-io';
import { type Chain, type DeviceVirtqueue, type PeekCursor } from '../../queue/types';
import { type RuleId } from '../../rules';
import { type HeaderLayout, KNOWN_HEADER_SIZES, NUM_BUFFERS_OFFSET, encodeNetHdr } from '../../wire/net-header';
import { type NetStats } from './net-stats';

export interface RxHost {
  readonly mem: GuestMemory;
  readonly stats: NetStats;
  layout(): HeaderLayout;
  mergeable(): boolean;
  /** Header flags for a received frame (DATA_VALID when the device verified the checksum). */
  rxFlags(frame: Uint8Array): number;
  take(q: QueueRuntime): Chain | null;
  complete(q: QueueRuntime, chain: Chain, len: number): void;
  violation(rule: RuleId, message: string, q: QueueRuntime, index?: number, once?: boolean): void;
  /** Smallest buffer that holds a full frame without MRG_RXBUF (for the violation message). */
  minBuffer(): number;
}

interface Part {
  chain: Chain;
  len: number;
}

/** A frame being written over several buffers (MRG_RXBUF). */
interface InFlight {
  frame: Uint8Array;
  header: Uint8Array;
  parts: Part[];
  /** Bytes of header + frame written so far. */
  written: number;
}

/** What describeChain shows for the chain being taken right now. */
export interface RxDescribe {
  frame: Uint8Array;
  flags: number;
  /** Byte offset of this buffer's data within header + frame (0 for the first buffer). */
  offset: number;
}

class QueueBacklog {
  readonly frames: Uint8Array[] = [];
  inflight: InFlight | undefined;
}

export class RxPath {
  private readonly backlogs = new Map<number, QueueBacklog>();
  /** Per ring: the rules reported at the kick for chains not taken yet, by avail position, and where the last
   *  look at the posted chains ended. */
  private readonly posted = new WeakMap<DeviceVirtqueue, { judged: Map<number, RuleId[]>; cursor: PeekCursor | undefined }>();
  /** Set while a chain is being taken, so describeChain can show which frame goes into it. */
  describing: RxDescribe | undefined;
  private delivering = new Set<number>();

  constructor(
    private readonly host: RxHost,
    /** Frames waiting per receive queue. */
    private readonly capacity: number,
  ) {}

  private backlog(q: number): QueueBacklog {
    let b = this.backlogs.get(q);
    if (!b) this.backlogs.set(q, (b = new QueueBacklog()));
    return b;
  }

  /** Frames waiting for receive buffers on queue `q` (not counting one being written). */
  waiting(q: number): number {
    return this.backlogs.get(q)?.frames.length ?? 0;
  }

  /** Queues a copy of `frame` for receive queue `q` (dropping the oldest frame when the backlog is full). */
  enqueue(q: number, frame: Uint8Array): void {
    const b = this.backlog(q);
    if (b.frames.length >= this.capacity) {
      b.frames.shift();
      this.host.stats.rxDropped.backlog++;
    }
    b.frames.push(Uint8Array.from(frame));
  }

  /** Frames queued for `from` move to the queue `pick` chooses (receive pairs were disabled). */
  requeue(from: number, pick: (frame: Uint8Array) => number): void {
    const b = this.backlogs.get(from);
    if (!b) return;
    const frames = b.frames.splice(0);
    for (const f of frames) this.enqueue(pick(f), f);
  }

  clear(): void {
    this.backlogs.clear();
    this.describing = undefined;
    this.delivering.clear();
  }

  /** Writes waiting frames into the buffers the driver made available on `q`. Re-entrant calls are no-ops. */
  deliver(q: QueueRuntime): void {
    if (this.delivering.has(q.index)) return;
    this.delivering.add(q.index);
    try {
      const b = this.backlog(q.index);
      // Bounded: every turn either finishes a frame, drops one, or stops for lack of buffers.
      while (b.inflight || b.frames.length) {
        const done = this.host.mergeable() ? this.deliverMergeable(q, b) : this.deliverSingle(q, b);
        if (!done) break;
      }
    } finally {
      this.delivering.delete(q.index);
    }
  }

  /**
   * Judges the receive chains posted on `q` and not judged yet, without taking them (a side-effect-free
   * peek): the buffer layout, and the size every buffer must (MRG_RXBUF: a header) or should (without it:
   * a full frame) have. Ring breaches are left to the walk that takes the chain. The peek continues where the
   * last one ended (split rings): a chain is walked here once, not at every kick while it waits (re-walking
   * the whole ring at each refill was 9 % of serve's CPU under figure 4 io).
   */
  judgePosted(q: QueueRuntime): void {
    const vq = q.vq;
    if (!vq || vq.broken) return;
    let st = this.posted.get(vq);
    if (!st) this.posted.set(vq, (st = { judged: new Map(), cursor: undefined }));
    const judged = st.judged;
    // A packed ring is walked from its first pending chain every time: skip that when nothing is new.
    if (vq.layout === 'packed' && vq.inspect(false).pending <= judged.size) return;
    const view = vq.peek(q.size, st.cursor);
    st.cursor = view.next;
    if (!view.skipped) {
      // A view of every pending chain: positions no longer pending (given back, reset, stepped) are forgotten.
      const live = new Set(view.chains.map((c) => c.position));
      for (const p of judged.keys()) if (!live.has(p)) judged.delete(p);
    }
    for (const chain of view.chains) {
      // Past a followed cursor every chain is new; otherwise the ones judged before are skipped.
      if (view.skipped === undefined && judged.has(chain.position)) continue;
      const rules: RuleId[] = [];
      this.judgeBuffer(q, chain, rules);
      const size = this.host.layout().size;
      if (this.host.mergeable()) {
        if (chain.writableBytes < size) this.reportSmallerThanHeader(q, chain, size, rules);
      } else if (chain.writableBytes < this.host.minBuffer()) {
        // A SHOULD: named once per queue when posted; each frame it then cannot hold is reported when dropped.
        this.host.violation(
          'net-rx-buffer-too-small',
          `receive buffer of ${chain.writableBytes} bytes is smaller than the ${this.host.minBuffer()} bytes a ${size}-byte header and a full frame need without MRG_RXBUF; longer frames will be dropped`,
          q,
          chain.head,
          true,
        );
      }
      judged.set(chain.position, rules);
    }
  }

  /** Takes the next chain that has room for data; returns null when none is available. `pre` receives
   *  the rules already reported for it at the kick. */
  private take(q: QueueRuntime, d: RxDescribe, pre: RuleId[][] = []): Chain | null {
    this.describing = d;
    let chain: Chain | null;
    try {
      chain = this.host.take(q);
    } finally {
      this.describing = undefined;
    }
    const judged = q.vq && this.posted.get(q.vq)?.judged;
    if (chain && judged) {
      pre.push(judged.get(chain.position) ?? []);
      judged.delete(chain.position);
    }
    return chain;
  }

  /** Reports `rule` for `chain` unless it is in `done` (reported at the kick); records it there. */
  private report(q: QueueRuntime, chain: Chain, done: RuleId[], rule: RuleId, message: string, once?: boolean): void {
    if (done.includes(rule)) return;
    done.push(rule);
    this.host.violation(rule, message, q, chain.head, once);
  }

  /** Judges the buffer layout: device-writable only, header descriptor of the right size. */
  private judgeBuffer(q: QueueRuntime, chain: Chain, done: RuleId[]): void {
    if (chain.readableBytes > 0) {
      this.report(q, chain, done, 'net-rx-buffer-not-writable', `receive chain ${chain.id} has ${chain.readableBytes} device-readable bytes; receive buffers must be device-writable`, true);
    }
    const size = this.host.layout().size;
    const first = chain.writable[0];
    if (first && chain.writable.length > 1 && first.len !== size && (KNOWN_HEADER_SIZES as readonly number[]).includes(first.len)) {
      this.report(
        q,
        chain,
        done,
        'net-hdr-size-mismatch',
        `receive chain ${chain.id} starts with a ${first.len}-byte header buffer, but the negotiated features give a ${size}-byte virtio_net_hdr`,
        true,
      );
    }
  }

  /** One frame into one buffer. Returns false when no buffer is available. */
  private deliverSingle(q: QueueRuntime, b: QueueBacklog): boolean {
    const frame = b.frames[0]!;
    const flags = this.host.rxFlags(frame);
    const pre: RuleId[][] = [];
    const chain = this.take(q, { frame, flags, offset: 0 }, pre);
    if (!chain) return false;
    const done = pre[0] ?? [];
    b.frames.shift();
    this.judgeBuffer(q, chain, done);
    const layout = this.host.layout();
    const need = layout.size + frame.length;
    if (chain.writableBytes < need) {
      this.report(
        q,
        chain,
        done,
        'net-rx-buffer-too-small',
        `receive buffer of ${chain.writableBytes} bytes cannot hold the ${layout.size}-byte header and a ${frame.length}-byte frame ` +
          `(without MRG_RXBUF buffers should be at least ${this.host.minBuffer()} bytes); frame dropped`,
      );
      this.host.stats.rxDropped.bufferTooSmall++;
      this.host.complete(q, chain, 0);
      return true;
    }
    // Header, then the frame after it: written in place, no staging copy.
    const n = writeChain(this.host.mem, chain, encodeNetHdr({ flags, numBuffers: 1 }, layout.size)) + writeChain(this.host.mem, chain, frame, layout.size);
    this.host.stats.rxFrames++;
    this.host.stats.rxBytes += frame.length;
    this.host.complete(q, chain, n);
    return true;
  }

  /** A frame over as many buffers as it needs (MRG_RXBUF). Returns false when it waits for buffers. */
  private deliverMergeable(q: QueueRuntime, b: QueueBacklog): boolean {
    const layout = this.host.layout();
    if (!b.inflight) {
      // The frame leaves the backlog only once a buffer for its start is there.
      const frame = b.frames[0]!;
      const flags = this.host.rxFlags(frame);
      const first = this.takeFirst(q, frame, flags, layout.size);
      if (!first) return false;
      b.frames.shift();
      b.inflight = { frame, header: encodeNetHdr({ flags, numBuffers: 0 }, layout.size), parts: [], written: 0 };
      this.addPart(b.inflight, first, layout.size + frame.length);
    }
    const f = b.inflight;
    const total = layout.size + f.frame.length;
    while (f.written < total) {
      const pre: RuleId[][] = [];
      const chain = this.take(q, { frame: f.frame, flags: f.header[0]!, offset: f.written }, pre);
      if (!chain) return false;
      const done = pre[0] ?? [];
      this.judgeBuffer(q, chain, done);
      if (chain.writableBytes < layout.size) this.reportSmallerThanHeader(q, chain, layout.size, done);
      // A buffer with no room (all device-readable, reported above) still counts in num_buffers.
      this.addPart(f, chain, total);
    }
    // num_buffers (§5.1.6.3.2): the number of buffers the packet spans, in the first buffer's header.
    const count = f.parts.length;
    if (layout.hasNumBuffers && count) writeChain(this.host.mem, f.parts[0]!.chain, Uint8Array.of(count & 0xff, count >> 8), NUM_BUFFERS_OFFSET);
    b.inflight = undefined;
    this.host.stats.rxFrames++;
    this.host.stats.rxBytes += f.frame.length;
    if (count > 1) this.host.stats.rxMerged++;
    for (const p of f.parts) this.host.complete(q, p.chain, p.len);
    return true;
  }

  /** The buffer that starts a frame: one that holds at least a header (smaller ones are returned empty). */
  private takeFirst(q: QueueRuntime, frame: Uint8Array, flags: number, headerSize: number): Chain | null {
    for (;;) {
      const pre: RuleId[][] = [];
      const chain = this.take(q, { frame, flags, offset: 0 }, pre);
      if (!chain) return null;
      const done = pre[0] ?? [];
      this.judgeBuffer(q, chain, done);
      if (chain.writableBytes >= headerSize) return chain;
      this.reportSmallerThanHeader(q, chain, headerSize, done);
      this.host.complete(q, chain, 0);
    }
  }

  private reportSmallerThanHeader(q: QueueRuntime, chain: Chain, headerSize: number, done: RuleId[]): void {
    this.report(
      q,
      chain,
      done,
      'net-rx-buffer-smaller-than-header',
      `receive buffer of ${chain.writableBytes} bytes is smaller than the ${headerSize}-byte virtio_net_hdr (MRG_RXBUF needs every buffer to hold a header)`,
    );
  }

  private addPart(f: InFlight, chain: Chain, total: number): void {
    const n = this.writePart(chain, f, f.written, total);
    f.parts.push({ chain, len: n });
    f.written += n;
  }

  /** Writes bytes [from, from + room) of header + frame into `chain`; returns the count. Straight from the
   *  header and the frame into guest memory: no staging copy per buffer (it was 7 % of serve's CPU, figure 4 io). */
  private writePart(chain: Chain, f: InFlight, from: number, total: number): number {
    const n = Math.min(chain.writableBytes, total - from);
    const hs = f.header.length;
    let written = 0;
    // Whole header, whole frame (the usual first buffer): no subarray views.
    if (from === 0 && n >= hs) written += writeChain(this.host.mem, chain, f.header, 0);
    else if (from < hs) written += writeChain(this.host.mem, chain, f.header.subarray(from, Math.min(hs, from + n)), 0);
    const frameFrom = Math.max(0, from - hs);
    const dataAt = Math.max(0, hs - from);
    const len = n - dataAt;
    if (len > 0) written += writeChain(this.host.mem, chain, frameFrom === 0 && len === f.frame.length ? f.frame : f.frame.subarray(frameFrom, frameFrom + len), dataAt);
    return written;
  }
}
