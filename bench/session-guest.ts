/**
 * Figure 2 of issue 13: the guest of figure 1 run under a debug session — the real adapter process
 * (dist/adapter.js) driven over DAP as VS Code does, `driver: vhost-user`, a function breakpoint on the request
 * queue whose condition never matches (so every chain is decoded and judged), tracing on. The adapter starts
 * QEMU itself; the QEMU options are made those of test/guest/guest.ts's qemuArgs (TCG, one vCPU, no reboot,
 * same memory) so that the figure compares back ends, not machines. Returns the run in runGuest's shape.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { type Readable, type Writable } from 'node:stream';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { type DebugProtocol } from '@vscode/debugprotocol';
import { tiedCommand } from '../adapter/qemu/spawn-tied';
import { ADAPTER } from '../test/adapter/support';
import { parseVdtestLine, type GuestImage, type GuestRun } from '../test/guest/guest';

export interface SessionGuestOptions {
  guest: GuestImage;
  /** init.sh steps, joined into vdtest=. */
  steps: readonly string[];
  disk: string;
  /** The session's trace file (the launch attribute `trace`). */
  trace: string;
  socketDir: string;
  timeoutMs: number;
  /** The adapter bundle to run (default: this build's dist/adapter.js). */
  adapter?: string;
  /** Called with the adapter's pid once its devices listen, before QEMU starts (where start-up ends). */
  started?: (adapterPid: number) => void;
  /** Called with the adapter's pid once the guest is done, before the session ends (its CPU time, threads...). */
  beforeStop?: (adapterPid: number) => void;
}

/**
 * The adapter process, started as VS Code starts it (node dist/adapter.js, DAP on stdio) with the node options
 * ADAPTER_NODE_ARGS gives, e.g. `--cpu-prof --cpu-prof-dir=DIR` to profile it under the bench (node refuses
 * --cpu-prof in NODE_OPTIONS). It ends the way VS Code ends it: disconnect, then its stdin closes and the
 * adapter exits by itself (so a profile is written); SIGKILL if it has not after 10 s.
 */
export class AdapterClient extends DebugClient {
  private child: ChildProcessByStdio<Writable, Readable, Readable> | undefined;
  stderr = '';

  constructor(private readonly adapter = ADAPTER) {
    super('node', adapter, 'virtio');
  }

  override start(): Promise<void> {
    const nodeArgs = (process.env.ADAPTER_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const cmd = tiedCommand(process.execPath, [...nodeArgs, this.adapter]);
    const child = spawn(cmd.file, cmd.args, { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (this.stderr = (this.stderr + c).slice(-4000)));
    this.child = child;
    this.connect(child.stdout, child.stdin);
    return Promise.resolve();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  override async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    const exited = new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
    await this.disconnectRequest().catch(() => {});
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Never true for a disk of this bench's size: the condition is evaluated on every chain, and never stops. */
export const NEVER_MATCHES = 'req.sector >= 4000000000';

export async function runSessionGuest(o: SessionGuestOptions): Promise<GuestRun> {
  const started = Date.now();
  const dc = new AdapterClient(o.adapter);
  await dc.start();
  dc.defaultTimeout = 60_000;
  let consoleText = '';
  dc.on('output', (e: DebugProtocol.OutputEvent) => (consoleText += e.body.output));
  const stops: string[] = [];
  // A stop would hold the guest (and the figure) until the time-out: note it, let the guest go on, and fail after.
  dc.on('stopped', (e: DebugProtocol.StoppedEvent) => {
    stops.push(`${e.body.reason}: ${e.body.description ?? e.body.text ?? ''}`);
    void dc.continueRequest({ threadId: e.body.threadId ?? 0 }).catch(() => {});
  });
  let exitCode: number | null = null;
  let timedOut = false;
  try {
    const exited = dc.waitForEvent('exited', o.timeoutMs) as Promise<DebugProtocol.ExitedEvent>;
    const configured = dc.waitForEvent('initialized').then(async () => {
      const bps = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'blk0.requestq1', condition: NEVER_MATCHES }] });
      if (!bps.body.breakpoints[0]?.verified) throw new Error(`the bench's breakpoint was not verified: ${JSON.stringify(bps.body.breakpoints)}`);
      await dc.setExceptionBreakpointsRequest({ filters: ['violation'] });
      if (dc.pid) o.started?.(dc.pid);
      await dc.configurationDoneRequest();
    });
    await dc.initializeRequest({ adapterID: 'virtio', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    await dc.launchRequest({
      type: 'virtio',
      request: 'launch',
      driver: 'vhost-user',
      socketDir: o.socketDir,
      trace: o.trace,
      devices: [{ type: 'blk', id: 'blk0', disk: o.disk }],
      qemu: {
        kernel: o.guest.kernel,
        initrd: o.guest.initrd,
        memory: '256M',
        append: `console=ttyS0 panic=-1 quiet vdtest=${o.steps.join(',')}`,
        args: ['-accel', 'tcg', '-smp', '1', '-no-reboot'],
      },
    } as DebugProtocol.LaunchRequestArguments);
    await configured;
    try {
      exitCode = (await exited).body.exitCode;
    } catch {
      timedOut = true;
    }
    if (dc.pid) o.beforeStop?.(dc.pid);
  } finally {
    await dc.stop().catch(() => {});
  }
  if (stops.length) throw new Error(`the session stopped, which a breakpoint that never matches must not do: ${stops.join('; ')}`);
  const boots: GuestRun['boots'] = [];
  for (const line of consoleText.split('\n')) {
    const parsed = parseVdtestLine(line);
    if (!parsed) continue;
    if (parsed.step === 'boot') boots.push({ lines: [], done: false });
    const boot = boots[boots.length - 1];
    if (!boot) continue;
    boot.lines.push(parsed);
    if (parsed.step === 'done') boot.done = true;
  }
  return { boots, console: consoleText, exitCode, signal: null, timedOut, durationMs: Date.now() - started };
}
