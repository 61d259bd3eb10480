/**
 * Device side of a packed virtqueue (VIRTIO 1.2 §2.8).
 *
 * Positions are kept as ring positions (layout.ts: slot and wrap counter folded into [0, 2·size)), so the
 * device's avail side (next descriptor to read, §2.8.1) and used side (next slot to write a used
 * descriptor, §2.8.2) advance with one addition each and flip their wrap counters at the ring end by
 * themselves. Slots between the used and the avail position belong to buffers the device has taken and
 * not yet returned; the driver owns everything else.
 */
import { type RingLayout } from '../../../protocol/trace';
import { isMemoryFault } from '../../memory';
import { type RuleId } from '../../rules';
import {
  type Chain,
  type ChainViolation,
  type DeviceVirtqueue,
  type PeekResult,
  type QueueConfig,
  type QueueContext,
  type UnnotifiedWork,
  type VirtqueueFactory,
  DESC_F_WRITE,
} from '../types';
import { inspectRing } from './inspect';
import {
  DESC_OFF_FLAGS,
  DESC_OFF_ID,
  DESC_OFF_LEN,
  EVENT_ALIGN,
  EVENT_OFF_DESC,
  EVENT_OFF_FLAGS,
  EVENT_SIZE,
  OFF_MASK,
  PACKED_DESC_SIZE,
  PACKED_MAX_SIZE,
  RING_ALIGN,
  RING_EVENT_FLAGS_DESC,
  RING_EVENT_FLAGS_DISABLE,
  RING_EVENT_FLAGS_ENABLE,
  WRAP_SHIFT,
  advancePos,
  encodeOffWrap,
  hex,
  packedNeedEvent,
  packedRingRanges,
  posDistance,
  posSlot,
  posWrap,
  ringPos,
  usedFlags,
} from './layout';
import { PublishedLists } from './published';
import { type WatchedQueue, WriteWatcher } from './write-watch';
import { PackedListWalker, WALK_LIST, WALK_NONE } from './walker';

export class PackedQueue implements DeviceVirtqueue, WatchedQueue {
  readonly layout: RingLayout = 'packed';
  private readonly size: number;
  /** Queue sizes outside 1..32768 are the device core's to report; such a queue stays inert. */
  private readonly usable: boolean;
  private readonly walker: PackedListWalker;
  /** Lists published beyond the avail position (shared with the write watcher). */
  readonly published: PublishedLists;

  private brokenRule: RuleId | undefined;
  private brokenMessage = '';
  /** Next descriptor the device reads / next slot it writes a used descriptor to (ring positions). */
  private availPos = 0;
  private _usedPos = 0;
  private inflightChains = 0;
  /** 1 for each buffer id the device took and has not returned (packed-id-in-flight); ids are le16. */
  private readonly idInFlight = new Uint8Array(0x10000);
  /** Ring slots of taken, not yet returned lists: always posDistance(usedPos, availPos). */
  private _inflightSlots = 0;
  /** Used slots written since the last shouldNotify(). */
  private pushedSlots = 0;
  /** Buffer id of the last list taken, for the IN_ORDER check; -1 when there is no reference. */
  private inOrderPrev: number;
  private enabled = true;
  private eventFlagsReported = false;
  /** Lists published up to here needed no notification (notified, or published while suppressed). */
  private excusedEnd = 0;
  private excusedStuck = false;
  /** Where the last packed-notify-missing was reported (once per position). */
  private missReportedAt: number | undefined;
  private selfWrite = false;
  private readonly watcher: WriteWatcher | undefined;

  constructor(
    private readonly ctx: QueueContext,
    readonly config: QueueConfig,
  ) {
    this.size = config.size;
    this.usable = Number.isInteger(config.size) && config.size >= 1 && config.size <= PACKED_MAX_SIZE;
    this.walker = new PackedListWalker(ctx.mem, {
      size: config.size,
      desc: config.desc,
      features: config.features,
      rings: packedRingRanges(config.desc, config.driver, config.device, this.usable ? config.size : 1),
    });
    this.published = new PublishedLists(this.walker, config.size);
    // §2.8.8 leaves ids to the driver; a fresh ring starts at id 0 (or the head slot, Linux's convention).
    this.inOrderPrev = config.size - 1;
    if (config.watchWrites && this.usable) this.watcher = new WriteWatcher(ctx.mem, ctx, this, config.desc, config.size);
  }

  get broken(): RuleId | undefined {
    return this.brokenRule;
  }
  get inflight(): number {
    return this.inflightChains;
  }
  get notificationsEnabled(): boolean {
    return this.enabled;
  }

  // WatchedQueue (write-watch.ts)
  get quiet(): boolean {
    return this.selfWrite || this.brokenRule !== undefined;
  }
  get usedIndex(): number {
    return posSlot(this._usedPos, this.size);
  }

  get usedPos(): number {
    return this._usedPos;
  }
  get inflightSlots(): number {
    return this._inflightSlots;
  }

  /** §2.8.11 alignment, the whole ring and both event structures in guest memory, and no two of them overlapping. */
  validate(): boolean {
    if (!this.usable) return false;
    const { desc, driver, device } = this.config;
    const misaligned: string[] = [];
    if (desc % RING_ALIGN !== 0) misaligned.push(`descriptor ring at ${hex(desc)} (needs ${RING_ALIGN})`);
    if (driver % EVENT_ALIGN !== 0) misaligned.push(`driver event suppression at ${hex(driver)} (needs ${EVENT_ALIGN})`);
    if (device % EVENT_ALIGN !== 0) misaligned.push(`device event suppression at ${hex(device)} (needs ${EVENT_ALIGN})`);
    if (misaligned.length) {
      this.fail('packed-ring-misaligned', `packed ring misaligned: ${misaligned.join('; ')}`);
      return false;
    }
    const mem = this.ctx.mem;
    const ringBytes = this.size * PACKED_DESC_SIZE;
    const unmapped: string[] = [];
    if (!mem.isValid(desc, ringBytes)) unmapped.push(`descriptor ring ${hex(desc)}..+${ringBytes}`);
    if (!mem.isValid(driver, EVENT_SIZE)) unmapped.push(`driver event suppression ${hex(driver)}..+${EVENT_SIZE}`);
    if (!mem.isValid(device, EVENT_SIZE)) unmapped.push(`device event suppression ${hex(device)}..+${EVENT_SIZE}`);
    if (unmapped.length) {
      this.fail('packed-ring-unmapped', `not in guest memory: ${unmapped.join('; ')}`);
      return false;
    }
    const overlap = packedRingRanges(desc, driver, device, this.size).overlap();
    if (overlap) {
      this.fail('packed-ring-overlap', `${overlap}: each part needs its own memory`);
      return false;
    }
    return true;
  }

  available(): number {
    if (this.brokenRule !== undefined || !this.usable) return 0;
    this.published.extend(this.usedPos);
    return this.published.count + (this.published.stuck ? 1 : 0);
  }

  pop(): Chain | null {
    if (this.brokenRule !== undefined || !this.usable) return null;
    const w = this.walker;
    const r = w.decode(this.availPos, this.size - this.inflightSlots, this.config.features.inOrder ? this.inOrderPrev : -1);
    if (r === WALK_NONE) {
      // A list we saw published is gone: the driver took it back (the watcher reports that when enabled).
      if (this.published.count > 0) this.published.reset(this.availPos);
      return null;
    }
    if (r !== WALK_LIST) {
      this.fail(w.rule, w.message, w.index);
      return null;
    }
    const chain = w.chain!;
    w.chain = null;
    if (chain.violations && this.config.strict) {
      const v = chain.violations[0]!;
      this.fail(v.rule, v.message, v.index ?? chain.head);
      return null;
    }
    if (this.idInFlight[chain.id]) {
      const p = idInFlight(chain);
      this.fail(p.rule, p.message, p.index);
      return null;
    }
    this.idInFlight[chain.id] = 1;
    const size = this.size;
    this.availPos = w.end;
    this._inflightSlots += chain.ringSlots;
    this.inflightChains++;
    this.inOrderPrev = chain.id;
    this.watcher?.moved();
    this.published.consumed(this.availPos, this.usedPos);
    if (posDistance(this.usedPos, this.excusedEnd, size) < this.inflightSlots) {
      this.excusedEnd = this.availPos;
      this.excusedStuck = false;
    }
    // Servable breaches last: the report may stop the debugger, which then holds this chain.
    if (chain.violations) for (const v of chain.violations) this.ctx.violation(v.rule, v.message, v.index);
    return chain;
  }

  peek(max: number): PeekResult {
    const chains: Chain[] = [];
    if (!this.usable) return { chains };
    if (this.brokenRule !== undefined) {
      return { chains, problem: { rule: this.brokenRule, message: `queue stopped: ${this.brokenMessage}` } };
    }
    const w = this.walker;
    const inOrder = this.config.features.inOrder;
    let pos = this.availPos;
    let budget = this.size - this.inflightSlots;
    let prev = this.inOrderPrev;
    // Ids of this view so far: a set, not a scan of `chains` (net receive peeks a whole ring at each kick).
    const ids = new Set<number>();
    while (chains.length < max) {
      const r = w.decode(pos, budget, inOrder ? prev : -1);
      if (r === WALK_NONE) break;
      if (r !== WALK_LIST) return { chains, problem: { rule: w.rule, message: w.message, index: w.index } };
      const chain = w.chain!;
      w.chain = null;
      // pop() refuses an id the device holds, or one an earlier list of this view will hold by then.
      if (this.idInFlight[chain.id] || ids.has(chain.id)) return { chains, problem: idInFlight(chain) };
      ids.add(chain.id);
      chains.push(chain);
      budget -= chain.ringSlots;
      pos = w.end;
      prev = chain.id;
    }
    return { chains };
  }

  /** §2.8.21.3: id and len first, then AVAIL = USED = used wrap counter (WRITE when len is meaningful). */
  pushUsed(chain: Chain, len: number): void {
    if (!this.usable) return;
    const size = this.size;
    const slot = posSlot(this.usedPos, size);
    const at = this.config.desc + slot * PACKED_DESC_SIZE;
    const mem = this.ctx.mem;
    const slots = Math.max(1, chain.ringSlots);
    this.selfWrite = true;
    try {
      mem.writeU16(at + DESC_OFF_ID, chain.id);
      mem.writeU32(at + DESC_OFF_LEN, len >>> 0);
      mem.writeU16(at + DESC_OFF_FLAGS, usedFlags(posWrap(this.usedPos, size)) | (chain.writableBytes > 0 ? DESC_F_WRITE : 0));
    } catch (e) {
      if (!isMemoryFault(e)) throw e;
      this.fail('packed-ring-unmapped', `cannot write the used descriptor at slot ${slot} (${hex(at)}): ${e.message}`, slot);
      return;
    } finally {
      this.selfWrite = false;
    }
    this._usedPos = advancePos(this.usedPos, slots, size);
    this.idInFlight[chain.id & 0xffff] = 0;
    this.pushedSlots += slots;
    this.watcher?.moved();
    if (this.inflightChains > 0) this.inflightChains--;
    if (slots <= this.inflightSlots) {
      this._inflightSlots -= slots;
    } else {
      // A chain this ring position never handed out (e.g. taken before setBase()): keep used <= avail.
      this._inflightSlots = 0;
      this.availPos = this._usedPos;
      this.published.reset(this.usedPos);
      this.excusedEnd = this.usedPos;
    }
  }

  /** §2.8.10: the driver event suppression structure decides; DESC compares like virtqueue_kick_prepare_packed. */
  shouldNotify(): boolean {
    if (this.pushedSlots === 0 || !this.usable) return false;
    const pushed = this.pushedSlots;
    this.pushedSlots = 0;
    const addr = this.config.driver;
    let offWrap: number;
    let flags: number;
    try {
      // The used descriptors just stored must be visible before the driver's event structure is loaded.
      this.ctx.mem.fence();
      offWrap = this.ctx.mem.readU16(addr + EVENT_OFF_DESC);
      flags = this.ctx.mem.readU16(addr + EVENT_OFF_FLAGS);
    } catch (e) {
      if (!isMemoryFault(e)) throw e;
      this.fail('packed-ring-unmapped', `driver event suppression at ${hex(addr)} is not in guest memory: ${e.message}`);
      return false;
    }
    if (flags === RING_EVENT_FLAGS_DISABLE) return false;
    if (flags === RING_EVENT_FLAGS_DESC && this.config.features.eventIdx) {
      return packedNeedEvent(offWrap, this.usedPos, pushed, this.size);
    }
    if (flags !== RING_EVENT_FLAGS_ENABLE && !this.eventFlagsReported) {
      this.eventFlagsReported = true;
      this.ctx.violation(
        'packed-event-flags-invalid',
        flags === RING_EVENT_FLAGS_DESC
          ? `driver event suppression flags are RING_EVENT_FLAGS_DESC (2) but VIRTIO_F_EVENT_IDX was not negotiated; treated as ENABLE`
          : `driver event suppression flags are ${flags} (${hex(flags)}), not ENABLE (0), DISABLE (1) or DESC (2); treated as ENABLE`,
      );
    }
    return true;
  }

  setNotifications(enabled: boolean): void {
    if (!this.usable) return;
    this.enabled = enabled;
    const addr = this.config.device;
    this.selfWrite = true;
    try {
      this.ctx.mem.writeU16(addr + EVENT_OFF_FLAGS, enabled ? RING_EVENT_FLAGS_ENABLE : RING_EVENT_FLAGS_DISABLE);
    } catch (e) {
      if (!isMemoryFault(e)) throw e;
      this.fail('packed-ring-unmapped', `device event suppression at ${hex(addr)} is not in guest memory: ${e.message}`);
      return;
    } finally {
      this.selfWrite = false;
    }
    // Re-enabled: the flag store must be visible before the ring is checked again for work.
    if (enabled) this.ctx.mem.fence();
    // Whatever the driver published while notifications were off needed no notification.
    if (enabled) this.excuse();
  }

  onNotify(data?: number): void {
    if (!this.usable) return;
    const { synchronousNotify, features } = this.config;
    if (synchronousNotify && !this.enabled) {
      this.ctx.violation(
        'packed-notify-suppressed',
        `driver notified queue ${this.config.name} while the device event suppression structure says RING_EVENT_FLAGS_DISABLE`,
      );
    }
    this.published.extend(this.usedPos);
    if (features.notificationData && data !== undefined && !this.published.stuck) this.checkNotifyData(data);
    this.excuse();
  }

  /** §2.9 / P5: next_off | next_wrap << 15 names the next descriptor the driver will make available. */
  private checkNotifyData(data: number): void {
    const size = this.size;
    const end = this.published.end;
    const expected = encodeOffWrap(end, size);
    let ok: boolean;
    if (this.config.synchronousNotify) ok = data === expected;
    else {
      // Asynchronous transports: the driver may have published more since; any position between the
      // device's used position and the published end is plausible.
      const off = data & OFF_MASK;
      ok = data >= 0 && data <= 0xffff && off < size &&
        posDistance(this.usedPos, ringPos(off, data >> WRAP_SHIFT === 1, size), size) <= posDistance(this.usedPos, end, size);
    }
    if (!ok) {
      this.ctx.violation(
        'packed-notify-data-mismatch',
        `notification data ${hex(data)} (next_off ${data & OFF_MASK}, next_wrap ${(data >> WRAP_SHIFT) & 1}) does not match ` +
          `the next descriptor the driver will make available: slot ${posSlot(end, size)}, wrap ${posWrap(end, size) ? 1 : 0} (${hex(expected)})`,
        posSlot(end, size),
      );
    }
  }

  private excuse(): void {
    this.published.extend(this.usedPos);
    this.excusedEnd = this.published.end;
    this.excusedStuck = this.published.stuck;
  }

  /** True (and reports packed-notify-missing once per position) when published lists wait that needed a notification. */
  missedNotification(): boolean {
    const work = this.unnotified();
    if (work && this.missReportedAt !== work.at) {
      this.missReportedAt = work.at;
      this.ctx.violation('packed-notify-missing', `${work.detail}, but the driver did not notify ${this.config.name}`);
    }
    return work !== undefined;
  }

  private owesNotification(): boolean {
    if (!this.usable || this.brokenRule !== undefined || !this.enabled) return false;
    const p = this.published;
    p.extend(this.usedPos);
    const size = this.size;
    const ahead = posDistance(this.usedPos, p.end, size) > posDistance(this.usedPos, this.excusedEnd, size);
    return ahead || (p.stuck && p.end === this.excusedEnd && !this.excusedStuck);
  }

  unnotified(): UnnotifiedWork | undefined {
    if (!this.owesNotification()) return undefined;
    const size = this.size;
    const end = this.published.end;
    return {
      at: encodeOffWrap(end, size),
      detail:
        `descriptors made available up to slot ${posSlot(end, size)} (wrap ${posWrap(end, size) ? 1 : 0}), the device at slot ${posSlot(this.availPos, size)}, ` +
        'while the device event suppression structure says RING_EVENT_FLAGS_ENABLE',
    };
  }

  dispose(): void {
    this.watcher?.dispose();
  }

  getBase(): number {
    return this.usable ? encodeOffWrap(this.availPos, this.size) : 0;
  }

  setBase(base: number): void {
    if (!this.usable) return;
    const size = this.size;
    const pos = ringPos((base & OFF_MASK) % size, ((base >> WRAP_SHIFT) & 1) === 1, size);
    this.availPos = pos;
    this._usedPos = pos;
    this.inflightChains = 0;
    this.idInFlight.fill(0);
    this._inflightSlots = 0;
    this.pushedSlots = 0;
    this.inOrderPrev = -1;
    this.eventFlagsReported = false;
    this.watcher?.moved();
    this.published.reset(pos);
    this.excusedEnd = pos;
    this.excusedStuck = false;
  }

  inspect(withRing: boolean, maxEntries?: number): ReturnType<DeviceVirtqueue['inspect']> {
    const { index, name, desc, driver, device, features } = this.config;
    const size = this.size;
    return {
      index,
      name,
      layout: 'packed',
      size,
      ...(this.brokenRule !== undefined ? { broken: this.brokenRule } : {}),
      desc: hex(desc),
      driver: hex(driver),
      device: hex(device),
      lastAvail: this.usable ? posSlot(this.availPos, size) : 0,
      usedIdx: this.usable ? posSlot(this.usedPos, size) : 0,
      availWrap: this.usable ? posWrap(this.availPos, size) : true,
      usedWrap: this.usable ? posWrap(this.usedPos, size) : true,
      pending: this.countPending(),
      inflight: this.inflightChains,
      eventIdx: features.eventIdx,
      notificationsEnabled: this.enabled,
      ...(withRing && this.usable
        ? { ring: inspectRing(this.ctx.mem, desc, driver, device, Math.max(0, Math.min(size, maxEntries ?? size))) }
        : {}),
    };
  }

  /** Complete lists published and not taken (the incremental walk: cheap enough for every trace event). */
  private countPending(): number {
    if (!this.usable || this.brokenRule !== undefined) return 0;
    this.published.extend(this.usedPos);
    return this.published.count;
  }

  private fail(rule: RuleId, message: string, index?: number): void {
    this.brokenRule = rule;
    this.brokenMessage = message;
    this.ctx.violation(rule, message, index);
  }
}

function idInFlight(chain: Chain): ChainViolation {
  return {
    rule: 'packed-id-in-flight',
    message: `the list at slot ${chain.head} has buffer id ${chain.id}, which belongs to a list the device took and has not returned yet`,
    index: chain.head,
  };
}

export const createPackedQueue: VirtqueueFactory = (ctx, config) => new PackedQueue(ctx, config);
