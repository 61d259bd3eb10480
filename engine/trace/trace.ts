import { type TraceEvent, type TraceEventInput, type ViolationEvent } from '../../protocol/trace';
import { rule, type RuleId } from '../rules';

export type TraceListener = (event: TraceEvent) => void;

export interface TraceOptions {
  /** Milliseconds since the epoch; injectable for deterministic tests. */
  clock?: () => number;
  /** How many recent events to keep for inspection (the debugger's timeline). 0 keeps none. */
  capacity?: number;
}

const defaultClock = () => performance.timeOrigin + performance.now();

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

  constructor(options: TraceOptions = {}) {
    this.clock = options.clock ?? defaultClock;
    this.capacity = options.capacity ?? 10_000;
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

  /** Emits a violation, filling section and severity from the rule catalogue. */
  violation(
    device: string,
    ruleId: RuleId,
    message: string,
    where: { queue?: number; queueName?: string; index?: number } = {},
  ): ViolationEvent {
    const r = rule(ruleId);
    return this.emit({
      type: 'violation',
      device,
      rule: r.id,
      section: r.section,
      severity: r.severity,
      message,
      ...where,
    }) as ViolationEvent;
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
