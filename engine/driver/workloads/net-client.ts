/**
 * The driver side of virtio-net (§5.1.5, §5.1.6), written like a small guest driver on top of the
 * reference driver: it reads the config space, keeps every receive queue filled with buffers (mergeable
 * or not), reassembles received packets (num_buffers), transmits frames behind a virtio_net_hdr and sends
 * control commands. With net-* FaultPlans it breaks chosen rules on purpose (net-faults.ts).
 */
import { type GuestMemory } from '../../memory';
import { NET_CTRL_COMMANDS, hasFeature } from '../../spec-tables';
import { type NetHdr, encodeNetHdr, netHeaderSize } from '../../wire/net-header';
import { type GuestAllocator } from '../allocator';
import { type ReferenceDriver } from '../driver';
import { type DriverBuffer, type FaultPlan, type UsedBuffer } from '../ring-types';
import { type RxBufferShape, type TxShape, isNetFault, rxFaultShape, txFaultShape } from './net-faults';

/** The virtio_net_hdr fields a driver sets in front of a transmitted frame (the rest stay 0). */
export type TxHeader = Partial<NetHdr>;

export interface ReceivedPacket {
  /** Receive queue index. */
  queue: number;
  flags: number;
  gsoType: number;
  numBuffers: number;
  frame: Uint8Array;
}

export interface NetClientOptions {
  /** Receive buffers kept posted per receive queue (default: half the queue, at most 64). */
  rxBuffers?: number;
  /** Size of each receive buffer (default: 2048 with MRG_RXBUF, else header + MTU + 14, at least 1526). */
  rxBufferSize?: number;
  /** Header and data of receive buffers in separate descriptors (non-mergeable "big packets" style). */
  rxHeaderSeparate?: boolean;
  /** Put the header of a transmit in its own descriptor (default true; false: one buffer, any layout). */
  txHeaderSeparate?: boolean;
  /** net-* fault plans. */
  faults?: readonly FaultPlan[];
  /** Give used receive buffers back to the device (default true). */
  repost?: boolean;
  /** Received packets kept for inspection (older ones are forgotten). Default 1024. */
  keep?: number;
}

export interface CommandOptions {
  /** Size of the device-writable ack part (default 1). */
  ackLen?: number;
  /** Put the ack buffer in the device-readable part (a fault). */
  ackReadable?: boolean;
  /** Bytes of {class, command} to send (default 2; 1 is a fault). */
  headerBytes?: number;
}

interface RxBuf {
  buffers: DriverBuffer[];
}

interface Assembly {
  first: ReceivedPacket;
  parts: Uint8Array[];
  remaining: number;
}

type Waiter = { match: (p: ReceivedPacket) => boolean; resolve: (p: ReceivedPacket | undefined) => void };

export class NetClient {
  readonly headerSize: number;
  readonly mergeable: boolean;
  /** Queue pairs that exist (N, §5.1.2). */
  readonly pairs: number;
  readonly ctrlQueue: number | undefined;
  activePairs = 1;
  /** The last packets received, oldest first. */
  readonly received: ReceivedPacket[] = [];
  receivedCount = 0;
  /** Used receive buffers too short for a header (dropped frames returned empty). */
  emptyBuffers = 0;
  private readonly faults: FaultPlan[];
  private readonly assembly = new Map<number, Assembly>();
  private readonly waiters = new Set<Waiter>();
  private readonly listeners = new Set<(p: ReceivedPacket) => void>();
  private rxPosted = 0;
  private txSent = 0;
  private stopped = false;

  constructor(
    readonly driver: ReferenceDriver,
    readonly mem: GuestMemory,
    readonly alloc: GuestAllocator,
    private readonly o: NetClientOptions = {},
  ) {
    const f = driver.accepted;
    this.headerSize = netHeaderSize(f);
    this.mergeable = this.has('MRG_RXBUF');
    this.pairs = this.has('MQ') || this.has('RSS') ? this.config(8, 2) : 1;
    this.ctrlQueue = this.has('CTRL_VQ') ? 2 * this.pairs : undefined;
    this.faults = (o.faults ?? []).filter((p) => isNetFault(p.rule));
  }

  has(short: string): boolean {
    return hasFeature('net', this.driver.accepted, short);
  }

  config(offset: number, width: 1 | 2 | 4): number {
    return this.driver.readConfig(offset, width);
  }

  /** mac (byte by byte, as Linux virtio_cread_bytes). */
  get mac(): Uint8Array {
    return Uint8Array.from({ length: 6 }, (_, i) => this.config(i, 1));
  }

  get mtu(): number {
    return this.has('MTU') ? this.config(10, 2) : 1500;
  }

  /** Link status (LINK_UP 1, ANNOUNCE 2); LINK_UP when STATUS was not negotiated (§5.1.4.2). */
  get status(): number {
    return this.has('STATUS') ? this.config(6, 2) : 1;
  }

  /** Faults not committed yet. */
  get pendingFaults(): readonly FaultPlan[] {
    return this.faults;
  }

  get rxBufferSize(): number {
    if (this.o.rxBufferSize) return this.o.rxBufferSize;
    if (this.mergeable) return 2048;
    const gso = ['GUEST_TSO4', 'GUEST_TSO6', 'GUEST_UFO', 'GUEST_USO4', 'GUEST_USO6'].some((s) => this.has(s));
    return this.headerSize + (gso ? 65589 : Math.max(1514, this.mtu + 14));
  }

  /** Removes the pending plan for `rule` (the caller commits it); undefined when there is none. */
  claimFault(rule: string): FaultPlan | undefined {
    const k = this.faults.findIndex((p) => p.rule === rule);
    return k >= 0 ? this.faults.splice(k, 1)[0] : undefined;
  }

  private takeFault(kind: (rule: string) => boolean, counter: number): FaultPlan | undefined {
    const k = this.faults.findIndex((p) => kind(p.rule as string) && (p.atChain ?? 0) === counter);
    return k >= 0 ? this.faults.splice(k, 1)[0] : undefined;
  }

  /** Fills every receive queue with buffers (§5.1.5 step 3), one notification per queue. */
  start(): void {
    const queueSize = this.driver.queues[0]?.ring.size ?? 64;
    const count = this.o.rxBuffers ?? Math.max(1, Math.min(64, queueSize >> 1));
    for (let p = 0; p < this.pairs; p++) {
      const prepared = Array.from({ length: count }, () => this.prepareRx());
      const promises = this.driver.submitMany(
        2 * p,
        prepared.map((r) => ({ buffers: r.buf.buffers })),
      );
      promises.forEach((pr, i) => void pr.then((u) => this.onRxUsed(2 * p, prepared[i]!.buf, u, prepared[i]!.repost)));
    }
  }

  /** Posts `count` more receive buffers on receive queue `queue` (default size and shape). */
  postBuffers(queue: number, count: number): void {
    for (let i = 0; i < count; i++) this.postRx(queue, this.defaultRxShape());
  }

  /** Stops reposting receive buffers. */
  stop(): void {
    this.stopped = true;
    for (const w of this.waiters) w.resolve(undefined);
    this.waiters.clear();
  }

  private prepareRx(shape?: RxBufferShape): { buf: RxBuf; repost: RxBufferShape | undefined } {
    const plan = shape ? undefined : this.takeFault((r) => r.startsWith('net-rx-'), this.rxPosted);
    this.rxPosted++;
    const s: RxBufferShape = shape ?? (plan ? rxFaultShape(plan, this.headerSize, this.rxBufferSize) : this.defaultRxShape());
    const buffers = s.pieces.map((p) => ({ addr: this.alloc.alloc(p.len, 8), len: p.len, write: p.write }));
    // A fault buffer is replaced by a normal one once the device returned it.
    return { buf: { buffers }, repost: plan ? undefined : s };
  }

  private postRx(queue: number, shape: RxBufferShape): void {
    const r = this.prepareRx(shape);
    void this.driver.submit(queue, r.buf.buffers).then((u) => this.onRxUsed(queue, r.buf, u, r.repost));
  }

  private defaultRxShape(): RxBufferShape {
    const size = this.rxBufferSize;
    if (this.o.rxHeaderSeparate && size > this.headerSize) return { pieces: [{ len: this.headerSize, write: true }, { len: size - this.headerSize, write: true }] };
    return { pieces: [{ len: size, write: true }] };
  }

  private onRxUsed(queue: number, buf: RxBuf, used: UsedBuffer, repostShape: RxBufferShape | undefined): void {
    const bytes = this.gather(buf.buffers.filter((b) => b.write), used.len);
    for (const b of buf.buffers) this.alloc.release(b.addr);
    if (!this.stopped && this.o.repost !== false) this.postRx(queue, repostShape ?? this.defaultRxShape());
    const asm = this.assembly.get(queue);
    if (asm) {
      asm.parts.push(bytes);
      if (--asm.remaining <= 0) {
        this.assembly.delete(queue);
        this.finishPacket(asm);
      }
      return;
    }
    if (bytes.length < this.headerSize) {
      this.emptyBuffers++;
      return;
    }
    const u16 = (o: number) => bytes[o]! | (bytes[o + 1]! << 8);
    const numBuffers = this.headerSize > 10 ? u16(10) : 1;
    const first: ReceivedPacket = { queue, flags: bytes[0]!, gsoType: bytes[1]!, numBuffers, frame: new Uint8Array(0) };
    const a: Assembly = { first, parts: [bytes.subarray(this.headerSize)], remaining: this.mergeable ? numBuffers - 1 : 0 };
    if (a.remaining > 0) this.assembly.set(queue, a);
    else this.finishPacket(a);
  }

  private finishPacket(a: Assembly): void {
    const len = a.parts.reduce((n, p) => n + p.length, 0);
    const frame = new Uint8Array(len);
    let o = 0;
    for (const p of a.parts) {
      frame.set(p, o);
      o += p.length;
    }
    const pkt = { ...a.first, frame };
    this.receivedCount++;
    this.received.push(pkt);
    if (this.received.length > (this.o.keep ?? 1024)) this.received.shift();
    for (const l of this.listeners) l(pkt);
    for (const w of this.waiters) {
      if (w.match(pkt)) {
        this.waiters.delete(w);
        w.resolve(pkt);
      }
    }
  }

  private gather(buffers: DriverBuffer[], len: number): Uint8Array {
    const out = new Uint8Array(Math.min(len, buffers.reduce((n, b) => n + b.len, 0)));
    let o = 0;
    for (const b of buffers) {
      if (o >= out.length) break;
      const n = Math.min(b.len, out.length - o);
      out.set(this.mem.read(b.addr, n), o);
      o += n;
    }
    return out;
  }

  /** Calls `listener` for every packet received from now on; returns the unsubscribe function. */
  onPacket(listener: (p: ReceivedPacket) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first packet (already received or arriving within `timeoutMs`) that matches. */
  waitFor(match: (p: ReceivedPacket) => boolean, timeoutMs = 1000): Promise<ReceivedPacket | undefined> {
    const have = this.received.find(match);
    if (have) return Promise.resolve(have);
    return new Promise((resolve) => {
      const w: Waiter = {
        match,
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.add(w);
    });
  }

  /** Transmits `frame` on pair `pair` behind a header with `hdr` (§5.1.6.2). Resolves when the device used it. */
  transmit(frame: Uint8Array, hdr: TxHeader = {}, pair = 0): Promise<UsedBuffer> {
    return this.transmitMany([{ frame, hdr }], pair)[0]!;
  }

  /** Transmits several frames published together with one notification (as with Linux xmit_more). */
  transmitMany(packets: readonly { frame: Uint8Array; hdr?: TxHeader }[], pair = 0): Promise<UsedBuffer>[] {
    const prepared = packets.map((p) => this.prepareTx(p.frame, p.hdr ?? {}, pair));
    // A fault may move a packet to another pair: submit per queue, in order.
    const out: Promise<UsedBuffer>[] = new Array<Promise<UsedBuffer>>(prepared.length);
    for (const queue of new Set(prepared.map((p) => p.queue))) {
      const idx = prepared.flatMap((p, i) => (p.queue === queue ? [i] : []));
      const promises = this.driver.submitMany(queue, idx.map((i) => ({ buffers: prepared[i]!.buffers })));
      idx.forEach((i, k) =>
        (out[i] = promises[k]!.then((u) => {
          for (const b of prepared[i]!.buffers) this.alloc.release(b.addr);
          return u;
        })),
      );
    }
    return out;
  }

  private prepareTx(frame: Uint8Array, hdr: TxHeader, pair: number): { queue: number; buffers: DriverBuffer[] } {
    const plan = this.takeFault((r) => r.startsWith('net-tx-') || r === 'net-hdr-size-mismatch', this.txSent);
    this.txSent++;
    const shape: TxShape = plan
      ? txFaultShape(plan, { frame, hdr, pair, headerSize: this.headerSize, mtu: this.mtu, pairs: this.pairs, activePairs: this.activePairs, has: (s) => this.has(s) })
      : { header: encodeNetHdr(hdr, this.headerSize), frame, pair, extraWritable: 0 };
    const pieces: { bytes?: Uint8Array; len: number; write: boolean }[] = [];
    if (this.o.txHeaderSeparate === false && !plan && shape.header.length + shape.frame.length > 0) {
      const all = new Uint8Array(shape.header.length + shape.frame.length);
      all.set(shape.header, 0);
      all.set(shape.frame, shape.header.length);
      pieces.push({ bytes: all, len: all.length, write: false });
    } else {
      if (shape.header.length) pieces.push({ bytes: shape.header, len: shape.header.length, write: false });
      if (shape.frame.length) pieces.push({ bytes: shape.frame, len: shape.frame.length, write: false });
    }
    if (shape.extraWritable) pieces.push({ len: shape.extraWritable, write: true });
    const buffers = pieces.map((p) => {
      const addr = this.alloc.alloc(p.len, 8);
      if (p.bytes) this.mem.write(addr, p.bytes);
      return { addr, len: p.len, write: p.write };
    });
    return { queue: 2 * shape.pair + 1, buffers };
  }

  /**
   * Sends a control command (§5.1.6.5) and resolves with the ack the device wrote (undefined when it wrote
   * none). `ackLen` sizes the device-writable part; `ackReadable` puts it in a device-readable buffer.
   */
  async command(cls: number, cmd: number, data: Uint8Array = new Uint8Array(0), o: CommandOptions = {}): Promise<number | undefined> {
    if (this.ctrlQueue === undefined) throw new Error('VIRTIO_NET_F_CTRL_VQ was not negotiated: there is no control queue');
    const ackLen = o.ackLen ?? 1;
    const headLen = o.headerBytes ?? 2;
    const head = this.alloc.alloc(headLen, 2);
    this.mem.write(head, Uint8Array.of(cls, cmd).subarray(0, headLen));
    const buffers: DriverBuffer[] = [{ addr: head, len: headLen, write: false }];
    if (data.length) {
      const d = this.alloc.alloc(data.length, 8);
      this.mem.write(d, data);
      buffers.push({ addr: d, len: data.length, write: false });
    }
    const ack = this.alloc.alloc(ackLen, 1);
    this.mem.fill(ack, ackLen, 0xff);
    buffers.push({ addr: ack, len: ackLen, write: !o.ackReadable });
    const used = await this.driver.submit(this.ctrlQueue, buffers);
    const value = used.len >= 1 && !o.ackReadable ? this.mem.read(ack, 1)[0] : undefined;
    for (const b of buffers) this.alloc.release(b.addr);
    return value;
  }

  /** A command by class and command short name, e.g. ('RX', 'PROMISC', [1]). */
  commandByName(cls: string, cmd: string, data: Uint8Array | number[] = [], o: CommandOptions = {}): Promise<number | undefined> {
    const c = NET_CTRL_COMMANDS.find((x) => x.classShort === cls && x.short === cmd);
    if (!c) throw new RangeError(`no control command ${cls} ${cmd}`);
    return this.command(c.classValue, c.value, Uint8Array.from(data), o);
  }

  /** VQ_PAIRS_SET (§5.1.6.5.6); on OK the client transmits on pairs below `n`. */
  async setPairs(n: number): Promise<number | undefined> {
    const ack = await this.commandByName('MQ', 'VQ_PAIRS_SET', [n & 0xff, n >> 8]);
    if (ack === 0) this.activePairs = n;
    return ack;
  }
}

