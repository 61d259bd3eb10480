/**
 * The DAP face of the debugger: translates Debug Adapter Protocol requests into SessionRuntime calls and
 * runtime events into DAP events. Threads are queues, frames are pending chains (next on top), scopes are
 * Chain / Queue / Device / Transport.
 */
import {
  Event,
  ExitedEvent,
  InitializedEvent,
  LoggingDebugSession,
  MemoryEvent,
  OutputEvent,
  StoppedEvent,
  TerminatedEvent,
  Thread,
} from '@vscode/debugadapter';
import { type DebugProtocol } from '@vscode/debugprotocol';
import {
  SNAPSHOT_REQUEST,
  STATE_CHANGED_EVENT,
  TRACE_EVENT,
  type SnapshotArguments,
  type StateChangedEventBody,
  type TraceEventBody,
} from '../protocol/dap';
import { type TraceEvent } from '../protocol/trace';
import { findRule } from '../engine/rules';
import { JsonlTraceWriter, Trace } from '../engine/trace';
import { REPL_COMMANDS, isReplCommand, runReplCommand } from './inspect/repl';
import { ScopeBuilder, parseMemoryRef } from './inspect/scopes';
import { VariableStore } from './inspect/variable-store';
import { completions, resolvePath, viewModel, type ViewValue } from './inspect/view-model';
import { LaunchError, validateLaunch, type ValidLaunch } from './launch/validate';
import { BuiltinSession } from './runtime/builtin-session';
import { hostActions } from './runtime/host-actions';
import { SessionRuntime } from './runtime/session-runtime';

/** Frame ids encode the thread and the chain's position in its queue. */
const FRAME_STRIDE = 100_000;
const IDLE_FRAME = FRAME_STRIDE - 1;

export class VirtioDebugSession extends LoggingDebugSession {
  private runtime: SessionRuntime | undefined;
  private builtin: BuiltinSession | undefined;
  private traceWriter: JsonlTraceWriter | undefined;
  private readonly store = new VariableStore();
  private readonly format = { hex: false };
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

  // ------------------------------------------------------------------ lifecycle

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
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
      exceptionBreakpointFilters: [
        { filter: 'violation', label: 'Spec violations', description: 'Stop when the driver breaks a rule of the VIRTIO spec', default: true },
        { filter: 'reset', label: 'Device reset', description: 'Stop when the driver resets a device or a queue', default: false },
        { filter: 'status', label: 'Status changes', description: 'Stop when the device status changes', default: false },
        { filter: 'config', label: 'Config space', description: 'Stop on config writes by the driver and device config changes', default: false },
      ],
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
    if (launch.driver !== 'builtin') {
      this.sendErrorResponse(response, { id: 1002, format: 'driver: "vhost-user" sessions are not available in this build yet. Fix: use "driver": "builtin"', showUser: true });
      return;
    }
    const trace = new Trace({ capacity: 20_000 });
    const runtime = new SessionRuntime(trace);
    this.runtime = runtime;
    if (launch.trace) this.traceWriter = new JsonlTraceWriter(trace, launch.trace);
    this.wireRuntime(runtime);
    if (!launch.breakOnViolation) runtime.setExceptionFilters([]);
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
      if (this.pendingTrace.length > 2000) this.pendingTrace.splice(0, this.pendingTrace.length - 2000);
      this.traceTimer ??= setTimeout(() => this.flushTrace(), 100);
    });
  }

  private flushTrace(): void {
    clearTimeout(this.traceTimer);
    this.traceTimer = undefined;
    if (!this.pendingTrace.length) return;
    const body: TraceEventBody = { events: this.pendingTrace };
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
    const stop = this.runtime?.stop;
    const v = stop?.violation;
    if (v) {
      const r = findRule(v.rule);
      response.body = {
        exceptionId: v.rule,
        description: `${v.message}`,
        breakMode: 'always',
        details: {
          message: r ? r.rule : v.message,
          typeName: `VIRTIO §${v.section}`,
          fullTypeName: `${v.rule} (VIRTIO §${v.section}, ${v.severity})`,
          stackTrace: [
            r ? `Why: ${r.explanation}` : '',
            r ? `Fix: ${r.fix}` : '',
            v.index !== undefined ? `Offending index: ${v.index}` : '',
            `Where: ${v.device}${v.queueName ? '.' + v.queueName : ''}`,
          ]
            .filter(Boolean)
            .join('\n'),
        },
      };
    } else {
      response.body = { exceptionId: stop?.info.reason ?? 'none', description: stop?.info.description ?? 'not stopped on an exception', breakMode: 'always' };
    }
    this.sendResponse(response);
  }

  // ------------------------------------------------------------------ threads, frames, variables

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: (this.runtime?.threads.all() ?? []).map((t) => new Thread(t.id, t.name)) };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    const rt = this.runtime;
    const thread = rt?.threads.byId(args.threadId);
    if (!rt || !thread) {
      response.body = { stackFrames: [], totalFrames: 0 };
      this.sendResponse(response);
      return;
    }
    const { chains, problem } = rt.frames(args.threadId, 200);
    const frames: DebugProtocol.StackFrame[] = chains.map((c, i) => {
      let summary: string | undefined;
      try {
        summary = thread.device.describeChain(thread.queue, c);
      } catch {
        summary = undefined;
      }
      return {
        id: args.threadId * FRAME_STRIDE + i,
        name: `chain ${c.id}${summary ? `: ${summary}` : ''} (${c.descriptors.length} desc, ${c.readableBytes}+${c.writableBytes} B)`,
        line: 0,
        column: 0,
        presentationHint: 'normal',
      };
    });
    if (problem) frames.push({ id: args.threadId * FRAME_STRIDE + IDLE_FRAME, name: `⚠ ${problem}`, line: 0, column: 0, presentationHint: 'label' });
    if (!frames.length) frames.push({ id: args.threadId * FRAME_STRIDE + IDLE_FRAME, name: `${thread.name}: no pending chain`, line: 0, column: 0, presentationHint: 'label' });
    const start = args.startFrame ?? 0;
    const levels = args.levels || frames.length;
    response.body = { stackFrames: frames.slice(start, start + levels), totalFrames: frames.length };
    this.sendResponse(response);
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    const rt = this.runtime;
    const threadId = Math.floor(args.frameId / FRAME_STRIDE);
    const index = args.frameId % FRAME_STRIDE;
    const thread = rt?.threads.byId(threadId);
    if (!rt || !thread) {
      response.body = { scopes: [] };
      this.sendResponse(response);
      return;
    }
    const chain = index === IDLE_FRAME ? undefined : rt.frames(threadId, index + 1).chains[index];
    response.body = { scopes: this.scopesBuilder.scopes(thread, chain) };
    this.sendResponse(response);
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    this.format.hex = args.format?.hex ?? false;
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

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    const rt = this.runtime;
    if (!rt) {
      this.sendErrorResponse(response, { id: 3001, format: 'no session' });
      return;
    }
    const expr = args.expression.trim();
    try {
      if (args.context === 'repl' && isReplCommand(expr)) {
        response.body = { result: runReplCommand(rt, expr, rt.stop?.threadId), variablesReference: 0 };
        this.sendResponse(response);
        return;
      }
      const r = resolvePath(viewModel(rt.snapshot({ rings: true, maxRingEntries: 4096 })), expr);
      if ('error' in r) throw new Error(r.error);
      response.body = this.evaluateResult(r.value, expr, args.format?.hex ?? false);
      this.sendResponse(response);
    } catch (e) {
      this.sendErrorResponse(response, { id: 3002, format: (e as Error).message, showUser: false });
    }
  }

  private evaluateResult(v: ViewValue, path: string, hex: boolean): { result: string; variablesReference: number } {
    const show = (x: ViewValue): string =>
      typeof x === 'number' ? (hex ? '0x' + x.toString(16) : String(x)) : typeof x === 'object' ? (Array.isArray(x) ? `[${x.length}]` : '{…}') : String(x);
    if (typeof v !== 'object' || v === null) return { result: show(v), variablesReference: 0 };
    const children = (obj: ViewValue, base: string): DebugProtocol.Variable[] =>
      Object.entries(obj as Record<string, ViewValue>).map(([k, x]) => {
        const name = Array.isArray(obj) ? `[${k}]` : k;
        const p = Array.isArray(obj) ? `${base}[${k}]` : `${base}.${k}`;
        return typeof x === 'object' && x !== null
          ? { name, value: show(x), evaluateName: p, variablesReference: this.store.add(() => children(x, p)) }
          : { name, value: show(x), evaluateName: p, variablesReference: 0 };
      });
    return { result: show(v), variablesReference: this.store.add(() => children(v, path)) };
  }

  protected override completionsRequest(response: DebugProtocol.CompletionsResponse, args: DebugProtocol.CompletionsArguments): void {
    const rt = this.runtime;
    const text = args.text.slice(0, args.column - 1);
    const word = /[\w.[\]-]*$/.exec(text)?.[0] ?? '';
    const targets: DebugProtocol.CompletionItem[] = [];
    if (!text.includes(' ')) {
      for (const c of REPL_COMMANDS) if (c.name.startsWith(word)) targets.push({ label: c.name, detail: c.help, type: 'keyword' });
    }
    if (rt) {
      for (const name of completions(viewModel(rt.snapshot({ rings: false })), word)) {
        targets.push({ label: name, text: name, start: args.column - 1 - word.length, length: word.length, type: 'property' });
      }
    }
    response.body = { targets };
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
    const ref = parseMemoryRef(args.memoryReference);
    const device = ref && this.runtime?.device(ref.device);
    if (!ref || !device) {
      this.sendErrorResponse(response, { id: 4001, format: `unknown memory reference ${args.memoryReference}` });
      return;
    }
    const start = ref.gpa + (args.offset ?? 0);
    const count = Math.min(args.count, 1 << 20);
    // Return the mapped prefix; the rest is unreadable (outside guest memory).
    let n = count;
    while (n > 0 && !device.mem.isValid(start, n)) n = n > 4096 ? n - 4096 : n - 1;
    const bytes = n > 0 ? device.mem.peek(start, n)! : new Uint8Array(0);
    response.body = {
      address: '0x' + start.toString(16),
      data: Buffer.from(bytes).toString('base64'),
      ...(n < count ? { unreadableBytes: count - n } : {}),
    };
    this.sendResponse(response);
  }

  protected override writeMemoryRequest(response: DebugProtocol.WriteMemoryResponse, args: DebugProtocol.WriteMemoryArguments): void {
    const ref = parseMemoryRef(args.memoryReference);
    const device = ref && this.runtime?.device(ref.device);
    if (!ref || !device) {
      this.sendErrorResponse(response, { id: 4002, format: `unknown memory reference ${args.memoryReference}` });
      return;
    }
    const data = Buffer.from(args.data, 'base64');
    const start = ref.gpa + (args.offset ?? 0);
    if (!device.mem.isValid(start, data.length)) {
      this.sendErrorResponse(response, { id: 4003, format: `0x${start.toString(16)}..+${data.length} is not in guest memory`, showUser: true });
      return;
    }
    device.mem.write(start, new Uint8Array(data));
    response.body = { bytesWritten: data.length };
    this.sendResponse(response);
    this.sendEvent(new MemoryEvent(args.memoryReference, args.offset ?? 0, data.length));
    this.scheduleState('tick');
  }

  // ------------------------------------------------------------------ custom requests

  protected override customRequest(command: string, response: DebugProtocol.Response, args: unknown): void {
    if (command === SNAPSHOT_REQUEST) {
      const a = (args ?? {}) as SnapshotArguments;
      if (!this.runtime) {
        this.sendErrorResponse(response, { id: 5001, format: 'no session' });
        return;
      }
      response.body = this.runtime.snapshot({
        rings: a.rings ?? true,
        maxRingEntries: a.maxRingEntries ?? 4096,
        traceEvents: a.traceEvents ?? 0,
      });
      this.sendResponse(response);
      return;
    }
    super.customRequest(command, response, args);
  }
}
