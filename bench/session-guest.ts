/**
 * Figure 2 of issue 13: the guest of figure 1 run under a debug session — the real adapter process
 * (dist/adapter.js) driven over DAP as VS Code does, `driver: vhost-user`, a function breakpoint on the request
 * queue whose condition never matches (so every chain is decoded and judged), tracing on. The adapter starts
 * QEMU itself; the QEMU options are made those of test/guest/guest.ts's qemuArgs (TCG, one vCPU, no reboot,
 * same memory) so that the figure compares back ends, not machines. Returns the run in runGuest's shape.
 */
import { type DebugProtocol } from '@vscode/debugprotocol';
import { startClient } from '../test/adapter/support';
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
}

/** Never true for a disk of this bench's size: the condition is evaluated on every chain, and never stops. */
export const NEVER_MATCHES = 'req.sector >= 4000000000';

export async function runSessionGuest(o: SessionGuestOptions): Promise<GuestRun> {
  const started = Date.now();
  const dc = await startClient();
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
