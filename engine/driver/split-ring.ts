/**
 * Driver side of a split virtqueue (VIRTIO 1.2 §2.7), written like Linux drivers/virtio/virtio_ring.c:
 * a private free list of descriptors (desc_extra[].next; sequential allocation with IN_ORDER), indirect
 * tables from the guest allocator, avail ring entry written at the shadow index and avail.idx published
 * after it, vring_need_event() for kicks, used_event / avail.flags for interrupts.
 *
 * With a FaultPlan it breaks one split-* rule on purpose so the device side can be seen to catch it.
 */
import { isMemoryFault, type GuestMemory } from '../memory';
import { u16, vringNeedEvent } from '../queue/event-idx';
import { SplitRingView, VIRTQ_AVAIL_F_NO_INTERRUPT, VIRTQ_USED_F_NO_NOTIFY, writeDescAt, type RawDesc } from '../queue/split/layout';
import { DESC_F_NEXT, DESC_F_WRITE, type RingFeatures } from '../queue/types';
import { type RuleId } from '../rules';
import { type GuestAllocator } from './allocator';
import {
  type AddOptions,
  type DeviceErrorReporter,
  type DriverBuffer,
  type DriverRing,
  type FaultPlan,
  type UsedBuffer,
} from './ring-types';
import { buildChain, type ChainBends, readableAfterWritable } from './split/chain-builder';
import { ArmedFaults, isInjectableSplitFault } from './split/faults';
import { guestMemoryEnd, placeSplitRing } from './split/placement';

export interface SplitDriverRingOptions {
  /** Start avail/used idx here (e.g. 65530, to cross the 65535 wrap quickly). */
  initialIndex?: number;
  /** Placement fault: split-ring-misaligned, split-ring-unmapped or split-used-flags-not-zero. */
  fault?: FaultPlan;
}

/** Linux desc_state[head]: what the driver remembers about an outstanding chain. */
interface ChainState {
  token: number;
  buffers: DriverBuffer[];
  /** Descriptor-table entries taken from the free list, in order. */
  descs: number[];
  tables: number[];
  writableBytes: number;
}

/** ChainState.tables of a chain without indirect tables (never written to). */
const NO_TABLES: number[] = [];

const TABLE_FAULTS = ['split-chain-too-long', 'split-indirect-nested', 'split-indirect-with-next', 'split-indirect-bad-length'] as const;

export class SplitDriverRing implements DriverRing {
  readonly layout = 'split' as const;
  readonly descAddr: number;
  readonly driverAddr: number;
  readonly deviceAddr: number;

  private readonly view: SplitRingView;
  private readonly faults = new ArmedFaults();
  /** Head of the chain added last (split-head-in-flight repeats it). */
  private lastHead = 0;
  /** desc_extra[i].next: the private free list (the shared desc.next may be anything). */
  private readonly nextFree: Uint16Array;
  private readonly state: (ChainState | undefined)[];
  /** IN_ORDER: heads of outstanding chains, oldest first (a ring buffer). */
  private readonly order: Int32Array;
  private orderHead = 0;
  private orderLen = 0;
  private freeHead = 0;
  private numFree: number;
  private availIdxShadow: number;
  private publishedIdx: number;
  /** avail idx at the previous needsNotify() (Linux: avail_idx_shadow - num_added). */
  private kickIdx: number;
  private lastUsedIdx: number;
  private availFlagsShadow = 0;
  private chainsAdded = 0;
  private chainsPublished = 0;
  private outstandingChains = 0;
  private nextToken = 1;
  private brokenBy: string | undefined;
  /** putDesc's staging area. */
  private readonly descBytes = new Uint8Array(16);
  private readonly descScratch = new DataView(this.descBytes.buffer);
  /** split-published-desc-modified: descriptor writes held back until after avail.idx. */
  private deferred: { gpa: number; desc: RawDesc }[] = [];

  constructor(
    private readonly mem: GuestMemory,
    private readonly alloc: GuestAllocator,
    readonly size: number,
    readonly features: RingFeatures,
    private readonly report: DeviceErrorReporter,
    options: SplitDriverRingOptions = {},
  ) {
    // Up to 65536 so a driver can be told to program a size above the device maximum (queue-size faults);
    // the device, not the driver ring, judges the size.
    if (!Number.isInteger(size) || size < 1 || size > 0x10000) throw new RangeError(`split ring size ${size}`);
    const p = placeSplitRing(mem, alloc, size, options.fault?.rule);
    this.descAddr = p.desc;
    this.driverAddr = p.avail;
    this.deviceAddr = p.used;
    this.view = new SplitRingView(mem, p.desc, p.avail, p.used, size);
    this.nextFree = new Uint16Array(size);
    for (let i = 0; i < size; i++) this.nextFree[i] = (i + 1) % size;
    this.state = new Array<ChainState | undefined>(size).fill(undefined);
    this.order = new Int32Array(size);
    this.numFree = size;
    const start = u16(options.initialIndex ?? 0);
    this.availIdxShadow = this.publishedIdx = this.kickIdx = this.lastUsedIdx = start;
    if (start !== 0) {
      // A ring that has been running: both indices, and the event indices that go with them.
      this.view.setAvailIdx(start);
      this.view.setUsedEvent(start);
      this.guard(() => {
        this.view.setUsedIdx(start);
        this.view.setAvailEvent(start);
      });
    }
  }

  get outstanding(): number {
    return this.outstandingChains;
  }

  freeCount(): number {
    return this.numFree;
  }

  injectFault(plan: FaultPlan): boolean {
    const rule = plan.rule;
    if (!isInjectableSplitFault(rule)) return false;
    const f = this.features;
    if ((TABLE_FAULTS as readonly string[]).includes(rule) && !f.indirect) return false;
    if (rule === 'split-indirect-not-negotiated' && f.indirect) return false;
    if (rule === 'split-in-order-violation' && !f.inOrder) return false;
    if (rule === 'split-notify-data-mismatch' && !f.notificationData) return false;
    // With 32768 entries an index QS ahead is indistinguishable from one that went backwards.
    if (rule === 'split-avail-idx-jump' && this.size >= 32768) return false;
    if (rule === 'split-avail-head-out-of-range' && this.size > 32768) return false; // head + size would not fit a le16
    this.faults.arm(rule, this.chainsAdded + Math.max(0, plan.atChain ?? 0));
    return true;
  }

  add(buffers: DriverBuffer[], options?: AddOptions): number | null {
    if (buffers.length === 0) throw new RangeError('a chain needs at least one buffer');
    const n = this.chainsAdded;
    const faults = this.faults;
    const due = faults.size > 0;
    const f = this.features;
    if (!due && !(options?.indirect === true && f.indirect)) return this.addDirect(buffers);
    const reordered = due && faults.due('split-write-before-read', n) ? readableAfterWritable(buffers) : buffers;
    // The last buffer (blk: the writable status byte; a one-buffer net frame: readable) on the descriptor table.
    const onRing = due && faults.due('split-buffer-overlaps-ring', n);
    const bufs = onRing ? [...reordered.slice(0, -1), { ...reordered[reordered.length - 1]!, addr: this.view.desc }] : reordered;
    let indirect = options?.indirect === true && f.indirect;
    let tableFault: RuleId | undefined;
    if (due) {
      if (!f.indirect && faults.due('split-indirect-not-negotiated', n)) tableFault = 'split-indirect-not-negotiated';
      if (f.indirect) tableFault = TABLE_FAULTS.find((r) => faults.due(r, n));
      if (tableFault) indirect = true;
    }
    const skip = due && f.inOrder && faults.due('split-in-order-violation', n) ? 1 : 0;
    const count = (indirect ? 1 : bufs.length) + skip;
    if (count > this.numFree) return null;

    // Committed from here on: take the faults this chain carries.
    const bends: ChainBends = {};
    if (due) {
      if (reordered !== buffers) faults.take('split-write-before-read', n);
      if (onRing) faults.take('split-buffer-overlaps-ring', n);
      if (tableFault) faults.take(tableFault, n);
      if (skip) faults.take('split-in-order-violation', n);
      bends.zeroLength = faults.take('split-desc-zero-length', n);
      bends.loop = faults.take('split-chain-loop', n);
      bends.nextOutOfRange = faults.take('split-desc-next-out-of-range', n);
      if (faults.take('split-desc-out-of-memory', n)) bends.outOfMemory = guestMemoryEnd(this.mem);
      bends.tooLong = tableFault === 'split-chain-too-long';
      bends.nested = tableFault === 'split-indirect-nested';
      bends.withNext = tableFault === 'split-indirect-with-next';
      bends.badLength = tableFault === 'split-indirect-bad-length';
    }
    const descs = this.takeDescriptors(count);
    const chainDescs = skip ? descs.slice(1) : descs;
    const built = buildChain(bufs, indirect, chainDescs, this.size, bends, f.inOrder ? (chainDescs[0]! + 1) % this.size : this.freeHead);
    const head = chainDescs[0]!;

    const tables: number[] = [];
    for (const t of built.tables) tables.push(this.alloc.alloc(t.bytes, 16));
    if (bends.nested) built.tables[0]!.entries[0]!.addr = tables[1]!;
    built.tables.forEach((t, k) => t.entries.forEach((d, j) => writeDescAt(this.mem, tables[k]! + 16 * j, d)));
    if (indirect) built.ring[0]!.desc.addr = tables[0]!;

    const deferDescs = due && faults.take('split-published-desc-modified', n);
    for (const { index, desc } of built.ring) {
      if (deferDescs) this.deferred.push({ gpa: this.view.descAddr(index), desc });
      else this.view.writeDesc(index, desc);
    }

    const slot = this.availIdxShadow % this.size;
    let headValue = due && faults.take('split-avail-head-out-of-range', n) ? head + this.size : head;
    // The head of the previous chain, still outstanding, made available again (this chain's descriptors leak).
    if (due && this.outstandingChains > 0 && faults.take('split-head-in-flight', n)) headValue = this.lastHead;
    this.lastHead = head;
    this.view.setAvailRing(slot, headValue);
    this.availIdxShadow = u16(this.availIdxShadow + 1);
    if (due && faults.take('split-avail-flags-invalid', n)) {
      // With EVENT_IDX the flag itself is wrong; without it, a reserved bit.
      this.view.setAvailFlags(f.eventIdx ? VIRTQ_AVAIL_F_NO_INTERRUPT : 0x2);
    }

    const token = this.nextToken++;
    this.state[head] = { token, buffers, descs, tables, writableBytes: built.writableBytes };
    if (f.inOrder) {
      this.order[(this.orderHead + this.orderLen) % this.size] = head;
      this.orderLen++;
    }
    this.chainsAdded++;
    this.outstandingChains++;
    return token;
  }

  /**
   * add() of a chain of direct descriptors with no fault armed (the everyday case): the same descriptors,
   * ring entry and bookkeeping as buildChain's, written without building them as objects first.
   */
  private addDirect(buffers: DriverBuffer[]): number | null {
    const count = buffers.length;
    if (count > this.numFree) return null;
    const descs = this.takeDescriptors(count);
    let writableBytes = 0;
    for (let k = 0; k < count; k++) {
      const b = buffers[k]!;
      const more = k < count - 1;
      this.putDesc(descs[k]!, b.addr, b.len, (b.write ? DESC_F_WRITE : 0) | (more ? DESC_F_NEXT : 0), more ? descs[k + 1]! : 0);
      if (b.write) writableBytes += b.len;
    }
    const head = descs[0]!;
    this.lastHead = head;
    this.view.setAvailRing(this.availIdxShadow % this.size, head);
    this.availIdxShadow = u16(this.availIdxShadow + 1);
    const token = this.nextToken++;
    this.state[head] = { token, buffers, descs, tables: NO_TABLES, writableBytes };
    if (this.features.inOrder) {
      this.order[(this.orderHead + this.orderLen) % this.size] = head;
      this.orderLen++;
    }
    this.chainsAdded++;
    this.outstandingChains++;
    return token;
  }

  /** One descriptor-table entry as a single 16-byte store (one bounds check, one write for the watchers). */
  private putDesc(index: number, addr: number, len: number, flags: number, next: number): void {
    if (!(addr >= 0 && Number.isSafeInteger(addr) && len >= 0 && len <= 0xffff_ffff && Number.isInteger(len))) {
      this.view.writeDesc(index, { addr, len, flags, next });
      return;
    }
    const d = this.descScratch;
    d.setUint32(0, addr >>> 0, true);
    d.setUint32(4, Math.floor(addr / 0x1_0000_0000), true);
    d.setUint32(8, len, true);
    d.setUint16(12, flags, true);
    d.setUint16(14, next, true);
    this.mem.write(this.view.descAddr(index), this.descBytes);
  }

  publish(): void {
    const last = this.chainsAdded - 1;
    let value = this.availIdxShadow;
    if (this.faults.take('split-avail-idx-jump', last)) value = u16(this.availIdxShadow + this.size);
    else if (this.faults.take('split-avail-idx-decrement', last)) value = u16(this.publishedIdx - 1);
    // virtio_wmb(): descriptors and ring entries are written before the index (S16).
    this.view.setAvailIdx(value);
    this.publishedIdx = this.availIdxShadow;
    this.chainsPublished = this.chainsAdded;
    // The missing-barrier bug: descriptors written after the device could see the index (F11).
    for (const { gpa, desc } of this.deferred) writeDescAt(this.mem, gpa, desc);
    this.deferred = [];
  }

  /** Linux virtqueue_kick_prepare_split(): §2.7.10.2 (S14). */
  needsNotify(): boolean {
    const old = this.kickIdx;
    const now = this.publishedIdx;
    this.kickIdx = now;
    let need = false;
    this.guard(() => {
      need = this.features.eventIdx ? vringNeedEvent(this.view.availEvent(), now, old) : (this.view.usedFlags() & VIRTQ_USED_F_NO_NOTIFY) === 0;
    });
    const last = this.chainsPublished - 1;
    if (!need && this.faults.take('split-notify-suppressed', last)) return true;
    if (need && this.faults.take('split-notify-missing', last)) return false;
    return need;
  }

  /** §2.9: for a split ring, next_off | next_wrap << 15 is the 16-bit avail idx. */
  notificationData(): number {
    if (this.faults.take('split-notify-data-mismatch', this.chainsPublished - 1)) return u16(this.publishedIdx - 1);
    return this.publishedIdx;
  }

  /** Linux virtqueue_get_buf_ctx_split() in a loop (and its IN_ORDER batch variant, §2.7.9 / S17). */
  harvest(): UsedBuffer[] {
    const out: UsedBuffer[] = [];
    if (this.brokenBy) return out;
    this.guard(() => {
      const end = this.view.usedIdx();
      for (let guard = 0; this.lastUsedIdx !== end && guard <= this.size; guard++) {
        if (!this.harvestOne(end, out)) break;
      }
    });
    return out;
  }

  private harvestOne(end: number, out: UsedBuffer[]): boolean {
    const slot = this.lastUsedIdx % this.size;
    const id = this.view.usedId(slot);
    const len = this.view.usedLen(slot);
    let batch = 1;
    if (this.features.inOrder) {
      // The entry may stand for a batch ending at chain `id`; the ones before it were used in full.
      batch = 0;
      for (let k = 0; k < this.orderLen; k++) {
        if (this.order[(this.orderHead + k) % this.size] === id) {
          batch = k + 1;
          break;
        }
      }
      if (batch === 0 || batch > u16(end - this.lastUsedIdx)) return this.badId(id, slot);
      for (let k = 0; k < batch - 1; k++) {
        const h = this.order[this.orderHead]!;
        out.push(this.detach(h, this.state[h]!.writableBytes));
      }
    } else if (id >= this.size || !this.state[id]) {
      return this.badId(id, slot);
    }
    const st = this.state[id]!;
    if (len > st.writableBytes) {
      this.report(
        'split-used-len-exceeds-buffer',
        `used.ring[${slot}]: the device wrote len ${len} for chain ${id}, but its device-writable part is only ${st.writableBytes} bytes`,
      );
    }
    out.push(this.detach(id, len));
    this.lastUsedIdx = u16(this.lastUsedIdx + batch);
    // Linux: ask for an interrupt at the next used entry while interrupts are on.
    if (!(this.availFlagsShadow & VIRTQ_AVAIL_F_NO_INTERRUPT)) this.view.setUsedEvent(this.lastUsedIdx);
    return true;
  }

  private badId(id: number, slot: number): false {
    this.brokenBy = 'split-used-id-invalid';
    this.report(
      'split-used-id-invalid',
      id >= this.size
        ? `used.ring[${slot}].id is ${id}, out of range for a queue of ${this.size} descriptors`
        : `used.ring[${slot}].id is ${id}, which is not the head of an outstanding chain${this.features.inOrder ? ' (IN_ORDER)' : ''}`,
    );
    return false;
  }

  /** Linux detach_buf_split(): returns the chain's descriptors to the free list, frees its tables. */
  private detach(head: number, len: number): UsedBuffer {
    const st = this.state[head]!;
    this.state[head] = undefined;
    if (this.features.inOrder) {
      this.orderHead = (this.orderHead + 1) % this.size;
      this.orderLen--;
    } else {
      this.nextFree[st.descs[st.descs.length - 1]!] = this.freeHead;
      this.freeHead = st.descs[0]!;
    }
    this.numFree += st.descs.length;
    for (const t of st.tables) this.alloc.release(t);
    this.outstandingChains--;
    return { token: st.token, len, buffers: st.buffers };
  }

  /** Linux virtqueue_enable_cb_prepare_split() / virtqueue_disable_cb_split(). */
  setInterrupts(enabled: boolean): void {
    const eventIdx = this.features.eventIdx;
    if (enabled) {
      if (this.availFlagsShadow & VIRTQ_AVAIL_F_NO_INTERRUPT) {
        this.availFlagsShadow &= ~VIRTQ_AVAIL_F_NO_INTERRUPT;
        if (!eventIdx) this.view.setAvailFlags(this.availFlagsShadow);
      }
      this.view.setUsedEvent(this.lastUsedIdx);
    } else if (!(this.availFlagsShadow & VIRTQ_AVAIL_F_NO_INTERRUPT)) {
      this.availFlagsShadow |= VIRTQ_AVAIL_F_NO_INTERRUPT;
      // Linux writes used_event = 0 with EVENT_IDX ("a hack"): avail.flags must stay 0 (S10).
      if (eventIdx) this.view.setUsedEvent(0);
      else this.view.setAvailFlags(this.availFlagsShadow);
    }
  }

  /** Takes `count` descriptors: sequentially with IN_ORDER (S6), else from the free list. */
  private takeDescriptors(count: number): number[] {
    const out: number[] = [];
    if (this.features.inOrder) {
      for (let k = 0; k < count; k++) out.push((this.freeHead + k) % this.size);
      this.freeHead = (this.freeHead + count) % this.size;
    } else {
      let i = this.freeHead;
      for (let k = 0; k < count; k++) {
        out.push(i);
        i = this.nextFree[i]!;
      }
      this.freeHead = i;
    }
    this.numFree -= count;
    return out;
  }

  /** Runs a used-ring access; a used ring outside guest memory (placement fault) reads as "nothing". */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      if (!isMemoryFault(e)) throw e;
    }
  }
}
