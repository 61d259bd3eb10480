import { type TraceEvent, type TraceEventInput, type ViolationEvent, type ViolationSeverity } from '../../protocol/trace';
import { rule, type RuleId } from '../rules';

export type TraceListener = (event: TraceEvent) => void;

export interface TraceOptions {
  /** Milliseconds since the epoch; injectable for deterministic tests. */
  clock?: () => number;
  /** How many recent events to keep for inspection (the debugger's timeline). 0 keeps none. */
  capacity?: number;
  /** Occurrences of one rule on one queue shown in full before the rest are counted; see `violationsInFull`. */
  violationsInFull?: number;
}

/** Occurrences of one rule on one queue shown in full by default before the trace counts the rest. */
export const VIOLATIONS_IN_FULL = 10;
/** At most one summary line a second per rule and queue while a driver repeats a violation. */
export const VIOLATION_SUMMARY_MS = 1000;

/** The count of one (device, rule, queue). */
interface Repeats {
  device: string;
  rule: string;
  section: string;
  severity: ViolationSeverity;
  queue: number | undefined;
  queueName: string | undefined;
  total: number;
  /** Counted since the last line about it. */
  pending: number;
  since: number;
  lastLine: number;
}

/** The origin read once: the `performance.timeOrigin` getter doubled the cost of a time stamp (one per event). */
const ORIGIN = performance.timeOrigin;
const defaultClock = () => ORIGIN + performance.now();

/**
 * The typed event stream of a session. Producers emit; listeners (JSON-lines writer, debugger,
 * tests) subscribe. Recent events are kept in a bounded ring for late subscribers.
 */
export class Trace {
  private seq = 0;
  private readonly listeners = new Set<TraceListener>();
  private readonly ring: TraceEvent[] = [];
  private ringStart = 0;
  private readonly clock: () => number;
  private readonly capacity: number;
  private readonly repeats = new Map<string, Repeats>();
  /** The count the last violation went to. */
  private lastRepeat: Repeats | undefined;
  private summaryTimer: NodeJS.Timeout | undefined;
  /**
   * How many occurrences of one rule on one queue are emitted in full (with index, message, section); later
   * ones are counted and reported by `violation-summary` events (once a second while they go on, and when the
   * device resets or `flushViolationSummaries` is called). Infinity emits every one: a debug session that
   * stops on violations sets it, as each one must stop.
   */
  violationsInFull: number;

  constructor(options: TraceOptions = {}) {
    this.clock = options.clock ?? defaultClock;
    this.capacity = options.capacity ?? 10_000;
    this.violationsInFull = options.violationsInFull ?? VIOLATIONS_IN_FULL;
  }

  /** True when someone will see events; producers may skip building expensive summaries otherwise. */
  get active(): boolean {
    return this.listeners.size > 0 || this.capacity > 0;
  }

  /** Stamps and publishes an event. The input object becomes the event (callers pass a fresh literal), which
   *  saves a copy per event on the device's hot path. */
  emit<E extends TraceEventInput>(input: E): TraceEvent {
    const event = input as unknown as TraceEvent;
    event.seq = ++this.seq;
    event.time = this.clock();
    if (this.capacity > 0) {
      if (this.ring.length < this.capacity) this.ring.push(event);
      else {
        this.ring[this.ringStart] = event;
        this.ringStart = (this.ringStart + 1) % this.capacity;
      }
    }
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A broken listener must not break the device; it simply misses events.
      }
    }
    return event;
  }

  /**
   * Reports a violation, filling section and severity from the rule catalogue: the first `violationsInFull`
   * occurrences of a (device, rule, queue) are emitted (and returned); later ones are counted for the next
   * `violation-summary` and return undefined.
   */
  violation(
    device: string,
    ruleId: RuleId,
    message: string,
    where: { queue?: number; queueName?: string; index?: number } = {},
  ): ViolationEvent | undefined {
    // A driver that breaks a rule on every frame repeats the same (device, rule, queue): found without a key.
    let r = this.lastRepeat;
    if (!r || r.device !== device || r.rule !== ruleId || r.queue !== where.queue) r = this.repeats.get(`${device}\u0000${ruleId}\u0000${where.queue ?? ''}`);
    if (!r) {
      const c = rule(ruleId);
      const now = this.clock();
      r = { device, rule: c.id, section: c.section, severity: c.severity, queue: where.queue, queueName: where.queueName, total: 0, pending: 0, since: now, lastLine: now };
      this.repeats.set(`${device}\u0000${ruleId}\u0000${where.queue ?? ''}`, r);
    }
    this.lastRepeat = r;
    r.total++;
    if (r.total <= this.violationsInFull) {
      r.pending = 0;
      const event = this.emit({
        type: 'violation',
        device,
        rule: r.rule,
        section: r.section,
        severity: r.severity,
        message,
        ...where,
      }) as ViolationEvent;
      r.lastLine = event.time;
      return event;
    }
    r.pending++;
    if (r.pending === 1 || this.clock() - r.lastLine >= VIOLATION_SUMMARY_MS) {
      // The first counted one of a burst arms the timer; a busy repeat is summarised as it goes.
      if (r.pending > 1) this.summarise(r);
      else this.armSummaryTimer();
    }
    return undefined;
  }

  /** Emits a `violation-summary` for every rule and queue (of `device`, or all) with occurrences not yet reported. */
  flushViolationSummaries(device?: string): void {
    for (const r of this.repeats.values()) if (r.pending > 0 && (device === undefined || r.device === device)) this.summarise(r);
  }

  /** The device reset (or its front end left): report what was counted and start counting afresh. */
  settleViolations(device: string): void {
    this.flushViolationSummaries(device);
    for (const [key, r] of this.repeats) if (r.device === device) this.repeats.delete(key);
    this.lastRepeat = undefined;
  }

  private summarise(r: Repeats): void {
    const e = this.emit({
      type: 'violation-summary',
      device: r.device,
      rule: r.rule,
      section: r.section,
      severity: r.severity,
      ...(r.queue !== undefined ? { queue: r.queue } : {}),
      ...(r.queueName !== undefined ? { queueName: r.queueName } : {}),
      count: r.pending,
      total: r.total,
      since: r.since,
    });
    r.pending = 0;
    r.lastLine = e.time;
  }

  private armSummaryTimer(): void {
    if (this.summaryTimer) return;
    this.summaryTimer = setTimeout(() => {
      this.summaryTimer = undefined;
      this.flushViolationSummaries();
    }, VIOLATION_SUMMARY_MS);
    this.summaryTimer.unref?.();
  }

  on(listener: TraceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The most recent events, oldest first. */
  recent(limit = Infinity): TraceEvent[] {
    const ordered = this.ring.slice(this.ringStart).concat(this.ring.slice(0, this.ringStart));
    return limit >= ordered.length ? ordered : ordered.slice(ordered.length - limit);
  }

  get count(): number {
    return this.seq;
  }
}
