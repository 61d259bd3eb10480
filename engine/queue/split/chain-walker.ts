/**
 * Walks one split-ring descriptor chain (§2.7.5) into a Chain, checking every rule a chain can break.
 * Used by pop() (which reports the problem and stops the queue) and by peek() (which only returns it).
 * Rules whose breach leaves the chain well defined (severity 'error': an indirect table without
 * VIRTIO_F_INDIRECT_DESC or with NEXT on its pointer, a chain longer than the queue but bounded) do not end
 * the walk: they are recorded in chain.violations and the chain is served, as QEMU serves it.
 *
 * The walk is bounded: a descriptor visited twice is a loop (split-chain-loop), so at most QS direct
 * descriptors and one indirect table of at most 65536 entries (desc.next is a le16) are read. A chain whose
 * data descriptors, direct plus indirect, exceed the queue size is recorded as split-chain-too-long
 * (§2.7.5.3.1) and still served. Visited descriptors are marked with a generation stamp in a
 * preallocated array, so a walk allocates nothing but the Chain and its arrays.
 *
 * A buffer or indirect table overlapping the queue's own descriptor table, available or used ring is
 * split-buffer-overlaps-ring: the parts' ranges are computed once per queue (RingRanges), so the check is two
 * comparisons for a buffer outside them.
 *
 * Order of the checks for each descriptor (first failure wins):
 *   revisit (loop) → [indirect table entries: count > QS (too long: recorded, the walk goes on)] → read →
 *   INDIRECT flag: not negotiated and with NEXT (recorded, the walk goes on) / nested / bad length /
 *   table unmapped →
 *   len 0 → buffer unmapped → buffer overlapping a ring part → readable after writable → total length > 2^32 →
 *   NEXT: next out of range → IN_ORDER next ≠ x + 1 (unless next links back into the chain: that is
 *   reported as the loop it is when the walk gets there).
 */
import { type GuestMemory, isMemoryFault } from '../../memory';
import { type RuleId } from '../../rules';
import { type Chain, type ChainViolation, type Descriptor, DESC_F_INDIRECT, DESC_F_NEXT, DESC_F_WRITE, type RingFeatures } from '../types';
import { hex } from '../../wire/hex';
import { type RingRanges, describe } from '../ring-ranges';
import { SPLIT_DESC_SIZE, splitRingRanges, type SplitRingView } from './layout';

export type WalkProblem = ChainViolation;

/** Largest index an indirect entry can name: desc.next is a le16. */
const MAX_INDIRECT_ENTRIES = 0x10000;
/** §2.7.5.2 / S5: a chain must not be longer than 2^32 bytes in total. */
const MAX_CHAIN_BYTES = 0x1_0000_0000;

export { hex };

// Module-local copies: under a CommonJS transform (tsx, tests) every imported binding is a getter call,
// which showed up as a quarter of the time of a walk.
const NEXT = DESC_F_NEXT;
const WRITE = DESC_F_WRITE;
const INDIRECT = DESC_F_INDIRECT;
const DESC_SIZE = SPLIT_DESC_SIZE;

function where(index: number, indirect: boolean): string {
  return indirect ? `indirect entry ${index}` : `descriptor ${index}`;
}

export class SplitChainWalker {
  /** Why the last walk failed; undefined after a successful walk. */
  problem: WalkProblem | undefined;

  private readonly size: number;
  private readonly inOrder: boolean;
  private readonly indirectNegotiated: boolean;
  private readonly directSeen: Uint32Array;
  private readonly rings: RingRanges;
  private indirectSeen = new Uint32Array(16);
  private gen = 0;

  // The chain under construction (instance fields keep the hot loop free of closures).
  private chain!: Chain;
  private sawWritable = false;
  private totalBytes = 0;

  constructor(
    private readonly mem: GuestMemory,
    private readonly view: SplitRingView,
    features: RingFeatures,
  ) {
    this.size = view.size;
    this.inOrder = features.inOrder;
    this.indirectNegotiated = features.indirect;
    this.directSeen = new Uint32Array(view.size);
    this.rings = splitRingRanges(view.desc, view.avail, view.used, view.size);
  }

  /**
   * Walks the chain published at free-running avail index `position`. `expectedHead` is the head an
   * IN_ORDER driver must use next (-1 when unknown or IN_ORDER is off). Returns null and sets `problem`
   * when the chain breaks a rule. Never throws on guest data.
   */
  walkAt(position: number, expectedHead: number): Chain | null {
    this.problem = undefined;
    const size = this.size;
    const slot = position % size;
    let inTable = false;
    try {
      const head = this.view.availRing(slot);
      if (head >= size) {
        return this.fail(
          'split-avail-head-out-of-range',
          `avail.ring[${slot}] (avail idx ${position}) holds head ${head}, but the descriptor table has only ${size} entries`,
          slot,
        );
      }
      if (expectedHead >= 0 && head !== expectedHead) {
        return this.fail(
          'split-in-order-violation',
          `IN_ORDER: the chain at avail idx ${position} starts at descriptor ${head}, but descriptors are used in ring order, so it must start at ${expectedHead}`,
          head,
        );
      }
      const gen = this.nextGen();
      const seen = this.directSeen;
      const mem = this.mem;
      const descBase = this.view.desc;
      this.begin(head, position);
      let i = head;
      for (;;) {
        if (seen[i] === gen) {
          return this.fail('split-chain-loop', `descriptor ${i} is visited twice in the chain starting at head ${head} (avail idx ${position})`, i);
        }
        seen[i] = gen;
        this.chain.ringSlots++;
        const a = descBase + DESC_SIZE * i;
        const addr = mem.readU64(a);
        const len = mem.readU32(a + 8);
        const flags = mem.readU16(a + 12);
        const next = mem.readU16(a + 14);
        if (flags & INDIRECT) {
          if (!this.checkIndirectPointer(addr, len, flags, next, i)) return null;
          inTable = true;
          return this.walkIndirect(addr, len, i, gen) ? this.chain : null;
        }
        if (!this.addData(addr, len, flags, next, i, false)) return null;
        if (!(flags & NEXT)) return this.chain;
        if (next >= size) {
          return this.fail('split-desc-next-out-of-range', `descriptor ${i} has NEXT with next = ${next}, outside the descriptor table (queue size ${size})`, i);
        }
        // A link back into this chain is a loop first of all, even when IN_ORDER also forbids it.
        if (this.inOrder && next !== (i + 1) % size && seen[next] !== gen) {
          return this.fail('split-in-order-violation', `IN_ORDER: descriptor ${i} links to ${next}; it must link to ${(i + 1) % size}`, i);
        }
        i = next;
      }
    } catch (e) {
      if (!isMemoryFault(e)) throw e;
      return inTable
        ? this.fail('split-desc-out-of-memory', `indirect table read failed: ${e.message}`)
        : this.fail('split-ring-unmapped', `the split ring is no longer in guest memory: ${e.message}`);
    }
  }

  private checkIndirectPointer(addr: number, len: number, flags: number, next: number, i: number): boolean {
    // Both leave the chain well defined (QEMU walks the table and ignores NEXT): reported, then served.
    if (!this.indirectNegotiated) {
      this.lapse('split-indirect-not-negotiated', `descriptor ${i} has VIRTQ_INDIRECT but VIRTIO_F_INDIRECT_DESC was not negotiated`, i);
    }
    if (flags & NEXT) {
      this.lapse('split-indirect-with-next', `descriptor ${i} has both VIRTQ_INDIRECT and VIRTQ_NEXT (next = ${next}); NEXT is ignored`, i);
    }
    if (len === 0 || len % DESC_SIZE !== 0) {
      this.fail('split-indirect-bad-length', `descriptor ${i} points to an indirect table of ${len} bytes, not a non-zero multiple of 16`, i);
      return false;
    }
    if (!this.inMemory(addr, len)) {
      this.fail('split-desc-out-of-memory', `the indirect table of descriptor ${i} at ${hex(addr)} (${len} bytes) is not in guest memory`, i);
      return false;
    }
    const part = this.rings.hit(addr, len);
    if (part) {
      this.fail('split-buffer-overlaps-ring', `the indirect table of descriptor ${i} at ${hex(addr)} (${len} bytes) overlaps the queue's ${describe(part)}`, i);
      return false;
    }
    // §2.7.5.3.2 (S8): the WRITE flag of the pointer descriptor is ignored.
    this.chain.indirectTable = { addr, len, index: i };
    return true;
  }

  /** Walks an indirect table from entry 0 (§2.7.5.3.2). */
  private walkIndirect(table: number, tableLen: number, pointer: number, gen: number): boolean {
    const n = tableLen / DESC_SIZE;
    const seen = this.indirectStamps(Math.min(n, MAX_INDIRECT_ENTRIES));
    const mem = this.mem;
    const size = this.size;
    const chain = this.chain;
    let j = 0;
    for (;;) {
      if (seen[j] === gen) {
        return this.failed('split-chain-loop', `entry ${j} of the indirect table of descriptor ${pointer} is visited twice`, j);
      }
      seen[j] = gen;
      if (chain.descriptors.length === size) {
        // Bounded all the same (each entry is visited once): reported, and served as QEMU serves it.
        this.lapse(
          'split-chain-too-long',
          `the chain starting at head ${chain.head} has more than ${size} descriptors (the queue size) counting its indirect table`,
          pointer,
        );
      }
      const a = table + DESC_SIZE * j;
      const addr = mem.readU64(a);
      const len = mem.readU32(a + 8);
      const flags = mem.readU16(a + 12);
      const next = mem.readU16(a + 14);
      if (flags & INDIRECT) {
        return this.failed('split-indirect-nested', `entry ${j} of the indirect table of descriptor ${pointer} has VIRTQ_INDIRECT`, j);
      }
      if (!this.addData(addr, len, flags, next, j, true)) return false;
      if (!(flags & NEXT)) return true;
      if (next >= n) {
        return this.failed('split-desc-next-out-of-range', `entry ${j} of the indirect table of descriptor ${pointer} links to ${next}, but the table has ${n} entries`, j);
      }
      if (this.inOrder && next !== j + 1 && seen[next] !== gen) {
        return this.failed('split-in-order-violation', `IN_ORDER: entry ${j} of the indirect table of descriptor ${pointer} links to ${next}; it must link to ${j + 1}`, j);
      }
      j = next;
    }
  }

  /** Checks one data descriptor and appends it to the chain. */
  private addData(addr: number, len: number, flags: number, next: number, index: number, indirect: boolean): boolean {
    if (len === 0) return this.failed('split-desc-zero-length', `${where(index, indirect)} has length 0 (address ${hex(addr)})`, index);
    if (!this.inMemory(addr, len)) {
      return this.failed(
        'split-desc-out-of-memory',
        `${where(index, indirect)} points to ${hex(addr)} + ${len} bytes, which is not entirely in guest memory`,
        index,
      );
    }
    const part = this.rings.hit(addr, len);
    if (part) {
      return this.failed(
        'split-buffer-overlaps-ring',
        `${where(index, indirect)} points to ${hex(addr)} + ${len} bytes, which overlaps the queue's ${describe(part)}`,
        index,
      );
    }
    const chain = this.chain;
    const d: Descriptor = { addr, len, flags, next, id: 0, index, indirect };
    // Segments share the descriptor objects (a Descriptor is a Segment): no extra allocation.
    if (flags & WRITE) {
      this.sawWritable = true;
      chain.writable.push(d);
      chain.writableBytes += len;
    } else {
      if (this.sawWritable) {
        return this.failed('split-write-before-read', `${where(index, indirect)} is device-readable but follows a device-writable descriptor in the chain at head ${chain.head}`, index);
      }
      chain.readable.push(d);
      chain.readableBytes += len;
    }
    chain.descriptors.push(d);
    this.totalBytes += len;
    if (this.totalBytes > MAX_CHAIN_BYTES) {
      return this.failed('split-chain-loop', `the chain at head ${chain.head} is longer than 2^32 bytes in total (${this.totalBytes} bytes at ${where(index, indirect)})`, index);
    }
    return true;
  }

  private inMemory(addr: number, len: number): boolean {
    return this.mem.find(addr, len) !== undefined || this.mem.isValid(addr, len);
  }

  private begin(head: number, position: number): void {
    this.chain = {
      id: head,
      head,
      descriptors: [],
      readable: [],
      writable: [],
      readableBytes: 0,
      writableBytes: 0,
      ringSlots: 0,
      position,
    };
    this.sawWritable = false;
    this.totalBytes = 0;
  }

  private nextGen(): number {
    this.gen = (this.gen + 1) >>> 0;
    if (this.gen === 0) {
      this.directSeen.fill(0);
      this.indirectSeen.fill(0);
      this.gen = 1;
    }
    return this.gen;
  }

  private indirectStamps(n: number): Uint32Array {
    if (this.indirectSeen.length < n) {
      let cap = this.indirectSeen.length;
      while (cap < n) cap *= 2;
      // A fresh array is all zeros, i.e. "not seen" for every generation ≥ 1.
      this.indirectSeen = new Uint32Array(cap);
    }
    return this.indirectSeen;
  }

  /** A rule broken by a chain that stays well defined: recorded, the walk goes on. */
  private lapse(rule: RuleId, message: string, index: number): void {
    (this.chain.violations ??= []).push({ rule, message, index });
  }

  private fail(rule: RuleId, message: string, index?: number): null {
    this.problem = index === undefined ? { rule, message } : { rule, message, index };
    return null;
  }

  private failed(rule: RuleId, message: string, index?: number): false {
    this.fail(rule, message, index);
    return false;
  }
}
