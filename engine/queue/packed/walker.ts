/**
 * Walks one descriptor list of a packed ring (§2.8.6, §2.8.7, §2.8.17). The walk never reads more than
 * `budget` ring descriptors plus one indirect table of at most queue-size entries, and it reports the first
 * rule the list breaks instead of throwing. pop(), peek(), available() and the write watcher share it.
 * A breach that leaves the list well defined (an indirect table without VIRTIO_F_INDIRECT_DESC: QEMU walks
 * it) is recorded in chain.violations and does not end the walk; pop() reports it and serves the list.
 *
 * Results go into fields (no result objects, no closures) so the queue's hot path allocates only the Chain.
 *
 * Order of the checks (first failure wins): head available? → room in the ring (budget) →
 *   INDIRECT: not negotiated / in a NEXT list or with NEXT / len not a non-zero multiple of 16 /
 *   more entries than the queue size / table unmapped / table on a ring part → each entry: flags other than
 *   WRITE / len 0 / buffer unmapped / buffer on a ring part / readable after writable;
 *   direct: len 0 → buffer unmapped → buffer on a ring part (packed-buffer-overlaps-ring: ranges computed once
 *   per queue, two comparisons for a buffer outside them) → readable after writable →
 *   NEXT: no more room (too long) → next descriptor available with the wrap counter of its slot? →
 *   after the last descriptor: IN_ORDER buffer id.
 */
import { type GuestMemory, isMemoryFault } from '../../memory';
import { type RuleId } from '../../rules';
import { type RingRanges, describe } from '../ring-ranges';
import {
  type Chain,
  type ChainViolation,
  type Descriptor,
  type RingFeatures,
  type Segment,
  DESC_F_INDIRECT,
  DESC_F_NEXT,
  DESC_F_WRITE,
} from '../types';
import {
  DESC_OFF_ADDR,
  DESC_OFF_FLAGS,
  DESC_OFF_ID,
  DESC_OFF_LEN,
  PACKED_DESC_SIZE,
  advancePos,
  hex,
  isAvailable,
  posSlot,
  posWrap,
} from './layout';

/** The descriptor at the position is not available: nothing to take. */
export const WALK_NONE = 0;
/** A complete list: `chain` (decode) and `end` are set. */
export const WALK_LIST = 1;
/** The list breaks a rule: `rule`, `message` and `index` are set. */
export const WALK_PROBLEM = 2;
export type WalkResult = typeof WALK_NONE | typeof WALK_LIST | typeof WALK_PROBLEM;

export interface PackedRingGeometry {
  readonly size: number;
  /** Guest-physical address of the descriptor ring. */
  readonly desc: number;
  readonly features: RingFeatures;
  /** The ring's parts (descriptor ring, event structures): no buffer may overlap them. */
  readonly rings: RingRanges;
}

export class PackedListWalker {
  /** Set by WALK_LIST from decode(). */
  chain: Chain | null = null;
  /** Position just after the list (WALK_LIST). */
  end = 0;
  /** Set by WALK_PROBLEM. */
  rule: RuleId = 'packed-desc-flags-inconsistent';
  message = '';
  /** Ring slot the problem was found at. */
  index = 0;

  constructor(
    private readonly mem: GuestMemory,
    private readonly ring: PackedRingGeometry,
  ) {}

  /**
   * Checks the head at `pos` and follows its NEXT flags (flags only) to find where the list ends.
   * Used for counting and for locating the driver's published end; it does not validate buffers.
   */
  skip(pos: number, budget: number): WalkResult {
    const { size, desc } = this.ring;
    const mem = this.mem;
    let slot = posSlot(pos, size);
    try {
      let flags = mem.readU16(desc + slot * PACKED_DESC_SIZE + DESC_OFF_FLAGS);
      if (!isAvailable(flags, posWrap(pos, size))) return WALK_NONE;
      const head = slot;
      let count = 1;
      if (budget < 1) return this.tooLong(head, slot, count, budget);
      while (flags & DESC_F_NEXT) {
        if (count >= budget) return this.tooLong(head, slot, count, budget);
        pos = advancePos(pos, 1, size);
        slot = posSlot(pos, size);
        flags = mem.readU16(desc + slot * PACKED_DESC_SIZE + DESC_OFF_FLAGS);
        count++;
        if (!isAvailable(flags, posWrap(pos, size))) return this.notAvailable(head, slot, count, flags, posWrap(pos, size));
      }
      this.end = advancePos(pos, 1, size);
      return WALK_LIST;
    } catch (e) {
      return this.fault(e, slot);
    }
  }

  /**
   * Decodes and validates the list whose head is at `pos`, using at most `budget` ring slots.
   * `prevId` is the buffer id of the previous list for the IN_ORDER check (-1: no reference yet).
   */
  decode(pos: number, budget: number, prevId: number): WalkResult {
    const { size, desc: ringBase, features } = this.ring;
    const mem = this.mem;
    let slot = posSlot(pos, size);
    let wrap = posWrap(pos, size);
    try {
      let at = ringBase + slot * PACKED_DESC_SIZE;
      let flags = mem.readU16(at + DESC_OFF_FLAGS);
      if (!isAvailable(flags, wrap)) return WALK_NONE;
      const head = slot;
      const headWrap = wrap;
      if (budget < 1) return this.tooLong(head, slot, 1, budget);

      const descriptors: Descriptor[] = [];
      const readable: Segment[] = [];
      const writable: Segment[] = [];
      let readableBytes = 0;
      let writableBytes = 0;
      let seenWrite = false;
      let indirectTable: Chain['indirectTable'];
      let violations: ChainViolation[] | undefined;
      let count = 1;
      let id = 0;
      for (;;) {
        const addr = mem.readU64(at + DESC_OFF_ADDR);
        const len = mem.readU32(at + DESC_OFF_LEN);
        id = mem.readU16(at + DESC_OFF_ID);
        if (flags & DESC_F_INDIRECT) {
          if (!features.indirect) {
            (violations ??= []).push({
              rule: 'packed-indirect-not-negotiated',
              index: slot,
              message: `descriptor at slot ${slot} (list head ${head}) sets VIRTQ_DESC_F_INDIRECT (flags ${hex(flags)}) but VIRTIO_F_INDIRECT_DESC was not negotiated`,
            });
          }
          if (count > 1 || flags & DESC_F_NEXT) {
            return this.problem('packed-indirect-in-chain', slot, count > 1
              ? `indirect descriptor at slot ${slot} is descriptor ${count} of the NEXT-linked list starting at slot ${head}`
              : `indirect descriptor at slot ${slot} also sets VIRTQ_DESC_F_NEXT (flags ${hex(flags)})`);
          }
          if (len === 0 || len % PACKED_DESC_SIZE !== 0) {
            return this.problem('packed-indirect-bad-length', slot,
              `indirect descriptor at slot ${slot} has len ${len}, not a non-zero multiple of 16`);
          }
          const entries = len / PACKED_DESC_SIZE;
          if (entries > size) {
            return this.problem('packed-chain-too-long', slot,
              `indirect table at slot ${slot} holds ${entries} descriptors, more than the queue size ${size}`);
          }
          if (!mem.isValid(addr, len)) {
            return this.problem('packed-desc-out-of-memory', slot,
              `indirect table at slot ${slot} (addr ${hex(addr)}, len ${len}) is not in guest memory`);
          }
          const onTable = this.ring.rings.hit(addr, len);
          if (onTable) {
            return this.problem('packed-buffer-overlaps-ring', slot,
              `indirect table at slot ${slot} (addr ${hex(addr)}, len ${len}) overlaps the queue's ${describe(onTable)}`);
          }
          indirectTable = { addr, len, index: slot };
          for (let j = 0; j < entries; j++) {
            const e = addr + j * PACKED_DESC_SIZE;
            const eflags = mem.readU16(e + DESC_OFF_FLAGS);
            if (eflags & ~DESC_F_WRITE) {
              return this.problem('packed-indirect-flags', slot,
                `entry ${j} of the indirect table at slot ${slot} has flags ${hex(eflags)}; only VIRTQ_DESC_F_WRITE is allowed`);
            }
            const eaddr = mem.readU64(e + DESC_OFF_ADDR);
            const elen = mem.readU32(e + DESC_OFF_LEN);
            const write = (eflags & DESC_F_WRITE) !== 0;
            if (elen === 0) {
              return this.problem('packed-desc-zero-length', slot,
                `entry ${j} of the indirect table at slot ${slot} has len 0`);
            }
            if (mem.find(eaddr, elen) === undefined && !mem.isValid(eaddr, elen)) {
              return this.problem('packed-desc-out-of-memory', slot,
                `entry ${j} of the indirect table at slot ${slot} (addr ${hex(eaddr)}, len ${elen}) is not in guest memory`);
            }
            const onEntry = this.ring.rings.hit(eaddr, elen);
            if (onEntry) {
              return this.problem('packed-buffer-overlaps-ring', slot,
                `entry ${j} of the indirect table at slot ${slot} (addr ${hex(eaddr)}, len ${elen}) overlaps the queue's ${describe(onEntry)}`);
            }
            if (!write && seenWrite) {
              return this.problem('packed-write-before-read', slot,
                `entry ${j} of the indirect table at slot ${slot} is device-readable but follows a device-writable entry`);
            }
            // Segments share the descriptor objects (a Descriptor is a Segment), as in the split walker.
            const d: Descriptor = { addr: eaddr, len: elen, flags: eflags, next: 0, id: mem.readU16(e + DESC_OFF_ID), index: j, indirect: true };
            descriptors.push(d);
            if (write) {
              seenWrite = true;
              writable.push(d);
              writableBytes += elen;
            } else {
              readable.push(d);
              readableBytes += elen;
            }
          }
        } else {
          const write = (flags & DESC_F_WRITE) !== 0;
          if (len === 0) {
            return this.problem('packed-desc-zero-length', slot,
              `descriptor at slot ${slot} (list head ${head}) has len 0`);
          }
          if (mem.find(addr, len) === undefined && !mem.isValid(addr, len)) {
            return this.problem('packed-desc-out-of-memory', slot,
              `descriptor at slot ${slot} (list head ${head}) points to ${hex(addr)}, len ${len}, outside guest memory`);
          }
          const on = this.ring.rings.hit(addr, len);
          if (on) {
            return this.problem('packed-buffer-overlaps-ring', slot,
              `descriptor at slot ${slot} (list head ${head}) points to ${hex(addr)}, len ${len}, which overlaps the queue's ${describe(on)}`);
          }
          if (!write && seenWrite) {
            return this.problem('packed-write-before-read', slot,
              `descriptor at slot ${slot} is device-readable but follows a device-writable descriptor of the list starting at slot ${head}`);
          }
          const d: Descriptor = { addr, len, flags, next: 0, id, index: slot, indirect: false };
          descriptors.push(d);
          if (write) {
            seenWrite = true;
            writable.push(d);
            writableBytes += len;
          } else {
            readable.push(d);
            readableBytes += len;
          }
        }
        if (!(flags & DESC_F_NEXT)) break;
        if (count >= budget) return this.tooLong(head, slot, count, budget);
        pos = advancePos(pos, 1, size);
        slot = posSlot(pos, size);
        wrap = posWrap(pos, size);
        at = ringBase + slot * PACKED_DESC_SIZE;
        flags = mem.readU16(at + DESC_OFF_FLAGS);
        count++;
        if (!isAvailable(flags, wrap)) return this.notAvailable(head, slot, count, flags, wrap);
      }
      if (features.inOrder && prevId >= 0) {
        const expected = (prevId + 1) % size;
        if (id !== expected && id !== head) {
          return this.problem('packed-in-order-violation', head,
            `list at slot ${head} has buffer id ${id}; with VIRTIO_F_IN_ORDER the id after ${prevId} must be ${expected} (or the head slot ${head})`);
        }
      }
      this.end = advancePos(pos, 1, size);
      const chain: Chain = {
        id,
        head,
        descriptors,
        readable,
        writable,
        readableBytes,
        writableBytes,
        ringSlots: count,
        indirectTable,
        position: head,
        wrap: headWrap,
      };
      if (violations) chain.violations = violations;
      this.chain = chain;
      return WALK_LIST;
    } catch (e) {
      return this.fault(e, slot);
    }
  }

  private problem(rule: RuleId, index: number, message: string): WalkResult {
    this.rule = rule;
    this.index = index;
    this.message = message;
    return WALK_PROBLEM;
  }

  private tooLong(head: number, slot: number, count: number, budget: number): WalkResult {
    const held = this.ring.size - budget;
    return this.problem('packed-chain-too-long', slot,
      `descriptor list at slot ${head} still sets VIRTQ_DESC_F_NEXT after ${count} descriptors (slot ${slot}), ` +
        `but only ${Math.max(budget, 0)} ring slots are free (queue size ${this.ring.size}` +
        (held > 0 ? `, ${held} held by buffers the device has not returned)` : ')'));
  }

  private notAvailable(head: number, slot: number, count: number, flags: number, wrap: boolean): WalkResult {
    return this.problem('packed-desc-flags-inconsistent', slot,
      `descriptor ${count} of the list at slot ${head} (slot ${slot}, flags ${hex(flags)}) is not available for wrap counter ${wrap ? 1 : 0}: ` +
        `AVAIL must be ${wrap ? 1 : 0} and USED ${wrap ? 0 : 1} (head exposed before the rest, or a wrong wrap bit)`);
  }

  private fault(e: unknown, slot: number): WalkResult {
    if (!isMemoryFault(e)) throw e;
    return this.problem('packed-ring-unmapped', slot,
      `descriptor ring slot ${slot} at ${hex(this.ring.desc + slot * PACKED_DESC_SIZE)} is not in guest memory: ${e.message}`);
  }
}
