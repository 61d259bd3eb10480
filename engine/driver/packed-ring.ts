/**
 * Driver side of a packed virtqueue (VIRTIO 1.2 §2.8.21, §2.8.22), modelled on Linux virtio_ring.c:
 * virtqueue_add_packed (descriptors first, head flags last), virtqueue_kick_prepare_packed (event
 * suppression with wrap-adjusted offsets), virtqueue_get_buf_ctx_packed (AVAIL == USED == used wrap
 * counter) and virtqueue_enable_cb_prepare_packed / disable_cb_packed (driver event suppression).
 *
 * Positions use the device side's encoding (engine/queue/packed/layout.ts): slot and wrap counter folded
 * into [0, 2·size).
 */
import { type RingLayout } from '../../protocol/trace';
import { type GuestMemory } from '../memory';
import {
  DESC_OFF_ADDR,
  DESC_OFF_FLAGS,
  DESC_OFF_ID,
  DESC_OFF_LEN,
  EVENT_OFF_DESC,
  EVENT_OFF_FLAGS,
  EVENT_SIZE,
  OFF_MASK,
  PACKED_DESC_SIZE,
  PACKED_MAX_SIZE,
  RING_EVENT_FLAGS_DESC,
  RING_EVENT_FLAGS_DISABLE,
  RING_EVENT_FLAGS_ENABLE,
  WRAP_SHIFT,
  advancePos,
  availFlags,
  encodeOffWrap,
  isUsed,
  packedNeedEvent,
  posSlot,
  posWrap,
  ringPos,
} from '../queue/packed/layout';
import { DESC_F_INDIRECT, DESC_F_NEXT, DESC_F_WRITE, type RingFeatures } from '../queue/types';
import { type RuleId } from '../rules';
import { type GuestAllocator } from './allocator';
import { BufferIds } from './packed/ids';
import { PACKED_PLACEMENT_FAULTS, canCommit, shapeList } from './packed/faults';
import { initDescRing, placeDescRing } from './packed/ring-init';
import {
  type AddOptions,
  type DeviceErrorReporter,
  type DriverBuffer,
  type DriverRing,
  type FaultPlan,
  type UsedBuffer,
} from './ring-types';

export interface PackedDriverRingOptions {
  /** Start position, next_off | next_wrap << 15 (default 0x8000: slot 0, wrap counter 1, §2.8.1). The
   *  offset is taken modulo the queue size. The device must be given the same value (setBase). */
  initialIndex?: number;
  /** Placement fault (packed-ring-misaligned, packed-ring-unmapped) committed when the ring is created;
   *  any other rule is armed as with injectFault(). A misplaced ring is for validate() tests only. */
  fault?: FaultPlan;
}

interface Pending {
  /** Guest address of the head descriptor's flags, and the flags to write there at publish(). */
  at: number;
  flags: number;
  /** Position after the list. */
  end: number;
  slots: number;
  id: number;
  modifyAfterPublish: boolean;
}

export class PackedDriverRing implements DriverRing {
  readonly layout: RingLayout = 'packed';
  readonly descAddr: number;
  readonly driverAddr: number;
  readonly deviceAddr: number;

  /** Where the next list goes, the end of the published lists, and the next used descriptor to read. */
  private nextPos: number;
  private publishedPos: number;
  private usedPos: number;
  private freeSlots: number;
  private readonly ids: BufferIds;
  // Per buffer id (Linux desc_state[]): ring slots (0: not outstanding), token, buffers, writable bytes,
  // indirect table address (0: none), published yet.
  private readonly slotsOf: Int32Array;
  private readonly tokenOf: Float64Array;
  private readonly writableOf: Float64Array;
  private readonly tableOf: Float64Array;
  private readonly publishedOf: Uint8Array;
  private readonly buffersOf: (DriverBuffer[] | undefined)[];
  /** IN_ORDER: ids in the order they were added, for batched used descriptors (§2.8.8). */
  private readonly addOrder: Int32Array;
  private orderHead = 0;
  private orderCount = 0;
  private pending: Pending[] = [];
  private outstandingCount = 0;
  private nextToken = 1;
  /** Ring slots published since the last needsNotify() (Linux num_added). */
  private numAdded = 0;
  private interrupts = true;
  /** Set when the device returned something unusable: like Linux BAD_RING, stop harvesting. */
  private deviceBroken = false;
  /** writeDesc's staging area: the descriptor up to its flags. */
  private readonly descBytes = new Uint8Array(DESC_OFF_FLAGS);
  private readonly descScratch = new DataView(this.descBytes.buffer);

  private added = 0;
  /** Buffer id of the list added last (packed-id-in-flight repeats it). */
  private lastId = 0;
  private armed: { rule: RuleId; chain: number }[] = [];
  private badNotifyData = false;
  private forceNotify = false;
  private skipNotify = false;

  constructor(
    private readonly mem: GuestMemory,
    private readonly alloc: GuestAllocator,
    readonly size: number,
    readonly features: RingFeatures,
    private readonly report: DeviceErrorReporter,
    options: PackedDriverRingOptions = {},
  ) {
    if (!Number.isInteger(size) || size < 1 || size > PACKED_MAX_SIZE) throw new RangeError(`packed queue size ${size} (1..${PACKED_MAX_SIZE})`);
    const placement = options.fault && PACKED_PLACEMENT_FAULTS.has(options.fault.rule) ? options.fault.rule : undefined;
    const ring = placeDescRing(alloc, mem, size, placement);
    this.descAddr = ring.addr;
    // packed-ring-overlap: the driver event suppression structure on the ring's first descriptor.
    this.driverAddr = placement === 'packed-ring-overlap' ? ring.addr : alloc.alloc(EVENT_SIZE, 4);
    this.deviceAddr = alloc.alloc(EVENT_SIZE, 4);
    if (options.fault && !placement) this.injectFault(options.fault);

    const base = options.initialIndex ?? 1 << WRAP_SHIFT;
    const start = ringPos((base & OFF_MASK) % size, ((base >> WRAP_SHIFT) & 1) === 1, size);
    this.nextPos = this.publishedPos = this.usedPos = start;
    this.freeSlots = size;
    this.ids = new BufferIds(size, features.inOrder);
    this.slotsOf = new Int32Array(size);
    this.tokenOf = new Float64Array(size);
    this.writableOf = new Float64Array(size);
    this.tableOf = new Float64Array(size);
    this.publishedOf = new Uint8Array(size);
    this.buffersOf = new Array<DriverBuffer[] | undefined>(size);
    this.addOrder = new Int32Array(features.inOrder ? size : 0);

    initDescRing(mem, ring, size, start);
    mem.fill(this.driverAddr, EVENT_SIZE, 0);
    mem.fill(this.deviceAddr, EVENT_SIZE, 0);
  }

  get outstanding(): number {
    return this.outstandingCount;
  }

  freeCount(): number {
    return this.freeSlots;
  }

  add(buffers: DriverBuffer[], options?: AddOptions): number | null {
    if (buffers.length === 0) throw new RangeError('add() needs at least one buffer');
    let seenWrite = false;
    for (const b of buffers) {
      if (!(b.len > 0)) throw new RangeError(`buffer of ${b.len} bytes (inject packed-desc-zero-length to send one)`);
      if (b.write) seenWrite = true;
      else if (seenWrite) throw new RangeError('readable buffer after a writable one (inject packed-write-before-read to send one)');
    }
    const fault = this.armed.length === 0 ? undefined : this.armed.find((a) => a.chain === this.added)?.rule;
    // §2.8.17: an indirect table is a list too, so it may not hold more than the queue size.
    const wantIndirect = (options?.indirect ?? false) && this.features.indirect && buffers.length <= this.size;
    // Without a fault the list is the buffers as given (shapeList only reshapes for a fault).
    const shaped =
      fault === undefined
        ? { entries: buffers, indirect: wantIndirect, tooLong: false, wrongWrap: false }
        : shapeList(
            fault,
            buffers.map((b) => ({ addr: b.addr, len: b.len, write: b.write })),
            wantIndirect,
            this.mem,
            this.descAddr,
          );
    const { entries, tooLong, wrongWrap } = shaped;
    let indirect = shaped.indirect;
    const indirectNext = indirect && fault === 'packed-indirect-in-chain';
    let slots = tooLong ? this.freeSlots : indirect ? (indirectNext ? 2 : 1) : entries.length;
    if (slots < 1 || slots > this.freeSlots || this.ids.free === 0) return null;

    let table = 0;
    const tableLen = entries.length * PACKED_DESC_SIZE;
    if (indirect) {
      try {
        // 16 spare bytes: packed-indirect-bad-length claims 8 more than the table holds.
        table = this.alloc.alloc(tableLen + 16, 16);
      } catch {
        if (fault !== undefined || entries.length > this.freeSlots) return null;
        indirect = false; // like Linux on -ENOMEM: fall back to direct descriptors
        slots = entries.length;
      }
    }

    if (this.armed.length > 0) this.armed = this.armed.filter((a) => a.chain !== this.added);
    this.added++;
    const head = this.nextPos;
    // packed-id-in-flight: the id of the list added last, which the device has not returned (its bookkeeping is lost).
    const id =
      fault === 'packed-in-order-violation'
        ? this.outOfOrderId(posSlot(head, this.size))
        : fault === 'packed-id-in-flight' && this.outstandingCount > 0
          ? this.lastId
          : this.ids.take();
    this.lastId = id;
    const mem = this.mem;
    let headFlags: number;
    let writable = 0;
    if (indirect) {
      for (let j = 0; j < entries.length; j++) {
        const e = entries[j]!;
        const at = table + j * PACKED_DESC_SIZE;
        mem.writeU64(at + DESC_OFF_ADDR, e.addr);
        mem.writeU32(at + DESC_OFF_LEN, e.len);
        mem.writeU16(at + DESC_OFF_ID, 0);
        mem.writeU16(at + DESC_OFF_FLAGS, (e.write ? DESC_F_WRITE : 0) | (fault === 'packed-indirect-flags' && j === 0 ? DESC_F_NEXT : 0));
        if (e.write) writable += e.len;
      }
      const len = tableLen + (fault === 'packed-indirect-bad-length' ? 8 : 0);
      headFlags = availFlags(posWrap(head, this.size)) | DESC_F_INDIRECT | (indirectNext ? DESC_F_NEXT : 0);
      this.writeDesc(head, table, len, id);
      if (indirectNext) {
        const e = entries[entries.length - 1]!;
        const second = advancePos(head, 1, this.size);
        this.writeFlags(second, availFlags(posWrap(second, this.size)) | (e.write ? DESC_F_WRITE : 0));
        this.writeDesc(second, e.addr, e.len, id);
      }
    } else {
      headFlags = 0;
      let pos = head;
      for (let i = 0; i < slots; i++) {
        const e = tooLong ? entries[0]! : entries[i]!;
        const wrap = posWrap(pos, this.size);
        const flags =
          availFlags(wrongWrap && i === 1 ? !wrap : wrap) | (i < slots - 1 || tooLong ? DESC_F_NEXT : 0) | (e.write ? DESC_F_WRITE : 0);
        // Linux: every flags word but the head's is written right away; the head's at publish time.
        if (i === 0) headFlags = flags;
        else this.writeFlags(pos, flags);
        this.writeDesc(pos, e.addr, e.len, id);
        if (e.write) writable += e.len;
        pos = advancePos(pos, 1, this.size);
      }
    }

    const token = this.nextToken++;
    this.slotsOf[id] = slots;
    this.tokenOf[id] = token;
    this.writableOf[id] = writable;
    this.tableOf[id] = indirect ? table : 0;
    this.publishedOf[id] = 0;
    this.buffersOf[id] = buffers;
    if (this.features.inOrder) {
      this.addOrder[(this.orderHead + this.orderCount) % this.size] = id;
      this.orderCount++;
    }
    this.nextPos = advancePos(head, slots, this.size);
    this.freeSlots -= slots;
    this.outstandingCount++;
    this.pending.push({
      at: this.descAddr + posSlot(head, this.size) * PACKED_DESC_SIZE + DESC_OFF_FLAGS,
      flags: headFlags,
      end: this.nextPos,
      slots,
      id,
      modifyAfterPublish: fault === 'packed-published-desc-modified',
    });
    if (fault === 'packed-event-flags-invalid') mem.writeU16(this.driverAddr + EVENT_OFF_FLAGS, 3);
    if (fault === 'packed-notify-data-mismatch') this.badNotifyData = true;
    if (fault === 'packed-notify-suppressed') this.forceNotify = true;
    if (fault === 'packed-notify-missing') this.skipNotify = true;
    return token;
  }

  private writeDesc(pos: number, addr: number, len: number, id: number): void {
    const at = this.descAddr + posSlot(pos, this.size) * PACKED_DESC_SIZE;
    if (addr >= 0 && Number.isSafeInteger(addr) && len >= 0 && len <= 0xffff_ffff && Number.isInteger(len)) {
      // addr, len and id as one 14-byte store: one bounds check, one call of the write watchers.
      const d = this.descScratch;
      d.setUint32(DESC_OFF_ADDR, addr >>> 0, true);
      d.setUint32(DESC_OFF_ADDR + 4, Math.floor(addr / 0x1_0000_0000), true);
      d.setUint32(DESC_OFF_LEN, len, true);
      d.setUint16(DESC_OFF_ID, id, true);
      this.mem.write(at, this.descBytes);
      return;
    }
    this.mem.writeU64(at + DESC_OFF_ADDR, addr);
    this.mem.writeU32(at + DESC_OFF_LEN, len);
    this.mem.writeU16(at + DESC_OFF_ID, id);
  }

  private writeFlags(pos: number, flags: number): void {
    this.mem.writeU16(this.descAddr + posSlot(pos, this.size) * PACKED_DESC_SIZE + DESC_OFF_FLAGS, flags);
  }

  /** A free id that is neither the next in-order id nor the head slot (Linux's in-order convention). */
  private outOfOrderId(headSlot: number): number {
    const next = this.ids.peek();
    const pick = this.ids.list(4).find((x) => x !== next && x !== headSlot);
    return pick !== undefined && this.ids.takeSpecific(pick) ? pick : this.ids.take();
  }

  /** §2.8.21.1: make the lists available by writing their head flags, after the rest (the barrier). */
  publish(): void {
    const pending = this.pending;
    if (pending.length === 0) return;
    this.pending = [];
    for (const p of pending) {
      this.mem.writeU16(p.at, p.flags);
      this.publishedOf[p.id] = 1;
      this.publishedPos = p.end;
      this.numAdded += p.slots;
    }
    for (const p of pending) {
      // Fault: touch the head descriptor after exposing it (same value: the list stays usable).
      if (p.modifyAfterPublish) {
        const addrAt = p.at - DESC_OFF_FLAGS + DESC_OFF_ADDR;
        this.mem.writeU64(addrAt, this.mem.readU64Big(addrAt));
      }
    }
  }

  /** virtqueue_kick_prepare_packed: DISABLE → no; ENABLE → yes; DESC → did the published range cross it? */
  needsNotify(): boolean {
    const added = this.numAdded;
    this.numAdded = 0;
    if (this.forceNotify) {
      this.forceNotify = false;
      return true;
    }
    if (added === 0) return false;
    if (this.skipNotify) {
      this.skipNotify = false;
      return false;
    }
    const offWrap = this.mem.readU16(this.deviceAddr + EVENT_OFF_DESC);
    const flags = this.mem.readU16(this.deviceAddr + EVENT_OFF_FLAGS);
    if (flags !== RING_EVENT_FLAGS_DESC) return flags !== RING_EVENT_FLAGS_DISABLE;
    return packedNeedEvent(offWrap, this.publishedPos, added, this.size);
  }

  notificationData(): number {
    const data = encodeOffWrap(this.publishedPos, this.size);
    if (!this.badNotifyData) return data;
    this.badNotifyData = false;
    // Fault: one slot further than the truth (or the other wrap counter when the ring has one slot).
    return this.size > 1 ? encodeOffWrap(advancePos(this.publishedPos, 1, this.size), this.size) : data ^ (1 << WRAP_SHIFT);
  }

  /** virtqueue_get_buf_ctx_packed: used descriptors have AVAIL == USED == the driver's used wrap counter. */
  harvest(): UsedBuffer[] {
    const out: UsedBuffer[] = [];
    if (this.deviceBroken) return out;
    const mem = this.mem;
    const size = this.size;
    while (this.outstandingCount > 0) {
      const slot = posSlot(this.usedPos, size);
      const at = this.descAddr + slot * PACKED_DESC_SIZE;
      const flags = mem.readU16(at + DESC_OFF_FLAGS);
      if (!isUsed(flags, posWrap(this.usedPos, size))) break;
      const id = mem.readU16(at + DESC_OFF_ID);
      const len = flags & DESC_F_WRITE ? mem.readU32(at + DESC_OFF_LEN) : 0;
      if (id >= size || this.slotsOf[id] === 0 || !this.publishedOf[id]) {
        this.report(
          'packed-used-id-invalid',
          `used descriptor at slot ${slot} has buffer id ${id}, ` +
            (id >= size ? `out of range (queue size ${size})` : 'which is not a buffer the driver made available'),
        );
        this.deviceBroken = true;
        break;
      }
      if (!this.features.inOrder) {
        out.push(this.complete(id, len, slot));
        continue;
      }
      // §2.8.8: one used descriptor may stand for a batch ending with this id.
      while (this.orderCount > 0) {
        const x = this.addOrder[this.orderHead]!;
        this.orderHead = (this.orderHead + 1) % size;
        this.orderCount--;
        out.push(this.complete(x, x === id ? len : this.writableOf[x]!, slot));
        if (x === id) break;
      }
    }
    // With EVENT_IDX and interrupts on, ask for an interrupt at the next used descriptor (Linux does the same).
    if (this.interrupts && this.features.eventIdx && out.length) {
      mem.writeU16(this.driverAddr + EVENT_OFF_DESC, encodeOffWrap(this.usedPos, size));
    }
    return out;
  }

  private complete(id: number, len: number, slot: number): UsedBuffer {
    const writable = this.writableOf[id]!;
    if (len > writable) {
      this.report(
        'packed-used-len-exceeds-buffer',
        `used descriptor at slot ${slot} for buffer id ${id} reports len ${len}, but the buffer has only ${writable} device-writable bytes`,
      );
      len = writable;
    }
    const used: UsedBuffer = { token: this.tokenOf[id]!, len, buffers: this.buffersOf[id] ?? [] };
    const slots = this.slotsOf[id]!;
    this.usedPos = advancePos(this.usedPos, slots, this.size);
    this.freeSlots += slots;
    this.outstandingCount--;
    const table = this.tableOf[id]!;
    if (table) this.alloc.release(table);
    this.slotsOf[id] = 0;
    this.tableOf[id] = 0;
    this.buffersOf[id] = undefined;
    this.ids.release(id);
    return used;
  }

  /** Driver event suppression (§2.8.10): DISABLE, or ENABLE / DESC at the next used descriptor with EVENT_IDX. */
  setInterrupts(enabled: boolean): void {
    this.interrupts = enabled;
    const mem = this.mem;
    if (!enabled) {
      mem.writeU16(this.driverAddr + EVENT_OFF_FLAGS, RING_EVENT_FLAGS_DISABLE);
    } else if (this.features.eventIdx) {
      mem.writeU16(this.driverAddr + EVENT_OFF_DESC, encodeOffWrap(this.usedPos, this.size));
      mem.writeU16(this.driverAddr + EVENT_OFF_FLAGS, RING_EVENT_FLAGS_DESC);
    } else {
      mem.writeU16(this.driverAddr + EVENT_OFF_FLAGS, RING_EVENT_FLAGS_ENABLE);
    }
  }

  injectFault(plan: FaultPlan): boolean {
    if (!canCommit(plan.rule, this.features)) return false;
    this.armed.push({ rule: plan.rule, chain: this.added + Math.max(0, plan.atChain ?? 0) });
    return true;
  }
}
