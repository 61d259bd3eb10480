/**
 * Catches the driver writing descriptors it no longer owns (§2.8.16 / P4, and P6 "head last"): a ring
 * slot the device has taken and not yet marked used, or a slot of a list already published. Runs as a
 * GuestMemory write observer (in-process drivers), so it must stay cheap: a range check for every write,
 * and for ring writes an incremental walk of newly published lists (PublishedLists).
 */
import { type GuestMemory } from '../../memory';
import { type QueueContext } from '../types';
import { PACKED_DESC_SIZE, hex, posDistance, posSlot } from './layout';
import { type PublishedLists } from './published';

/** The queue state the watcher needs. */
export interface WatchedQueue {
  /** True while the device itself writes the ring, and once the queue is broken. */
  readonly quiet: boolean;
  /** The device's used position (ring position, layout.ts). */
  readonly usedPos: number;
  /** Ring slots of lists the device has taken and not returned. */
  readonly inflightSlots: number;
  readonly published: PublishedLists;
}

export class WriteWatcher {
  /** The last slot reported, so a descriptor rewritten field by field is reported once. */
  private lastSlot = -1;
  private unwatch: (() => void) | undefined;
  private readonly start: number;
  private readonly end: number;

  constructor(
    mem: GuestMemory,
    private readonly ctx: QueueContext,
    private readonly queue: WatchedQueue,
    desc: number,
    private readonly size: number,
  ) {
    this.start = desc;
    this.end = desc + size * PACKED_DESC_SIZE;
    this.unwatch = mem.watchWrites(this.onWrite);
  }

  /** The device moved on (took or returned a list): the same slot may be reported again. */
  moved(): void {
    this.lastSlot = -1;
  }

  dispose(): void {
    this.unwatch?.();
    this.unwatch = undefined;
  }

  private readonly onWrite = (gpa: number, len: number): void => {
    const { start, end, size, queue } = this;
    if (gpa >= end || gpa + len <= start || queue.quiet) return;
    const first = Math.floor((Math.max(gpa, start) - start) / PACKED_DESC_SIZE);
    const last = Math.floor((Math.min(gpa + len, end) - 1 - start) / PACKED_DESC_SIZE);
    const usedPos = queue.usedPos;
    const usedSlot = posSlot(usedPos, size);
    // Slots are measured from the used position: [0, inflight) taken by the device, [inflight, known) published.
    const known = posDistance(usedPos, queue.published.end, size);
    for (let s = first; s <= last; s++) {
      const d = (s - usedSlot + size) % size;
      if (d < known) return this.report(s, d < queue.inflightSlots);
    }
    // Lists published since we last looked: the write that exposed the first one (its head flags at
    // `known`) is the publication; any other write inside them came after they were exposed.
    queue.published.extend(usedPos);
    const now = posDistance(usedPos, queue.published.end, size);
    if (now === known) return;
    for (let s = first; s <= last; s++) {
      const d = (s - usedSlot + size) % size;
      if (d > known && d < now) return this.report(s, false);
    }
  };

  private report(slot: number, taken: boolean): void {
    if (slot === this.lastSlot) return;
    this.lastSlot = slot;
    this.ctx.violation(
      'packed-published-desc-modified',
      `driver wrote descriptor ring slot ${slot} (${hex(this.start + slot * PACKED_DESC_SIZE)}) while it holds ` +
        (taken ? 'a descriptor the device has taken and not yet marked used' : 'a descriptor of a published list the device has not taken yet'),
      slot,
    );
  }
}
