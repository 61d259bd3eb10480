// A vhost-user front end for tests, written with the native addon the way QEMU works: guest RAM in a memfd
// shared through SET_MEM_TABLE, eventfds for kick and call, and the reference driver's split/packed rings
// writing into that RAM. It plays QEMU (or cloud-hypervisor) against the back end in the same process.
import assert from 'node:assert/strict';
import {
  VHOST_USER_HEADER_SIZE,
  VHOST_USER_NEED_REPLY_MASK,
  VHOST_USER_REPLY_MASK,
  VHOST_USER_VERSION,
  VhostUserRequest as R,
  type MemRegionDescription,
  type VringAddr,
} from '../../../../engine/transport/vhost-user/messages';
import { GuestAllocator } from '../../../../engine/driver/allocator';
import { PackedDriverRing } from '../../../../engine/driver/packed-ring';
import { type DriverBuffer, type DriverRing, type UsedBuffer } from '../../../../engine/driver/ring-types';
import { SplitDriverRing } from '../../../../engine/driver/split-ring';
import { GuestMemory } from '../../../../engine/memory';
import { FdBacking } from '../../../../engine/memory/fd-backing';
import { MappedBacking } from '../../../../engine/memory/mapped-backing';
import { type RingFeatures } from '../../../../engine/queue/types';
import {
  decodeHeader,
  encodeMemRegion,
  encodeMemTable,
  encodeMessage,
  encodeU64,
  encodeVringAddr,
  encodeVringState,
} from '../../../../engine/transport/vhost-user/codec';
import { type FdWatch, type NativeFd, loadNative, isNativeLoadError } from '../../../../engine/transport/vhost-user/native';

export function native(): NativeFd {
  const n = loadNative();
  if (isNativeLoadError(n)) assert.fail(n.error);
  return n;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits until `cond()` holds (polling), or fails after `ms`. */
export async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(2);
  }
}

export interface Reply {
  request: number;
  flags: number;
  payload: Buffer;
}

/** The socket side: requests out, replies in. */
export class TestFrontEnd {
  private buf = Buffer.alloc(0);
  private readonly replies: Reply[] = [];
  private waiter: (() => void) | undefined;
  private readonly watch: FdWatch;
  closed = false;

  private constructor(
    readonly n: NativeFd,
    readonly fd: number,
  ) {
    this.watch = n.watch(fd, () => this.onReadable());
  }

  static connect(n: NativeFd, path: string): TestFrontEnd {
    return new TestFrontEnd(n, n.socketConnect(path));
  }

  private onReadable(): void {
    for (;;) {
      const got = this.n.recvMsg(this.fd, 65536);
      if (got === null) break;
      if (got.bytes.length === 0) {
        this.closed = true;
        this.watch.stop();
        break;
      }
      for (const fd of got.fds) this.n.close(fd);
      this.buf = Buffer.concat([this.buf, got.bytes]);
    }
    while (this.buf.length >= VHOST_USER_HEADER_SIZE) {
      const h = decodeHeader(this.buf);
      if (this.buf.length < VHOST_USER_HEADER_SIZE + h.size) break;
      this.replies.push({ request: h.request, flags: h.flags, payload: this.buf.subarray(12, 12 + h.size) });
      this.buf = this.buf.subarray(12 + h.size);
    }
    if (this.replies.length) this.waiter?.();
  }

  /** Sends one request (header + payload, fds as ancillary data). */
  send(request: number, payload: Uint8Array = new Uint8Array(0), o: { needReply?: boolean; fds?: number[]; flags?: number } = {}): void {
    const flags = o.flags ?? VHOST_USER_VERSION | (o.needReply ? VHOST_USER_NEED_REPLY_MASK : 0);
    const data = encodeMessage(request, flags, payload);
    const sent = this.n.sendMsg(this.fd, data, o.fds ?? []);
    assert.equal(sent, data.length, 'the whole request was sent');
  }

  /** The next reply, or a failure after `ms`. */
  async reply(ms = 3000): Promise<Reply> {
    const end = Date.now() + ms;
    while (!this.replies.length) {
      if (this.closed) assert.fail('the back end closed the connection');
      const left = end - Date.now();
      if (left <= 0) assert.fail(`no reply within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.waiter = undefined;
    }
    const r = this.replies.shift()!;
    assert.equal(r.flags, VHOST_USER_VERSION | VHOST_USER_REPLY_MASK, 'reply flags: version 1 | REPLY');
    return r;
  }

  /** Asserts nothing arrives within `ms` (requests that get no reply). */
  async noReply(ms = 60): Promise<void> {
    await sleep(ms);
    assert.equal(this.replies.length, 0, `unexpected reply to ${this.replies[0]?.request}`);
  }

  async call(request: number, payload?: Uint8Array, o: { needReply?: boolean; fds?: number[] } = {}): Promise<Reply> {
    this.send(request, payload, o);
    const r = await this.reply();
    assert.equal(r.request, request, 'the reply answers the request');
    return r;
  }

  async getU64(request: number): Promise<bigint> {
    const r = await this.call(request);
    assert.equal(r.payload.length, 8);
    return r.payload.readBigUInt64LE(0);
  }

  /** Sends with NEED_REPLY and returns the ack value (0 = success). */
  async acked(request: number, payload?: Uint8Array, fds?: number[]): Promise<bigint> {
    const r = await this.call(request, payload, { needReply: true, ...(fds ? { fds } : {}) });
    assert.equal(r.payload.length, 8, 'an ack is a u64');
    return r.payload.readBigUInt64LE(0);
  }

  close(): void {
    if (!this.closed) this.watch.stop();
    this.closed = true;
    this.n.close(this.fd);
  }
}

/** User addresses of guest RAM in "QEMU's" address space: far from the guest-physical ones, as in QEMU. */
export const USER_BASE = 0x7f12_3400_0000n;
/** Below 640 KiB, a hole, then the rest (QEMU's q35 layout sends two regions like this). */
export const LOW_END = 0xa0000;
export const HIGH_START = 0x100000;

export interface GuestRamOptions {
  /** Seal the memfd against shrinking and growing, as QEMU's memory-backend-memfd does (default true):
   *  the back end then maps it; unsealed, the back end falls back to positioned I/O. */
  seal?: boolean;
  /** The driver side maps the memfd too (benchmarks) instead of positioned I/O on its own fd. */
  mapped?: boolean;
}

/** Guest RAM in a memfd, as the driver side sees it (its own fd and FdBacking, or a mapping). */
export class GuestRam {
  readonly memfd: number;
  readonly mem: GuestMemory;
  readonly alloc: GuestAllocator;
  private readonly mapping: MappedBacking | undefined;

  constructor(
    readonly n: NativeFd,
    readonly size = 4 << 20,
    o: GuestRamOptions = {},
  ) {
    this.memfd = n.memfdCreate('test-guest-ram', size, o.seal ?? true);
    this.mapping = o.mapped ? new MappedBacking(n.mmapShared(this.memfd, 0, size), n) : undefined;
    const backing = this.mapping ?? new FdBacking(this.memfd, size);
    this.mem = new GuestMemory([
      { gpa: 0, size: LOW_END, backing, offset: 0, name: 'low' },
      { gpa: HIGH_START, size: size - HIGH_START, backing, offset: HIGH_START, name: 'high' },
    ]);
    this.alloc = new GuestAllocator(HIGH_START, size - HIGH_START);
  }

  /** The two regions QEMU would send; `userBase` moves the user addresses. */
  regions(userBase = USER_BASE): MemRegionDescription[] {
    return [
      { guestPhysAddr: 0n, memorySize: BigInt(LOW_END), userspaceAddr: userBase, mmapOffset: 0n },
      { guestPhysAddr: BigInt(HIGH_START), memorySize: BigInt(this.size - HIGH_START), userspaceAddr: userBase + BigInt(HIGH_START), mmapOffset: BigInt(HIGH_START) },
    ];
  }

  /** SET_MEM_TABLE payload and fds (the same memfd once per region, as QEMU sends it). */
  memTable(userBase = USER_BASE): { payload: Uint8Array; fds: number[] } {
    return { payload: encodeMemTable(this.regions(userBase)), fds: [this.memfd, this.memfd] };
  }

  /** A guest-physical address as the front end's user address. */
  user(gpa: number, userBase = USER_BASE): bigint {
    return userBase + BigInt(gpa);
  }

  close(): void {
    this.mapping?.close();
    this.n.close(this.memfd);
  }
}

export const NO_RING_FEATURES: RingFeatures = { indirect: false, eventIdx: false, inOrder: false, notificationData: false, ringReset: false };

/** Per-vring order of set-up messages. */
export type RingOrder = 'qemu' | 'cloud-hypervisor';

/** The driver side of one ring: the reference driver's ring in guest RAM, a kick and a call eventfd. */
export class FrontRing {
  readonly ring: DriverRing;
  readonly kick: number;
  readonly call: number;
  private readonly waiters = new Map<number, (u: UsedBuffer) => void>();
  private readonly watch: FdWatch;
  readonly deviceErrors: string[] = [];
  calls = 0;

  constructor(
    readonly n: NativeFd,
    readonly ram: GuestRam,
    readonly index: number,
    readonly layout: 'split' | 'packed',
    readonly size: number,
    features: RingFeatures = NO_RING_FEATURES,
  ) {
    const report = (rule: string, message: string) => this.deviceErrors.push(`${rule}: ${message}`);
    this.ring = layout === 'packed' ? new PackedDriverRing(ram.mem, ram.alloc, size, features, report) : new SplitDriverRing(ram.mem, ram.alloc, size, features, report);
    this.kick = n.eventfd();
    this.call = n.eventfd();
    this.watch = n.watch(this.call, () => {
      if (n.eventfdRead(this.call) > 0) this.calls++;
      this.harvest();
    });
  }

  private harvest(): void {
    for (const u of this.ring.harvest()) {
      const w = this.waiters.get(u.token);
      this.waiters.delete(u.token);
      w?.(u);
    }
  }

  /** Initial base: split 0, packed 0x8000 (slot 0, wrap counter 1). */
  get initialBase(): number {
    return this.layout === 'packed' ? 0x8000 : 0;
  }

  addr(userBase = USER_BASE): VringAddr {
    return {
      index: this.index,
      flags: 0,
      desc: this.ram.user(this.ring.descAddr, userBase),
      used: this.ram.user(this.ring.deviceAddr, userBase),
      avail: this.ram.user(this.ring.driverAddr, userBase),
      log: 0n,
    };
  }

  /** Sends the ring's set-up in the order of `order`. */
  setUp(fe: TestFrontEnd, order: RingOrder, o: { enable?: boolean } = {}): void {
    const i = this.index;
    const num = () => fe.send(R.SET_VRING_NUM, encodeVringState({ index: i, num: this.size }));
    const base = () => fe.send(R.SET_VRING_BASE, encodeVringState({ index: i, num: this.initialBase }));
    const addr = () => fe.send(R.SET_VRING_ADDR, encodeVringAddr(this.addr()));
    const kick = () => fe.send(R.SET_VRING_KICK, encodeU64(i), { fds: [this.kick] });
    const call = () => fe.send(R.SET_VRING_CALL, encodeU64(i), { fds: [this.call] });
    const steps = order === 'qemu' ? [num, base, addr, kick, call] : [num, addr, base, call, kick];
    for (const s of steps) s();
    if (o.enable ?? true) fe.send(R.SET_VRING_ENABLE, encodeVringState({ index: i, num: 1 }));
  }

  /** Adds one chain, publishes it, kicks when the device asks for it; resolves when it is used. */
  submit(buffers: DriverBuffer[]): Promise<UsedBuffer> {
    const token = this.ring.add(buffers);
    assert.ok(token !== null, 'room in the ring');
    const done = new Promise<UsedBuffer>((resolve) => this.waiters.set(token, resolve));
    this.ring.publish();
    if (this.ring.needsNotify()) this.n.eventfdWrite(this.kick, 1);
    return done;
  }

  /** Like submit, with a time limit. */
  async submitWithin(buffers: DriverBuffer[], ms = 3000): Promise<UsedBuffer> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`ring ${this.index}: chain not used within ${ms} ms`)), ms);
    });
    try {
      return await Promise.race([this.submit(buffers), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.watch.stop();
    this.n.close(this.kick);
    this.n.close(this.call);
  }
}

/** A blk request in guest RAM: header, data, status. */
export function blkRequest(ram: GuestRam, type: 'in' | 'out', sector: number, data: Uint8Array | number): { buffers: DriverBuffer[]; dataAddr: number; statusAddr: number; len: number } {
  const len = typeof data === 'number' ? data : data.length;
  const hdr = ram.alloc.alloc(16, 16);
  const buf = ram.alloc.alloc(len, 512);
  const status = ram.alloc.alloc(1, 1);
  ram.mem.writeU32(hdr, type === 'in' ? 0 : 1);
  ram.mem.writeU32(hdr + 4, 0);
  ram.mem.writeU64(hdr + 8, BigInt(sector));
  if (typeof data !== 'number') ram.mem.write(buf, data);
  ram.mem.writeU8(status, 0xff);
  return {
    buffers: [
      { addr: hdr, len: 16, write: false },
      { addr: buf, len, write: type === 'in' },
      { addr: status, len: 1, write: true },
    ],
    dataAddr: buf,
    statusAddr: status,
    len,
  };
}

export { encodeMemRegion };
