/**
 * The notification path of a device: take chains off a queue, let the debugger's gate hold one, process
 * the rest (synchronously or not), return them through the used ring in the right order, and notify the
 * driver once per batch as the suppression rules say (§2.7.7, §2.8.10).
 */
import { type Chain } from '../queue/types';
import { type VirtioDevice } from './device';
import { type QueueRuntime } from './queue-runtime';

/**
 * Chains processed per turn of the event loop before yielding, so one busy queue cannot starve others — nor
 * the work its chains cause: a net transmit chain answered by a peer (the responder) queues a reply for the
 * receive ring, which goes out on the next turn. A front end that refills the transmit ring as fast as it is
 * emptied (DPDK testpmd) kept a 512-chain turn busy for tens of milliseconds and produced more replies per
 * turn than a 256-entry receive ring holds: the surplus was dropped, a third of the transmit work wasted, and
 * the round-trip rate swung with how the turns happened to line up (issue 13, figure 4 io). 64 is DPDK's
 * order of burst (32) and leaves any receive ring room for a turn's replies.
 */
export const TURN_BUDGET = 64;

type Pending = QueueRuntime['pending'][number];

export class QueueService {
  private readonly waiters = new Map<Pending, () => void>();
  private readonly flushScheduled = new Set<QueueRuntime>();
  private readonly rekick = new Set<QueueRuntime>();
  /** Queues whose turn ran out of budget: a continuation is scheduled for the next turn. */
  private readonly continuing = new Set<QueueRuntime>();

  constructor(private readonly dev: VirtioDevice) {}

  /**
   * A notification or a resume: service the queue unless it is paused or already being serviced. While a
   * continuation is scheduled (the last turn ran out of budget) a kick adds nothing: the continuation reads
   * the ring on the next turn, after what the last turn caused (replies, other queues) had its turn. `drain`
   * (a ring that stops serves what was made available before it stopped): a whole ring's worth, at once.
   */
  kick(q: QueueRuntime, drain = false): void {
    if (q.servicing) {
      this.rekick.add(q);
      return;
    }
    if (this.dev.paused || q.paused) {
      q.kicksWhilePaused++;
      return;
    }
    if (q.spec.mode === 'on-demand') {
      this.dev.onBuffersAdded(q);
      return;
    }
    if (!drain && this.continuing.has(q)) return;
    this.run(q, drain ? Math.max(TURN_BUDGET, q.size) : TURN_BUDGET);
  }

  private run(q: QueueRuntime, turnBudget: number): void {
    const epoch = this.dev.epoch;
    let budget = turnBudget;
    q.servicing = true;
    q.kicksWhilePaused = 0;
    try {
      do {
        this.rekick.delete(q);
        for (; budget > 0; budget--) {
          if (this.dev.paused || q.paused || !q.vq || this.dev.epoch !== epoch) return;
          const fromHold = q.held !== undefined;
          const chain = q.held ?? this.pop(q);
          if (!chain) break;
          // The pop reported a servable violation and the debugger stopped on it: keep the chain to look at.
          if (!fromHold && (this.dev.paused || q.paused)) {
            q.held = chain;
            return;
          }
          if (!fromHold && !this.admittedOnce(q, chain) && this.dev.gate && !this.dev.gate.admit(this.dev, q, chain)) {
            q.held = chain;
            q.paused = true;
            return;
          }
          q.held = undefined;
          this.process(q, chain, epoch);
        }
      } while (this.rekick.has(q) && budget > 0);
      if (budget === 0 && q.vq && !q.vq.broken && !this.continuing.has(q)) {
        this.continuing.add(q);
        setImmediate(() => {
          this.continuing.delete(q);
          this.kick(q);
        });
      }
    } finally {
      q.servicing = false;
      this.flush(q);
    }
  }

  /** Pops one chain; a fatal ring violation turns into DEVICE_NEEDS_RESET. */
  private pop(q: QueueRuntime): Chain | null {
    const vq = q.vq!;
    const chain = vq.pop();
    if (!chain && vq.broken) this.dev.needsReset(`${q.name}: ${vq.broken}`);
    return chain;
  }

  /** A chain given back to the ring while held comes round again: the debugger already stopped on it. */
  private admittedOnce(q: QueueRuntime, chain: Chain): boolean {
    if (q.admitOnce === undefined) return false;
    const same = q.admitOnce === chain.position;
    q.admitOnce = undefined;
    return same;
  }

  /** Accounts for a chain the device starts working on (after the debugger's gate let it through). */
  private record(q: QueueRuntime, chain: Chain): void {
    q.counters.chains++;
    q.counters.bytesRead += chain.readableBytes;
    if (!this.dev.trace.active) return;
    const summary = this.safeDescribe(q, chain);
    this.dev.trace.emit({
      type: 'chain',
      device: this.dev.id,
      queue: q.index,
      queueName: q.name,
      id: chain.id,
      descriptors: chain.descriptors.length,
      readableBytes: chain.readableBytes,
      writableBytes: chain.writableBytes,
      indirect: chain.indirectTable !== undefined,
      ...(summary ? { summary } : {}),
    });
  }

  private safeDescribe(q: QueueRuntime, chain: Chain): string | undefined {
    try {
      return this.dev.describeChain(q, chain);
    } catch {
      return undefined;
    }
  }

  private process(q: QueueRuntime, chain: Chain, epoch: number): Pending {
    this.record(q, chain);
    const p = q.track(chain);
    const violationsBefore = q.counters.violations;
    let result: number | Promise<number>;
    try {
      result = this.dev.processChain(q, chain);
    } catch (e) {
      this.noteError(q, e);
      result = 0;
    }
    const faulted = q.counters.violations !== violationsBefore;
    // Synchronous completions (most chains) need no closure.
    if (typeof result === 'number') this.complete(q, p, result, epoch, faulted);
    else
      result.then(
        (len) => this.complete(q, p, len, epoch, faulted),
        (e: unknown) => {
          this.noteError(q, e);
          this.complete(q, p, 0, epoch, faulted);
        },
      );
    return p;
  }

  private complete(q: QueueRuntime, p: Pending, len: number, epoch: number, faulted: boolean): void {
    if (faulted) this.finishFaulted(q, p, len, epoch);
    else this.finish(q, p, len, epoch);
  }

  /** A chain that broke a rule: the debugger may hold its completion so the offending chain stays visible. */
  private finishFaulted(q: QueueRuntime, p: Pending, len: number, epoch: number): void {
    if (epoch !== this.dev.epoch || q.faulted || !this.dev.gate?.holdFaulted?.(this.dev, q, p.chain)) {
      this.finish(q, p, len, epoch);
      return;
    }
    // A debugger step waiting on this chain goes on: the chain is accounted for, just not returned yet.
    const wake = this.waiters.get(p);
    this.waiters.delete(p);
    q.faulted = { chain: p.chain, release: () => this.finish(q, p, len, epoch) };
    wake?.();
  }

  private noteError(q: QueueRuntime, e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    this.dev.trace.emit({ type: 'note', device: this.dev.id, message: `${q.name}: device error while processing a chain: ${message}` });
  }

  /** Records a completion; pushes to the used ring in pop order when IN_ORDER is negotiated. */
  private finish(q: QueueRuntime, p: Pending, len: number, epoch: number): void {
    let wake: (() => void) | undefined;
    if (this.waiters.size > 0) {
      wake = this.waiters.get(p);
      this.waiters.delete(p);
    }
    if (epoch !== this.dev.epoch || !q.vq) {
      wake?.();
      return;
    }
    p.len = Math.max(0, Math.min(len, p.chain.writableBytes));
    p.done = true;
    if (q.vq.config.features.inOrder) {
      while (q.pending.length && q.pending[0]!.done) this.push(q, q.pending.shift()!);
    } else {
      q.untrack(p);
      this.push(q, p);
    }
    if (!q.servicing) this.scheduleFlush(q);
    wake?.();
  }

  private push(q: QueueRuntime, p: Pending): void {
    const vq = q.vq!;
    vq.pushUsed(p.chain, p.len);
    q.counters.used++;
    q.counters.bytesWritten += p.len;
    if (this.dev.trace.active) {
      this.dev.trace.emit({ type: 'used', device: this.dev.id, queue: q.index, queueName: q.name, id: p.chain.id, len: p.len, usedIdx: vq.usedIndex });
    }
  }

  private scheduleFlush(q: QueueRuntime): void {
    if (this.flushScheduled.has(q)) return;
    this.flushScheduled.add(q);
    queueMicrotask(() => {
      this.flushScheduled.delete(q);
      this.flush(q);
    });
  }

  /** One notification decision per batch of used buffers. */
  private flush(q: QueueRuntime): void {
    if (q.vq && q.vq.shouldNotify()) this.dev.raise('used', q);
  }

  /** Debugger step: process up to `count` chains regardless of pause and gate; resolves when they completed. */
  async step(q: QueueRuntime, count: number): Promise<number> {
    if (!q.vq) return 0;
    const epoch = this.dev.epoch;
    const done: Promise<void>[] = [];
    let n = 0;
    q.servicing = true;
    try {
      for (; n < count; n++) {
        const chain = q.held ?? this.pop(q);
        if (!chain) break;
        q.admitOnce = undefined;
        q.held = undefined;
        const p = this.process(q, chain, epoch);
        if (!p.done) done.push(new Promise<void>((r) => this.waiters.set(p, r)));
      }
    } finally {
      q.servicing = false;
      this.flush(q);
    }
    await Promise.all(done);
    this.flush(q);
    return n;
  }

  /** On-demand queues (net receive): the device takes a chain when it has data for it. */
  take(q: QueueRuntime): Chain | null {
    if (this.dev.paused || q.paused || !q.vq) return null;
    const fromHold = q.held !== undefined;
    const chain = q.held ?? this.pop(q);
    if (!chain) return null;
    if (!fromHold && !this.admittedOnce(q, chain) && this.dev.gate && !this.dev.gate.admit(this.dev, q, chain)) {
      q.held = chain;
      q.paused = true;
      return null;
    }
    q.held = undefined;
    this.record(q, chain);
    q.track(chain);
    return chain;
  }

  completeTaken(q: QueueRuntime, chain: Chain, len: number): void {
    const p = q.pending.find((x) => x.chain === chain);
    if (!p) return;
    this.finish(q, p, len, this.dev.epoch);
  }
}
