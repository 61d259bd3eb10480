/**
 * The debugger's runtime, independent of DAP (like vscode-mock-debug's MockRuntime): it owns the devices of
 * a session, decides when to stop (breakpoints on queue notifications, spec violations, resets, status and
 * config changes), and implements continue / next / stepOut / pause on the engine's queue controls.
 */
import { type SessionSnapshot, type StopInfo } from '../../protocol/snapshot';
import { type TraceEvent, type ViolationEvent, type ViolationSummaryEvent } from '../../protocol/trace';
import { type ExceptionFilterId, isExceptionFilterId } from '../../protocol/dap';
import { type Chain, type ChainGate, deviceSnapshot, type QueueRuntime, type Trace, VIOLATIONS_IN_FULL, type VirtioDevice, violationRepeats } from '../../engine';
import { decodeChainLayers } from './chain-decode';
import { BreakpointTable, type FunctionBreakpointInput, type QueueBreakpoint } from './breakpoints';
import { chainValues } from './chain-values';
import { Emitter } from './emitter';
import { ThreadTable, type QueueThread } from './threads';

export interface StoppedEvent {
  reason: StopInfo['reason'];
  threadId: number;
  description: string;
  text?: string;
  allThreadsStopped: boolean;
  hitBreakpointIds?: number[];
}

export type RuntimeEvents = {
  stopped: (e: StoppedEvent) => void;
  continued: (threadId: number) => void;
  output: (category: 'console' | 'stdout' | 'stderr' | 'important', text: string) => void;
  exited: (code: number) => void;
  terminated: () => void;
  stateChanged: (reason: 'stopped' | 'continued' | 'config' | 'status' | 'reset' | 'violation' | 'tick') => void;
  trace: (e: TraceEvent) => void;
};

export interface QueueFrames {
  chains: Chain[];
  /** Why the pending chains could not be walked further (rule: message). */
  problem?: string;
  /** Descriptor index the walk stopped at. */
  problemIndex?: number;
  /** A chain held by a breakpoint is among the chains (after the faulted one). */
  held: boolean;
  /** chains[0] is the chain that broke a rule, held after the violation. */
  faulted: boolean;
}

export interface StopState {
  info: StopInfo;
  threadId: number;
  /** The violation behind an exception stop. */
  violation?: ViolationEvent;
  /** The exception filter that caused an exception stop. */
  filter?: ExceptionFilterId;
}

/** Lets a transport prepare a step (vhost-user: thaw the frozen guest so QEMU restarts the rings). */
export interface StepHooks {
  before(thread: QueueThread): Promise<void>;
  after(): Promise<void>;
}

export class SessionRuntime extends Emitter<RuntimeEvents> {
  stepHooks: StepHooks | undefined;
  readonly threads = new ThreadTable();
  readonly breakpoints = new BreakpointTable();
  readonly devices: VirtioDevice[] = [];
  filters = new Set<ExceptionFilterId>(['violation']);
  /** When one queue stops every queue of the session stops (launch `stopAll`, default true). */
  stopAll = true;
  stop: StopState | undefined;
  version = 0;
  private readonly violations: ViolationEvent[] = [];
  /** The latest count of each (device, rule, queue) the trace collapsed: key as `repeatKey`. */
  private readonly repeats = new Map<string, ViolationSummaryEvent>();
  private stopScheduled = false;
  private readonly gate: ChainGate;

  constructor(readonly trace: Trace) {
    super();
    this.gate = {
      admit: (device, q, chain) => this.admit(device, q, chain),
      // The session stopped on this queue's violation: keep the offending chain (not returned to the driver).
      holdFaulted: (_device, q) => this.stop?.violation !== undefined && this.threads.of(q)?.id === this.stop.threadId,
    };
    trace.on((e) => this.onTrace(e));
    this.followViolationFilter();
  }

  /** Stopping on violations needs each one as an event; otherwise the trace may count repeats (summaries). */
  private followViolationFilter(): void {
    this.trace.violationsInFull = this.filters.has('violation') ? Infinity : VIOLATIONS_IN_FULL;
  }

  /** Every violation stops its queue, servable ones too (launch `strict`); applies to devices added later too. */
  get strict(): boolean {
    return this.strictDevices;
  }

  set strict(on: boolean) {
    this.strictDevices = on;
    for (const d of this.devices) d.strict = on;
  }

  private strictDevices = false;

  addDevice(device: VirtioDevice): void {
    device.strict = this.strictDevices;
    this.devices.push(device);
    this.threads.add(device);
    device.gate = this.gate;
  }

  device(id: string): VirtioDevice | undefined {
    return this.devices.find((d) => d.id === id);
  }

  get stopped(): boolean {
    return this.stop !== undefined;
  }

  setFunctionBreakpoints(inputs: FunctionBreakpointInput[]): QueueBreakpoint[] {
    return this.breakpoints.set(
      inputs,
      this.threads.all().map((t) => t.name),
    );
  }

  setExceptionFilters(filters: string[]): void {
    this.filters = new Set(filters.filter(isExceptionFilterId));
    this.followViolationFilter();
  }

  // ------------------------------------------------------------ stopping

  /** The gate: called by a device before it processes a chain. Returns false to hold it (stop). */
  private admit(_device: VirtioDevice, q: QueueRuntime, chain: Chain): boolean {
    const thread = this.threads.of(q);
    if (!thread || this.breakpoints.forThread(thread.name).length === 0) return true;
    const hit = this.breakpoints.hits(thread.name, () => chainValues(thread, chain));
    if (hit.length === 0) return true;
    const names = hit.map((id) => this.breakpoints.all().find((b) => b.id === id)?.name ?? String(id));
    this.stopOn(thread, { reason: 'breakpoint', thread: thread.name, description: `Paused on ${thread.name} (breakpoint ${names.map((n) => `"${n}"`).join(', ')})` }, hit, undefined, this.stopAll);
    return false;
  }

  /** Stops the session on a thread. The queue itself was paused by the gate (breakpoints) or is paused here. */
  private stopOn(thread: QueueThread, info: StopInfo, hitBreakpointIds?: number[], violation?: ViolationEvent, pauseAll = false, filter?: ExceptionFilterId): void {
    if (this.stop) return;
    this.stop = { info, threadId: thread.id, ...(violation ? { violation } : {}), ...(filter ? { filter } : {}) };
    if (pauseAll) for (const d of this.devices) d.setPaused(true);
    else thread.device.pauseQueue(thread.queue);
    this.version++;
    if (this.stopScheduled) return;
    this.stopScheduled = true;
    // Report after the current engine call returns: the engine must never re-enter through DAP handlers.
    queueMicrotask(() => {
      this.stopScheduled = false;
      if (!this.stop) return;
      this.emit('stopped', {
        reason: info.reason,
        threadId: thread.id,
        description: info.description ?? info.reason,
        ...(violation ? { text: `${violation.rule} (§${violation.section}): ${violation.message}` } : {}),
        allThreadsStopped: pauseAll,
        ...(hitBreakpointIds?.length ? { hitBreakpointIds } : {}),
      });
      this.emit('stateChanged', 'stopped');
    });
  }

  private onTrace(e: TraceEvent): void {
    this.emit('trace', e);
    switch (e.type) {
      case 'violation': {
        this.violations.push(e);
        this.emit('output', 'stderr', `violation ${e.rule} (§${e.section}) ${e.device}${e.queueName ? '.' + e.queueName : ''}: ${e.message}\n`);
        if (this.filters.has('violation')) this.stopOnDeviceEvent('violation', e.device, e.queueName, `Spec violation ${e.rule} (§${e.section})`, e);
        this.emit('stateChanged', 'violation');
        break;
      }
      case 'violation-summary':
        this.repeats.set(repeatKey(e.device, e.rule, e.queueName), e);
        this.emit('output', 'stderr', `violation ${e.rule} (§${e.section}) ${e.device}${e.queueName ? '.' + e.queueName : ''}: ${violationRepeats(e)}\n`);
        this.emit('stateChanged', 'violation');
        break;
      case 'reset':
        if (this.filters.has('reset')) this.stopOnDeviceEvent('reset', e.device, e.queueName, `${e.device} ${e.queueName ? e.queueName + ' ' : ''}reset by the driver`);
        this.emit('stateChanged', 'reset');
        break;
      case 'status':
        if (this.filters.has('status')) this.stopOnDeviceEvent('status', e.device, undefined, `${e.device} status → ${e.names.join('|') || '0'}`);
        this.emit('stateChanged', 'status');
        break;
      case 'config-write':
      case 'config-change':
        if (this.filters.has('config')) this.stopOnDeviceEvent('config', e.device, undefined, `${e.device} config ${e.type === 'config-write' ? 'written by the driver' : 'changed'}${e.field ? ': ' + e.field : ''}`);
        this.emit('stateChanged', 'config');
        break;
    }
  }

  private stopOnDeviceEvent(filter: ExceptionFilterId, deviceId: string, queueName: string | undefined, description: string, violation?: ViolationEvent): void {
    const device = this.device(deviceId);
    if (!device) return;
    const queueThread = queueName ? this.threads.byName(`${deviceId}.${queueName}`) : undefined;
    const thread = queueThread ?? this.threads.firstOf(device);
    if (!thread) return;
    this.stopOn(
      thread,
      { reason: 'exception', thread: thread.name, description, ...(violation ? { rule: violation.rule, section: violation.section } : {}) },
      undefined,
      violation,
      // An event of one queue may stop that queue alone (stopAll: false); a device-wide event stops everything.
      this.stopAll || !queueThread,
      filter,
    );
  }

  /** Pauses every device: nothing is consumed from any queue. */
  pause(threadId?: number): void {
    const thread = (threadId && this.threads.byId(threadId)) || this.threads.all()[0];
    if (!thread) return;
    this.stopOn(thread, { reason: 'pause', thread: thread.name, description: 'Paused' }, undefined, undefined, true);
  }

  /** Stops at entry (every device reached DRIVER_OK, nothing processed yet). */
  stopAtEntry(): void {
    const thread = this.threads.all()[0];
    if (thread) this.stopOn(thread, { reason: 'entry', thread: thread.name, description: 'Every device is ready (DRIVER_OK)' }, undefined, undefined, true);
  }

  // ------------------------------------------------------------ resuming

  private clearStop(): void {
    this.stop = undefined;
    this.version++;
  }

  /** Returns the chains held after a violation to their drivers (their completions go to the used rings). */
  private releaseFaulted(): void {
    for (const d of this.devices) for (const q of d.queues) if (q.faulted) d.releaseFaulted(q);
  }

  /** Resumes every queue and device. */
  continue(): void {
    this.clearStop();
    this.releaseFaulted();
    this.emit('stateChanged', 'continued');
    for (const d of this.devices) {
      d.setPaused(false);
      for (const q of d.queues) if (q.paused) d.resumeQueue(q);
    }
  }

  /** `next`: the device completes one chain of the thread's queue, then the session stops again. */
  async next(threadId: number): Promise<void> {
    await this.stepThread(threadId, () => 1, 'Completed one chain');
  }

  /** `stepOut`: every chain available now is completed, then the session stops again. */
  async stepOut(threadId: number): Promise<void> {
    await this.stepThread(threadId, (q) => Math.max(1, q.pendingCount()), 'Completed every available chain');
  }

  private async stepThread(threadId: number, count: (q: QueueRuntime) => number, what: string): Promise<void> {
    const thread = this.threads.byId(threadId);
    if (!thread) return;
    const { device, queue } = thread;
    this.clearStop();
    this.releaseFaulted();
    // Everything else stays paused while one queue steps (with stopAll: false the others keep running).
    if (this.stopAll) for (const d of this.devices) d.setPaused(true);
    device.pauseQueue(queue);
    await this.stepHooks?.before(thread);
    const n = await device.step(queue, count(queue));
    await this.stepHooks?.after();
    this.stopOn(
      thread,
      { reason: 'step', thread: thread.name, description: n ? `${what} (${n}) on ${thread.name}` : `No chain was available on ${thread.name}` },
      undefined,
      undefined,
      this.stopAll,
    );
  }

  // ------------------------------------------------------------ inspection

  snapshot(o: { rings?: boolean; maxRingEntries?: number; traceEvents?: number; chains?: number; bytesLimit?: number } = {}): SessionSnapshot {
    return {
      version: this.version,
      running: !this.stop,
      ...(this.stop ? { stop: this.stop.info } : {}),
      devices: this.devices.map((d) =>
        deviceSnapshot(d, {
          rings: o.rings ?? true,
          maxRingEntries: o.maxRingEntries ?? 4096,
          ...(o.chains ? { chains: o.chains, bytesLimit: o.bytesLimit ?? 256, decode: decodeChainLayers } : {}),
        }),
      ),
      violations: this.violations.map((v, i) => {
        const total = this.totalAfter(v, i);
        return {
          rule: v.rule,
          section: v.section,
          device: v.device,
          ...(v.queueName ? { queue: v.queueName } : {}),
          ...(v.index !== undefined ? { index: v.index } : {}),
          message: v.message,
          time: v.time,
          ...(total !== undefined ? { total } : {}),
        };
      }),
      ...(o.traceEvents ? { trace: this.trace.recent(o.traceEvents) } : {}),
    };
  }

  /** Chains of a thread's queue for the Call Stack: the one that broke a rule (held after a violation), the
   *  one held by a breakpoint, then the pending ones, next first. */
  frames(threadId: number, max = 64): QueueFrames {
    const t = this.threads.byId(threadId);
    const ring = t?.queue.view;
    if (!t || !ring) return { chains: [], held: false, faulted: false };
    const { held, faulted } = t.queue;
    const peek = ring.peek(max);
    const chains = [...(faulted ? [faulted.chain] : []), ...(held ? [held] : []), ...peek.chains].slice(0, max);
    return {
      chains,
      held: held !== undefined,
      faulted: faulted !== undefined,
      ...(peek.problem ? { problem: `${peek.problem.rule}: ${peek.problem.message}`, ...(peek.problem.index !== undefined ? { problemIndex: peek.problem.index } : {}) } : {}),
    };
  }

  recordedViolations(): readonly ViolationEvent[] {
    return this.violations;
  }

  /** Every occurrence counted of violation `i`'s rule and queue, when the trace collapsed repeats of it and `i`
   *  is the last one listed; else undefined. */
  totalAfter(v: ViolationEvent, i: number): number | undefined {
    const key = repeatKey(v.device, v.rule, v.queueName);
    const r = this.repeats.get(key);
    if (!r || r.seq < v.seq) return undefined;
    for (let j = i + 1; j < this.violations.length; j++) if (repeatKey(this.violations[j].device, this.violations[j].rule, this.violations[j].queueName) === key) return undefined;
    return r.total;
  }
}

function repeatKey(device: string, rule: string, queueName: string | undefined): string {
  return `${device}/${rule}/${queueName ?? ''}`;
}
