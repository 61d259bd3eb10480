/**
 * The DAP face of the debugger: translates Debug Adapter Protocol requests into SessionRuntime calls and
 * runtime events into DAP events. Threads are queues, frames are pending chains (next on top), scopes are
 * Chain / Queue / Device / Transport.
 */
import {
  DebugSession,
  Event,
  ExitedEvent,
  InitializedEvent,
  InvalidatedEvent,
  MemoryEvent,
  OutputEvent,
  ProgressEndEvent,
  ProgressStartEvent,
  ProgressUpdateEvent,
  Response,
  StoppedEvent,
  TerminatedEvent,
  Thread,
} from '@vscode/debugadapter';
import { type DebugProtocol } from '@vscode/debugprotocol';
import {
  EXCEPTION_FILTERS,
  SET_FORMAT_REQUEST,
  SNAPSHOT_REQUEST,
  STATE_CHANGED_EVENT,
  TRACE_EVENT,
  type SetFormatArguments,
  type SetFormatResponseBody,
  type SnapshotArguments,
  type StateChangedEventBody,
  type TraceEventBody,
} from '../protocol/dap';
import { type TraceEvent } from '../protocol/trace';
import { JsonlTraceWriter, Trace } from '../engine';
import { completionTargets, evaluateExpression } from './inspect/evaluate';
import { exceptionInfo } from './inspect/exception-info';
import { parseFrameId, stackFrames } from './inspect/frames';
import { ringListing } from './inspect/ring-listing';
import { SourceRefs } from './inspect/source-refs';
import { readGuestMemory, writeGuestMemory } from './inspect/memory';
import { ScopeBuilder } from './inspect/scopes';
import { VariableStore } from './inspect/variable-store';
import { LaunchError, validateLaunch, type ValidLaunch } from './launch/validate';
import { BuiltinSession } from './runtime/builtin-session';
import { hostActions } from './runtime/host-actions';
import { SessionRuntime } from './runtime/session-runtime';
import { VhostSession } from './runtime/vhost-session';

/** Trace events sent to the client per 100 ms at most (the newest ones): the trace file has them all. */
const TRACE_BATCH = 2000;

/**
 * A DebugSession, not the library's LoggingDebugSession: that one JSON-stringifies every message once more for
 * its logger and, since nothing calls `logger.setup()`, keeps every string in the logger's pending queue for
 * good — each `virtio/trace` batch included (82 MB after 400,000 trace events; the heap of a long session grew
 * without bound), and a second stringify of each batch on the adapter's thread.
 */
export class VirtioDebugSession extends DebugSession {
  private runtime: SessionRuntime | undefined;
  private builtin: BuiltinSession | undefined;
  private vhost: VhostSession | undefined;
  private clientProgress = false;
  private traceWriter: JsonlTraceWriter | undefined;
  private readonly store = new VariableStore();
  private readonly sources = new SourceRefs();
  private readonly format = { hex: false };
  /** Hex unless the client asks otherwise (virtio/setFormat). */
  private hexDefault = false;
  private readonly scopesBuilder = new ScopeBuilder(this.store, this.format);
  private configurationDone!: () => void;
  private readonly configured = new Promise<void>((r) => (this.configurationDone = r));
  private pendingTrace: TraceEvent[] = [];
  private traceTimer: NodeJS.Timeout | undefined;
  private stateTimer: NodeJS.Timeout | undefined;
  private lastStateReason: StateChangedEventBody['reason'] = 'tick';
  private ended = false;

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  /**
   * Every request is answered, whatever a client sends (docs/security.md): missing arguments are an empty
   * object, arguments that are not an object are refused with an error naming the request, and a handler that throws answers with its error instead of
   * taking the adapter (and every session in it) down. test/fuzz/dap.test.ts found `setVariable` with
   * `"arguments": null` throwing out of the message loop.
   */
  protected override dispatchRequest(request: DebugProtocol.Request): void {
    const a: unknown = request.arguments;
    // Handlers read fields of their arguments (some asynchronously, where a throw would be an unhandled
    // rejection): a request sent without arguments gets an empty object.
    if (a === undefined) request.arguments = {};
    else if (a === null || typeof a !== 'object' || Array.isArray(a)) {
      this.sendErrorResponse(new Response(request), { id: 1100, format: `${request.command}: the arguments must be an object, got ${a === null ? 'null' : Array.isArray(a) ? 'an array' : typeof a}` });
      return;
    }
    try {
      super.dispatchRequest(request);
    } catch (e) {
      this.sendErrorResponse(new Response(request), { id: 1101, format: `${request.command}: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  // ------------------------------------------------------------------ lifecycle

  protected override initializeRequest(response: DebugProtocol.InitializeResponse, args: DebugProtocol.InitializeRequestArguments): void {
    this.clientProgress = args.supportsProgressReporting === true;
    response.body = {
      supportsConfigurationDoneRequest: true,
      supportsFunctionBreakpoints: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsEvaluateForHovers: true,
      supportsSetVariable: true,
      supportsReadMemoryRequest: true,
      supportsWriteMemoryRequest: true,
      supportsCompletionsRequest: true,
      completionTriggerCharacters: ['.', ' '],
      supportsExceptionInfoRequest: true,
      supportsSteppingGranularity: true,
      supportsValueFormattingOptions: true,
      supportsTerminateRequest: true,
      supportsDelayedStackTraceLoading: false,
      exceptionBreakpointFilters: EXCEPTION_FILTERS.map((f) => ({ ...f })),
    };
    this.sendResponse(response);
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.sendResponse(response);
    this.configurationDone();
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: DebugProtocol.LaunchRequestArguments): Promise<void> {
    let launch: ValidLaunch;
    try {
      launch = validateLaunch(args, (args as { cwd?: string }).cwd ?? process.cwd());
    } catch (e) {
      this.sendErrorResponse(response, { id: 1001, format: (e as Error).message, showUser: true });
      return;
    }
    const trace = new Trace({ capacity: 20_000 });
    const runtime = new SessionRuntime(trace);
    this.runtime = runtime;
    try {
      // A trace that fails later (a full disk) is reported once; the session goes on without it.
      if (launch.trace) this.traceWriter = new JsonlTraceWriter(trace, launch.trace, { onError: (m) => this.sendEvent(new OutputEvent(m + '\n', 'stderr')) });
    } catch (e) {
      this.sendErrorResponse(response, { id: 1002, format: `trace: cannot write ${launch.trace} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Fix: point "trace" at a file you can write`, showUser: true });
      return;
    }
    this.wireRuntime(runtime);
    if (!launch.breakOnViolation) runtime.setExceptionFilters([]);
    runtime.stopAll = launch.stopAll;
    runtime.strict = launch.strict;
    if (launch.driver === 'vhost-user') {
      await this.launchVhostUser(response, runtime, launch);
      return;
    }
    const builtin = new BuiltinSession(runtime, launch, (line) => this.sendEvent(new OutputEvent(line + '\n', 'console')));
    this.builtin = builtin;
    try {
      await builtin.start();
    } catch (e) {
      await builtin.close();
      this.sendErrorResponse(response, { id: 1003, format: e instanceof LaunchError ? e.message : `could not start the devices: ${(e as Error).message}`, showUser: true });
      return;
    }
    this.sendResponse(response);
    // Configuration (breakpoints, exception filters) is requested now that threads exist to match against.
    this.sendEvent(new InitializedEvent());
    await this.configured;
    builtin.initDrivers();
    if (launch.stopOnEntry) runtime.stopAtEntry();
    const ok = await builtin.runWorkloads();
    this.finish(ok ? 0 : 1);
  }

  /** vhost-user: serve the sockets, then (optionally) start QEMU; the session lasts until QEMU exits or the user stops it. */
  private async launchVhostUser(response: DebugProtocol.LaunchResponse, runtime: SessionRuntime, launch: ValidLaunch): Promise<void> {
    const progressId = 'virtio-qemu-boot';
    const vhost = new VhostSession(runtime, launch, {
      log: (line, category = 'console') => this.sendEvent(new OutputEvent(line + '\n', category)),
      progress: (kind, message) => {
        if (!this.clientProgress) return;
        if (kind === 'start') this.sendEvent(new ProgressStartEvent(progressId, 'Booting the guest', message));
        else if (kind === 'update') this.sendEvent(new ProgressUpdateEvent(progressId, message));
        else this.sendEvent(new ProgressEndEvent(progressId, message));
      },
      ended: (code) => this.finish(code),
    });
    this.vhost = vhost;
    try {
      await vhost.start();
    } catch (e) {
      await vhost.close();
      this.sendErrorResponse(response, { id: 1003, format: `could not start the devices: ${(e as Error).message}`, showUser: true });
      return;
    }
    this.sendResponse(response);
    this.sendEvent(new InitializedEvent());
    await this.configured;
    if (launch.stopOnEntry) vhost.stopOnEntryWhenReady();
    try {
      await vhost.startQemu();
    } catch (e) {
      this.sendEvent(new OutputEvent(`could not start QEMU: ${(e as Error).message}\n`, 'stderr'));
      this.finish(1);
    }
  }

  protected override attachRequest(response: DebugProtocol.AttachResponse, args: DebugProtocol.AttachRequestArguments): void {
    if ((args as { devices?: unknown }).devices) {
      void this.launchRequest(response, args);
      return;
    }
    this.sendErrorResponse(response, {
      id: 1004,
      format: 'attach: this adapter has no running session to attach to. Fix: include "devices" in the attach configuration, or start the adapter with a session',
      showUser: true,
    });
  }

  private finish(code: number): void {
    if (this.ended) return;
    this.ended = true;
    this.flushTrace();
    this.sendEvent(new OutputEvent(`session finished (exit code ${code})\n`, 'console'));
    this.sendEvent(new ExitedEvent(code));
    void this.closeSession().then(() => this.sendEvent(new TerminatedEvent()));
  }

  private async closeSession(): Promise<void> {
    clearTimeout(this.traceTimer);
    clearTimeout(this.stateTimer);
    await this.builtin?.close();
    await this.vhost?.close();
    this.traceWriter?.close();
    this.traceWriter = undefined;
  }

  protected override async disconnectRequest(response: DebugProtocol.DisconnectResponse): Promise<void> {
    this.ended = true;
    await this.closeSession();
    this.sendResponse(response);
  }

  protected override async terminateRequest(response: DebugProtocol.TerminateResponse): Promise<void> {
    this.ended = true;
    await this.closeSession();
    this.sendResponse(response);
    this.sendEvent(new TerminatedEvent());
  }

  // ------------------------------------------------------------------ runtime → DAP

  private wireRuntime(rt: SessionRuntime): void {
    rt.on('stopped', (e) => {
      this.store.reset();
      const ev = new StoppedEvent(e.reason, e.threadId, e.text) as DebugProtocol.StoppedEvent;
      ev.body.description = e.description;
      ev.body.allThreadsStopped = e.allThreadsStopped;
      if (e.hitBreakpointIds) ev.body.hitBreakpointIds = e.hitBreakpointIds;
      this.sendEvent(ev);
    });
    rt.on('output', (category, text) => this.sendEvent(new OutputEvent(text, category)));
    rt.on('stateChanged', (reason) => this.scheduleState(reason));
    rt.on('trace', (e) => {
      this.pendingTrace.push(e);
      // The client is sent the newest TRACE_BATCH events of each 100 ms. Trimmed once the list is twice that
      // long, not at every event: moving 2000 entries per event cost a busy device more than the event itself.
      if (this.pendingTrace.length >= 2 * TRACE_BATCH) this.pendingTrace.splice(0, this.pendingTrace.length - TRACE_BATCH);
      this.traceTimer ??= setTimeout(() => this.flushTrace(), 100);
    });
  }

  private flushTrace(): void {
    clearTimeout(this.traceTimer);
    this.traceTimer = undefined;
    if (!this.pendingTrace.length) return;
    const pending = this.pendingTrace;
    const body: TraceEventBody = { events: pending.length > TRACE_BATCH ? pending.slice(pending.length - TRACE_BATCH) : pending };
    this.pendingTrace = [];
    this.sendEvent(new Event(TRACE_EVENT, body));
  }

  /** Coalesces state-change notifications (at most every 50 ms) for the webviews. */
  private scheduleState(reason: StateChangedEventBody['reason']): void {
    if (reason === 'stopped' || reason === 'continued') this.lastStateReason = reason;
    else if (this.lastStateReason === 'tick') this.lastStateReason = reason;
    this.stateTimer ??= setTimeout(() => {
      this.stateTimer = undefined;
      const body: StateChangedEventBody = { reason: this.lastStateReason, version: this.runtime?.version ?? 0 };
      this.lastStateReason = 'tick';
      this.sendEvent(new Event(STATE_CHANGED_EVENT, body));
    }, 50);
  }

  // ------------------------------------------------------------------ breakpoints

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    const rt = this.runtime;
    const bps = rt
      ? rt.setFunctionBreakpoints(args.breakpoints)
      : args.breakpoints.map(() => ({ id: 0, verified: false, message: 'no session yet' }));
    response.body = {
      breakpoints: bps.map((b) => ({ id: b.id, verified: b.verified, ...(b.message ? { message: b.message } : {}) })),
    };
    this.sendResponse(response);
  }

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    // Source breakpoints have no meaning here: the "program" is the device, not a source file.
    response.body = {
      breakpoints: (args.breakpoints ?? []).map(() => ({ verified: false, message: 'Use function breakpoints named after queues (e.g. "blk0.requestq1" or "net0.*")' })),
    };
    this.sendResponse(response);
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    this.runtime?.setExceptionFilters(args.filters);
    this.sendResponse(response);
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    response.body = exceptionInfo(this.runtime?.stop);
    this.sendResponse(response);
  }

  // ------------------------------------------------------------------ threads, frames, variables

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: (this.runtime?.threads.all() ?? []).map((t) => new Thread(t.id, t.name)) };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    const rt = this.runtime;
    const frames = rt ? stackFrames(rt, args.threadId, (threadId) => this.sources.source(rt.threads.byId(threadId)?.name ?? `thread ${threadId}`, threadId, rt.version)) : [];
    const start = args.startFrame ?? 0;
    const levels = args.levels || frames.length;
    response.body = { stackFrames: frames.slice(start, start + levels), totalFrames: frames.length };
    this.sendResponse(response);
  }

  /** The listing of a queue (frames point into it); always the queue's current state. */
  protected override sourceRequest(response: DebugProtocol.SourceResponse, args: DebugProtocol.SourceArguments): void {
    const rt = this.runtime;
    const threadId = this.sources.threadOf(args.source?.sourceReference ?? args.sourceReference);
    const thread = threadId !== undefined ? rt?.threads.byId(threadId) : undefined;
    if (!rt || !thread) {
      this.sendErrorResponse(response, { id: 2101, format: 'no such queue listing: the session has ended or the reference is unknown' });
      return;
    }
    const violation = rt.stop?.threadId === thread.id ? rt.stop.violation : undefined;
    response.body = { content: ringListing(thread, rt.frames(thread.id, 200), violation), mimeType: 'text/plain' };
    this.sendResponse(response);
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    const rt = this.runtime;
    const { threadId, index } = parseFrameId(args.frameId);
    const thread = rt?.threads.byId(threadId);
    const chain = rt && index !== undefined ? rt.frames(threadId, index + 1).chains[index] : undefined;
    response.body = { scopes: thread ? this.scopesBuilder.scopes(thread, chain) : [] };
    this.sendResponse(response);
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    this.format.hex = args.format?.hex ?? this.hexDefault;
    response.body = { variables: this.store.get(args.variablesReference) };
    this.sendResponse(response);
  }

  protected override async setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): Promise<void> {
    const target = this.scopesBuilder.configOwner(args.variablesReference);
    if (!target) {
      this.sendErrorResponse(response, { id: 2001, format: `${args.name} cannot be changed: only writable config fields (link status, capacity, writeback) can be set`, showUser: true });
      return;
    }
    try {
      const actions = hostActions(target);
      if (!actions.setConfig) throw new Error(`${target.id} has no writable config fields`);
      const value = await actions.setConfig(target, args.name, args.value);
      response.body = { value };
      this.sendResponse(response);
      this.scheduleState('config');
    } catch (e) {
      this.sendErrorResponse(response, { id: 2002, format: (e as Error).message, showUser: true });
    }
  }

  // ------------------------------------------------------------------ evaluate, completions

  protected override async evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): Promise<void> {
    if (!this.runtime) {
      this.sendErrorResponse(response, { id: 3001, format: 'no session' });
      return;
    }
    try {
      const vhost = this.vhost;
      const withFormat = { ...args, format: { hex: args.format?.hex ?? this.hexDefault } };
      response.body = await evaluateExpression(this.runtime, this.store, withFormat, vhost ? { guestRunning: () => vhost.guestRunning() } : {});
      this.sendResponse(response);
    } catch (e) {
      this.sendErrorResponse(response, { id: 3002, format: (e as Error).message, showUser: false });
    }
  }

  protected override completionsRequest(response: DebugProtocol.CompletionsResponse, args: DebugProtocol.CompletionsArguments): void {
    response.body = { targets: completionTargets(this.runtime, args) };
    this.sendResponse(response);
  }

  // ------------------------------------------------------------------ execution control

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    this.store.reset();
    this.runtime?.continue();
    response.body = { allThreadsContinued: true };
    this.sendResponse(response);
  }

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    this.store.reset();
    this.sendResponse(response);
    void this.runtime?.next(args.threadId);
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    this.store.reset();
    this.sendResponse(response);
    void this.runtime?.next(args.threadId);
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): void {
    this.store.reset();
    this.sendResponse(response);
    void this.runtime?.stepOut(args.threadId);
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse, args: DebugProtocol.PauseArguments): void {
    this.sendResponse(response);
    this.runtime?.pause(args.threadId);
  }

  // ------------------------------------------------------------------ memory

  protected override readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): void {
    try {
      response.body = readGuestMemory(this.runtime, args);
      this.sendResponse(response);
    } catch (e) {
      this.sendErrorResponse(response, { id: 4001, format: (e as Error).message });
    }
  }

  protected override writeMemoryRequest(response: DebugProtocol.WriteMemoryResponse, args: DebugProtocol.WriteMemoryArguments): void {
    try {
      response.body = { bytesWritten: writeGuestMemory(this.runtime, args) };
      this.sendResponse(response);
      this.sendEvent(new MemoryEvent(args.memoryReference, args.offset ?? 0, response.body.bytesWritten!));
      this.scheduleState('tick');
    } catch (e) {
      this.sendErrorResponse(response, { id: 4002, format: (e as Error).message, showUser: true });
    }
  }

  // ------------------------------------------------------------------ custom requests

  protected override customRequest(command: string, response: DebugProtocol.Response, args: unknown): void {
    if (command === SNAPSHOT_REQUEST) {
      const a = snapshotArguments(args);
      if (!this.runtime) {
        this.sendErrorResponse(response, { id: 5001, format: 'no session' });
        return;
      }
      response.body = this.runtime.snapshot({
        rings: a.rings ?? true,
        maxRingEntries: a.maxRingEntries ?? 4096,
        traceEvents: a.traceEvents ?? 0,
        chains: a.chains ?? 0,
        bytesLimit: a.bytesLimit ?? 256,
      });
      this.sendResponse(response);
      return;
    }
    if (command === SET_FORMAT_REQUEST) {
      this.hexDefault = (args as Partial<SetFormatArguments> | undefined)?.hex === true;
      const body: SetFormatResponseBody = { hex: this.hexDefault };
      response.body = body;
      this.sendResponse(response);
      this.sendEvent(new InvalidatedEvent(['variables']));
      return;
    }
    super.customRequest(command, response, args);
  }
}

/** The arguments of `virtio/snapshot` as the client sent them: fields of the wrong type fall back to their defaults. */
function snapshotArguments(args: unknown): SnapshotArguments {
  const field = (k: keyof SnapshotArguments): unknown => (typeof args === 'object' && args !== null ? Reflect.get(args, k) : undefined);
  const rings = field('rings');
  const maxRingEntries = field('maxRingEntries');
  const traceEvents = field('traceEvents');
  const chains = field('chains');
  const bytesLimit = field('bytesLimit');
  return {
    ...(typeof rings === 'boolean' ? { rings } : {}),
    ...(typeof maxRingEntries === 'number' ? { maxRingEntries } : {}),
    ...(typeof traceEvents === 'number' ? { traceEvents } : {}),
    // The panels' chain list (decoded payloads, buffer bytes): dropped here before, so the ring panel in VS Code
    // had no chain to show.
    ...(typeof chains === 'number' ? { chains } : {}),
    ...(typeof bytesLimit === 'number' ? { bytesLimit } : {}),
  };
}
