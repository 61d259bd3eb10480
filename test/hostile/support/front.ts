// A raw vhost-user front end for the hostile suite: a fresh socket connection, guest RAM in a memfd and one
// kick/call eventfd pair per ring, all created by the test (the unit tests' TestFrontEnd, GuestRam and
// FrontRing), negotiated the way QEMU does it. Scenarios then break rules on purpose through it.
import assert from 'node:assert/strict';
import { VhostUserRequest as R } from '../../../engine/transport/vhost-user/messages';
import { type DriverBuffer, type UsedBuffer } from '../../../engine/driver/ring-types';
import { featureBits } from '../../../engine/spec-tables/features';
import { type RingFeatures } from '../../../engine/queue/types';
import { encodeU64, encodeVringState } from '../../../engine/transport/vhost-user/codec';
import { FrontRing, GuestRam, NO_RING_FEATURES, TestFrontEnd, native } from '../../engine/transport/vhost-user/front-end';
import { PROTOCOL_BIT, pfBits } from '../../engine/transport/vhost-user/harness';
import { type DeviceKind } from './serve-process';

/** The feature table a device kind's names come from (rng has no device bits, §5.4.3). */
const featureTable = (kind: DeviceKind): 'blk' | 'net' | 'transport' => (kind === 'rng' ? 'transport' : kind);

export const n = native();

export const NEEDS_RESET = 64;

export interface FrontOptions {
  /** Device features to accept besides VERSION_1 (short names, e.g. 'INDIRECT_DESC', 'FLUSH'). */
  features?: readonly string[];
  /** Raw feature bits to send in SET_FEATURES instead (offered or not). */
  rawFeatures?: bigint;
  /** Ring indices to set up (default: 0 for blk and rng; rx 0 and tx 1 for net). */
  rings?: readonly number[];
  layout?: 'split' | 'packed';
  size?: number;
  /** Stop after this step (scenarios about the set-up itself). */
  upTo?: 'connect' | 'owner' | 'features' | 'memory';
}

/** A connected, negotiated front end with its rings, closed by close(). */
export class HostileFront {
  readonly rings = new Map<number, FrontRing>();
  negotiated = 0n;

  private constructor(
    readonly fe: TestFrontEnd,
    readonly ram: GuestRam,
    readonly kind: DeviceKind,
  ) {}

  static async open(socket: string, kind: DeviceKind, o: FrontOptions = {}): Promise<HostileFront> {
    const f = new HostileFront(TestFrontEnd.connect(n, socket), new GuestRam(n), kind);
    try {
      await f.negotiate(o);
    } catch (e) {
      f.close();
      throw e;
    }
    return f;
  }

  private async negotiate(o: FrontOptions): Promise<void> {
    const fe = this.fe;
    if (o.upTo === 'connect') return;
    const offered = await fe.getU64(R.GET_FEATURES);
    const protocol = await fe.getU64(R.GET_PROTOCOL_FEATURES);
    fe.send(R.SET_PROTOCOL_FEATURES, encodeU64(protocol & pfBits('REPLY_ACK', 'MQ', 'STATUS', 'CONFIG')));
    fe.send(R.SET_OWNER);
    if (o.upTo === 'owner') return;
    const wanted = featureBits(featureTable(this.kind), ['VERSION_1', ...(o.features ?? [])]);
    if (o.rawFeatures === undefined) {
      const missing = wanted & ~offered;
      assert.equal(missing, 0n, `the device offers every feature the scenario wants (missing 0x${missing.toString(16)})`);
    }
    this.negotiated = o.rawFeatures ?? wanted | PROTOCOL_BIT;
    fe.send(R.SET_FEATURES, encodeU64(this.negotiated));
    if (o.upTo === 'features') return;
    const t = this.ram.memTable();
    assert.equal(await fe.acked(R.SET_MEM_TABLE, t.payload, t.fds), 0n, 'SET_MEM_TABLE accepted');
    if (o.upTo === 'memory') return;
    const layout = o.layout ?? (this.has('RING_PACKED') ? 'packed' : 'split');
    const rings = o.rings ?? (this.kind === 'net' ? [0, 1] : [0]);
    for (const i of rings) this.ring(i, layout, o.size ?? 16).setUp(fe, 'qemu');
  }

  has(short: string): boolean {
    return (this.negotiated & featureBits(featureTable(this.kind), [short])) !== 0n;
  }

  ringFeatures(): RingFeatures {
    return { ...NO_RING_FEATURES, indirect: this.has('INDIRECT_DESC'), eventIdx: this.has('EVENT_IDX'), inOrder: this.has('IN_ORDER') };
  }

  /** Creates the driver side of ring `i` (not yet announced to the back end). */
  ring(i: number, layout: 'split' | 'packed' = 'split', size = 16): FrontRing {
    const r = new FrontRing(n, this.ram, i, layout, size, this.ringFeatures());
    this.rings.set(i, r);
    return r;
  }

  get(i: number): FrontRing {
    const r = this.rings.get(i);
    assert.ok(r, `ring ${i} is set up`);
    return r;
  }

  /** Buffers in guest RAM with the given contents (or zeroes; a writable one gets 0xff so writes show). */
  buffers(pieces: readonly { len: number; write: boolean; bytes?: Uint8Array; align?: number }[]): DriverBuffer[] {
    return pieces.map((p) => {
      const addr = this.ram.alloc.alloc(Math.max(1, p.len), p.align ?? 16);
      if (p.bytes) this.ram.mem.write(addr, p.bytes);
      else this.ram.mem.fill(addr, Math.max(1, p.len), p.write ? 0xff : 0);
      return { addr, len: p.len, write: p.write };
    });
  }

  /** Adds a chain to ring `i`, publishes it and kicks. Resolves when the device uses it. */
  submit(i: number, buffers: DriverBuffer[]): Promise<UsedBuffer> {
    return this.get(i).submit(buffers);
  }

  /** Adds a chain in an indirect table (VIRTIO_F_INDIRECT_DESC), publishes it and kicks; nobody waits for it. */
  submitIndirect(i: number, buffers: DriverBuffer[]): void {
    const r = this.get(i);
    assert.ok(r.ring.add(buffers, { indirect: true }) !== null, 'room in the ring');
    r.ring.publish();
    n.eventfdWrite(r.kick, 1);
  }

  /** GET_CONFIG: `size` bytes of config space from offset 0. */
  async config(size: number): Promise<Buffer> {
    const req = Buffer.alloc(12 + size);
    req.writeUInt32LE(size, 4);
    const r = await this.fe.call(R.GET_CONFIG, req);
    return r.payload.subarray(12);
  }

  /** GET_STATUS: the device status as the front end sees it (DEVICE_NEEDS_RESET when a queue broke). */
  async status(): Promise<number> {
    return Number(await this.fe.getU64(R.GET_STATUS));
  }

  /** GET_VRING_BASE stops ring `i` (waits for its requests in flight); the reply is the next avail index. */
  async stopRing(i: number): Promise<number> {
    const r = await this.fe.call(R.GET_VRING_BASE, encodeVringState({ index: i, num: 0 }));
    return r.payload.readUInt32LE(4);
  }

  close(): void {
    this.fe.close();
    for (const r of this.rings.values()) r.close();
    this.ram.close();
  }
}

/** Resolves with what `p` resolves to, or undefined after `ms` (a chain the device must not use). */
export async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)));
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}
