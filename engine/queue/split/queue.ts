/**
 * Device side of a split virtqueue (VIRTIO 1.2 §2.7), modelled on QEMU's virtqueue_split_pop /
 * virtqueue_flush / virtio_split_should_notify, with every driver mistake turned into a violation
 * with a rule id instead of a hang or an exception.
 */
import { type QueueSnapshot } from '../../../protocol/snapshot';
import { isMemoryFault } from '../../memory';
import { type RuleId } from '../../rules';
import { u16, vringNeedEvent } from '../event-idx';
import { type Chain, type DeviceVirtqueue, type PeekCursor, type PeekResult, type QueueConfig, type QueueContext, type UnnotifiedWork } from '../types';
import { hex, SplitChainWalker, type WalkProblem } from './chain-walker';
import { inspectSplitRing } from './inspect';
import { checkPlacement, judgeAvailFlags, judgeAvailIdx } from './checks';
import { SplitRingView, VIRTQ_AVAIL_F_NO_INTERRUPT, VIRTQ_USED_F_NO_NOTIFY } from './layout';
import { SplitWriteWatch } from './write-watch';

/** Largest split queue size (§2.7: Queue Size is a power of 2 up to 32768). */
const MAX_SPLIT_SIZE = 32768;

/** (int16_t) cast, for QEMU's signalled_used wrap check. */
function s16(x: number): number {
  return (x << 16) >> 16;
}

export class SplitQueue implements DeviceVirtqueue {
  readonly layout = 'split' as const;
  private readonly view: SplitRingView;
  private readonly walker: SplitChainWalker;
  private readonly size: number;
  private readonly usable: boolean;
  private readonly watch: SplitWriteWatch | undefined;

  private brokenRule: RuleId | undefined;
  /** Next avail index the device reads (free-running u16). */
  private lastAvailIdx = 0;
  /** Last avail.idx value accepted (QEMU shadow_avail_idx): pop() only re-reads avail.idx when it caught up. */
  private shadowAvailIdx = 0;
  private usedIdx = 0;
  private signalledUsed = 0;
  private signalledUsedValid = false;
  private pushedSinceSignal = false;
  private inflightChains = 0;
  /** 1 for each head the device took and has not returned (split-head-in-flight). */
  private readonly headInFlight: Uint8Array;
  /** The device wrote used.idx since the queue was set up (or setBase): guest memory must still hold usedIdx. */
  private usedIdxWritten = false;
  private notifyOn = true;
  private availFlagsReported = false;
  /** IN_ORDER: head the next chain must start at; -1 when unknown (after setBase). */
  private expectedHead = 0;
  /** avail.idx at the previous driver notification (suppression judging, §2.7.10). */
  private availIdxAtNotify = 0;
  /** Since when a notification may be owed: the last notification, avail_event update or enable. */
  private checkedIdx = 0;
  private missReportedAt = -1;

  constructor(
    private readonly ctx: QueueContext,
    readonly config: QueueConfig,
  ) {
    const size = config.size;
    this.usable = Number.isInteger(size) && size >= 1 && size <= MAX_SPLIT_SIZE;
    this.size = this.usable ? size : 1;
    this.view = new SplitRingView(ctx.mem, config.desc, config.driver, config.device, this.size);
    this.walker = new SplitChainWalker(ctx.mem, this.view, config.features);
    this.headInFlight = new Uint8Array(this.size);
    if (this.usable && config.watchWrites) {
      this.watch = new SplitWriteWatch(ctx.mem, this.view, {
        lastAvail: () => this.lastAvailIdx,
        stopped: () => this.brokenRule !== undefined,
        report: (message, index) => this.ctx.violation('split-published-desc-modified', message, index),
      });
    }
  }

  get broken(): RuleId | undefined {
    return this.brokenRule;
  }
  get inflight(): number {
    return this.inflightChains;
  }
  get usedIndex(): number {
    return this.usedIdx;
  }

  get notificationsEnabled(): boolean {
    return this.notifyOn;
  }

  /** §2.7: alignment (S1), every part mapped for its full size, used.flags initialised to 0 (S14). */
  validate(): boolean {
    if (!this.usable || this.brokenRule) return false;
    const c = this.config;
    const problem = checkPlacement(this.ctx.mem, c.desc, c.driver, c.device, this.size);
    if (problem) {
      this.stop({ rule: problem.rule, message: `${c.name}: ${problem.message}` });
      return false;
    }
    // Not fatal: the device owns used.flags and the ring works; the driver's kicks may not.
    const flags = this.view.usedFlags();
    if (flags !== 0) {
      this.ctx.violation('split-used-flags-not-zero', `${c.name}: used.flags is ${hex(flags)} when the queue is enabled; the driver must initialise it to 0`);
    }
    return true;
  }

  available(): number {
    if (!this.usable || this.brokenRule) return 0;
    let idx: number;
    try {
      idx = this.view.availIdx();
      if (!this.availFlagsReported) this.judgeAvailFlags(this.view.availFlags());
    } catch (e) {
      return this.memoryFault(e);
    }
    const problem = judgeAvailIdx(idx, this.lastAvailIdx, this.shadowAvailIdx, this.size);
    if (problem) {
      this.stop(problem);
      return 0;
    }
    this.shadowAvailIdx = idx;
    return u16(idx - this.lastAvailIdx);
  }

  pop(): Chain | null {
    if (!this.usable || this.brokenRule) return null;
    if (this.shadowAvailIdx === this.lastAvailIdx && this.available() === 0) return null;
    const position = this.lastAvailIdx;
    const chain = this.walker.walkAt(position, this.config.features.inOrder ? this.expectedHead : -1);
    if (!chain) {
      this.stop(this.walker.problem!);
      return null;
    }
    if (chain.violations && this.config.strict) {
      this.stop(chain.violations[0]!);
      return null;
    }
    if (this.headInFlight[chain.head]) {
      this.stop(this.headInFlightProblem(chain));
      return null;
    }
    this.headInFlight[chain.head] = 1;
    this.lastAvailIdx = u16(position + 1);
    this.inflightChains++;
    if (this.config.features.inOrder) this.expectedHead = (chain.head + chain.ringSlots) % this.size;
    if (this.config.features.eventIdx && this.notifyOn) {
      // As QEMU: ask for a notification when the driver publishes the next index.
      // Chains published before this write owe no notification for it. Caught up with the index it
      // knows, the device reads the current one (once per batch) so late publishes count as "before".
      try {
        this.view.setAvailEvent(this.lastAvailIdx);
        this.checkedIdx = this.lastAvailIdx === this.shadowAvailIdx ? this.view.availIdx() : this.shadowAvailIdx;
      } catch (e) {
        this.memoryFault(e);
        return null;
      }
    }
    this.watch?.popped(chain);
    // Servable breaches last: the report may stop the debugger, which then holds this chain.
    if (chain.violations) for (const v of chain.violations) this.ctx.violation(v.rule, v.message, v.index);
    return chain;
  }

  peek(max: number, from?: PeekCursor): PeekResult {
    const chains: Chain[] = [];
    if (!this.usable) return { chains };
    if (this.brokenRule) {
      return { chains, problem: { rule: this.brokenRule, message: `${this.config.name} is stopped by ${this.brokenRule} until it is reset` } };
    }
    let idx: number;
    try {
      idx = this.view.availIdx();
    } catch (e) {
      if (!isMemoryFault(e)) throw e;
      return { chains, problem: { rule: 'split-ring-unmapped', message: `the available ring is not in guest memory: ${e.message}` } };
    }
    const problem = judgeAvailIdx(idx, this.lastAvailIdx, this.shadowAvailIdx, this.size);
    if (problem) return { chains, problem };
    const inOrder = this.config.features.inOrder;
    const published = u16(idx - this.lastAvailIdx);
    // Heads of this view so far: a set, not a scan of `chains` (net receive peeks a whole ring at each kick).
    const heads = new Set<number>();
    const honoured = from ? this.skippable(from, published, heads) : undefined;
    if (honoured === undefined) heads.clear();
    const skip = honoured ?? 0;
    let expected = !inOrder ? -1 : skip > 0 ? from!.expected : this.expectedHead;
    const count = Math.min(published - skip, Math.max(0, Math.floor(max)));
    const at = (k: number): PeekCursor => ({ position: u16(this.lastAvailIdx + skip + k), expected });
    for (let k = 0; k < count; k++) {
      const chain = this.walker.walkAt(u16(this.lastAvailIdx + skip + k), expected);
      if (!chain) return { chains, problem: this.walker.problem!, next: at(k), skipped: honoured };
      // pop() refuses a head the device holds, or one an earlier chain of this view will hold by then.
      if (this.headInFlight[chain.head] || heads.has(chain.head)) return { chains, problem: this.headInFlightProblem(chain), next: at(k), skipped: honoured };
      heads.add(chain.head);
      chains.push(chain);
      if (inOrder) expected = (chain.head + chain.ringSlots) % this.size;
    }
    return { chains, next: at(count), skipped: honoured };
  }

  /**
   * How many pending chains a peek from `from` leaves out: those before the cursor, when it is still among
   * the `published` chains and their heads (read from the available ring, into `heads`) are neither in flight
   * nor repeated. undefined (the cursor is not used: a whole view) otherwise: a moved base, a head to report,
   * memory that cannot be read.
   */
  private skippable(from: PeekCursor, published: number, heads: Set<number>): number | undefined {
    const skip = u16(from.position - this.lastAvailIdx);
    if (skip > published) return undefined;
    try {
      for (let k = 0; k < skip; k++) {
        const head = this.view.availRing(u16(this.lastAvailIdx + k) % this.size);
        if (head >= this.size || this.headInFlight[head] || heads.has(head)) return undefined;
        heads.add(head);
      }
    } catch (e) {
      if (!isMemoryFault(e)) throw e;
      return undefined;
    }
    return skip;
  }

  pushUsed(chain: Chain, len: number): void {
    if (this.inflightChains > 0) this.inflightChains--;
    if (chain.head < this.size) this.headInFlight[chain.head] = 0;
    this.watch?.used(chain);
    if (!this.usable || this.brokenRule) return; // as QEMU: a broken device writes nothing more
    try {
      if (this.usedIdxWritten) this.judgeUsedIdx();
      this.view.setUsedElem(this.usedIdx % this.size, chain.id, len >>> 0);
      const next = u16(this.usedIdx + 1);
      // §2.7.8.2 / S12: the element before the index.
      this.view.setUsedIdx(next);
      this.usedIdx = next;
      this.usedIdxWritten = true;
    } catch (e) {
      this.memoryFault(e);
      return;
    }
    // QEMU virtqueue_flush: once used idx passes signalled_used, the old value says nothing any more.
    if (s16(this.usedIdx - this.signalledUsed) < 1) this.signalledUsedValid = false;
    this.pushedSinceSignal = true;
  }

  /** §2.7.7.2 (S11), QEMU virtio_split_should_notify. */
  shouldNotify(): boolean {
    if (!this.pushedSinceSignal || !this.usable || this.brokenRule) return false;
    this.pushedSinceSignal = false;
    try {
      // The used idx just stored must be visible before the driver's flags / used_event are loaded.
      this.ctx.mem.fence();
      if (!this.config.features.eventIdx) return (this.view.availFlags() & VIRTQ_AVAIL_F_NO_INTERRUPT) === 0;
      const valid = this.signalledUsedValid;
      const old = this.signalledUsed;
      this.signalledUsedValid = true;
      this.signalledUsed = this.usedIdx;
      return !valid || vringNeedEvent(this.view.usedEvent(), this.usedIdx, old);
    } catch (e) {
      this.memoryFault(e);
      return false;
    }
  }

  /** §2.7.10: used.flags NO_NOTIFY without EVENT_IDX; with it, avail_event = avail.idx when enabling. */
  setNotifications(enabled: boolean): void {
    this.notifyOn = enabled;
    if (!this.usable || this.brokenRule) return;
    try {
      if (this.config.features.eventIdx) {
        if (enabled) {
          const idx = this.view.availIdx();
          this.view.setAvailEvent(idx);
          this.checkedIdx = idx;
        }
      } else {
        this.view.setUsedFlags(enabled ? 0 : VIRTQ_USED_F_NO_NOTIFY);
        // Whatever the driver published while notifications were off needed no notification.
        if (enabled) this.checkedIdx = this.view.availIdx();
      }
      // Re-enabled: the store above must be visible before avail.idx is checked again for work.
      if (enabled) this.ctx.mem.fence();
    } catch (e) {
      this.memoryFault(e);
    }
  }

  /**
   * `data`: with VIRTIO_F_NOTIFICATION_DATA, the 16-bit value next_off | next_wrap << 15, which for a
   * split ring is the new avail.idx (§2.9).
   */
  onNotify(data?: number): void {
    if (!this.usable || this.brokenRule) return;
    try {
      const idx = this.view.availIdx();
      if (this.config.features.notificationData && data !== undefined) this.judgeNotifyData(data, idx);
      if (this.config.synchronousNotify) {
        const suppressed = this.config.features.eventIdx
          ? !vringNeedEvent(this.view.availEvent(), idx, this.availIdxAtNotify)
          : (this.view.usedFlags() & VIRTQ_USED_F_NO_NOTIFY) !== 0;
        if (suppressed) {
          this.ctx.violation(
            'split-notify-suppressed',
            this.config.features.eventIdx
              ? `notified at avail.idx ${idx}, but avail_event is ${this.view.availEvent()} and the driver's index moved only from ${this.availIdxAtNotify} (vring_need_event is false)`
              : `notified at avail.idx ${idx} while used.flags has VIRTQ_USED_F_NO_NOTIFY`,
          );
        }
      }
      this.availIdxAtNotify = idx;
      this.checkedIdx = idx;
    } catch (e) {
      this.memoryFault(e);
    }
  }

  private judgeNotifyData(data: number, idx: number): void {
    // Synchronous: exactly the current index. Otherwise the driver may have published more since.
    const ok = this.config.synchronousNotify
      ? data === idx
      : data >= 0 && data <= 0xffff && u16(data - this.lastAvailIdx) <= u16(idx - this.lastAvailIdx);
    if (!ok) {
      this.ctx.violation(
        'split-notify-data-mismatch',
        `notification data ${hex(data)} (next_off ${data & 0x7fff}, next_wrap ${(data >> 15) & 1}) does not match avail.idx ${idx}`,
      );
    }
  }

  /**
   * True (and reports split-notify-missing once per avail index) when chains wait, the driver moved
   * avail.idx since the device last checked, and the suppression state required a notification
   * (§2.7.10.1, S14): no NO_NOTIFY without EVENT_IDX; avail.idx crossed avail_event with it.
   */
  missedNotification(): boolean {
    const work = this.unnotified();
    if (work && this.missReportedAt !== work.at) {
      this.missReportedAt = work.at;
      this.ctx.violation('split-notify-missing', `${work.detail}, but the driver did not notify ${this.config.name}`);
    }
    return work !== undefined;
  }

  unnotified(): UnnotifiedWork | undefined {
    if (!this.usable || this.brokenRule) return undefined;
    try {
      const idx = this.view.availIdx();
      if (idx === this.lastAvailIdx || idx === this.checkedIdx || u16(idx - this.lastAvailIdx) > this.size) return undefined;
      if (this.config.features.eventIdx) {
        const event = this.view.availEvent();
        if (!vringNeedEvent(event, idx, this.checkedIdx)) return undefined;
        return { at: idx, detail: `avail.idx moved from ${this.checkedIdx} to ${idx}, past avail_event ${event}` };
      }
      if ((this.view.usedFlags() & VIRTQ_USED_F_NO_NOTIFY) !== 0) return undefined;
      return { at: idx, detail: `avail.idx moved from ${this.checkedIdx} to ${idx} while used.flags asked for notifications` };
    } catch (e) {
      this.memoryFault(e);
      return undefined;
    }
  }

  dispose(): void {
    this.watch?.dispose();
  }

  getBase(): number {
    return this.lastAvailIdx;
  }

  /** vhost-user SET_VRING_BASE: the device continues at `base` on both the available and used side. */
  setBase(base: number): void {
    const b = u16(base);
    this.lastAvailIdx = b;
    this.shadowAvailIdx = b;
    this.usedIdx = b;
    this.signalledUsed = b;
    this.signalledUsedValid = false;
    this.pushedSinceSignal = false;
    this.inflightChains = 0;
    this.headInFlight.fill(0);
    this.usedIdxWritten = false;
    this.expectedHead = -1;
    this.availIdxAtNotify = b;
    this.checkedIdx = b;
    this.missReportedAt = -1;
    this.watch?.clear();
  }

  inspect(withRing: boolean, maxEntries?: number): Omit<QueueSnapshot, 'thread' | 'maxSize' | 'enabled' | 'counters'> {
    const c = this.config;
    const idx = this.ctx.mem.peek(this.view.availIdxAddr, 2);
    const published = idx ? u16((idx[0]! | (idx[1]! << 8)) - this.lastAvailIdx) : 0;
    return {
      index: c.index,
      name: c.name,
      layout: 'split',
      size: c.size,
      ...(this.brokenRule ? { broken: this.brokenRule } : {}),
      desc: hex(c.desc),
      driver: hex(c.driver),
      device: hex(c.device),
      lastAvail: this.lastAvailIdx,
      usedIdx: this.usedIdx,
      pending: Math.min(published, this.size),
      inflight: this.inflightChains,
      eventIdx: c.features.eventIdx,
      notificationsEnabled: this.notifyOn,
      ...(withRing && this.usable
        ? { ring: inspectSplitRing(this.ctx.mem, { desc: c.desc, avail: c.driver, used: c.device, size: this.size, eventIdx: c.features.eventIdx }, maxEntries ?? this.size) }
        : {}),
    };
  }

  private headInFlightProblem(chain: Chain): WalkProblem {
    return {
      rule: 'split-head-in-flight',
      message: `avail.ring[${chain.position % this.size}] (avail idx ${chain.position}) makes head ${chain.head} available again, but the device has not returned the chain it took at that head yet`,
      index: chain.head,
    };
  }

  /**
   * §2.7.8: used.idx is the device's. One u16 read per used element: what guest memory holds must be what the
   * device wrote last; the device then writes its own index over the driver's value, as QEMU does.
   */
  private judgeUsedIdx(): void {
    const seen = this.view.usedIdx();
    if (seen === this.usedIdx) return;
    this.ctx.violation(
      'split-used-ring-written',
      `${this.config.name}: used.idx is ${seen} in guest memory, but the device last wrote ${this.usedIdx}: the driver wrote the used ring; the device goes on from ${this.usedIdx}`,
    );
  }

  /** §2.7.7.1 (S10), reported once until the queue is re-created. */
  private judgeAvailFlags(flags: number): void {
    const problem = judgeAvailFlags(flags, this.config.features.eventIdx);
    if (!problem) return;
    this.availFlagsReported = true;
    this.ctx.violation(problem.rule, problem.message);
  }

  private stop(problem: WalkProblem): void {
    // Broken first: the report may lead the device core straight into a reset.
    this.brokenRule = problem.rule;
    this.ctx.violation(problem.rule, problem.message, problem.index);
  }

  private memoryFault(e: unknown): 0 {
    if (!isMemoryFault(e)) throw e;
    this.stop({ rule: 'split-ring-unmapped', message: `${this.config.name}: the split ring is not in guest memory: ${e.message}` });
    return 0;
  }
}
