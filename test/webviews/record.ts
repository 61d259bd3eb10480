/**
 * Records real session snapshots for the panel tests: the adapter's runtime with the built-in reference
 * driver and real engine devices (a real disk image file), stopped on a breakpoint or a violation, then
 * asked for `virtio/snapshot` exactly as the extension asks for it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SessionSnapshot } from '../../protocol/snapshot';
import { type TraceEvent } from '../../protocol/trace';
import { validateLaunch } from '../../adapter/launch/validate';
import { BuiltinSession } from '../../adapter/runtime/builtin-session';
import { SessionRuntime } from '../../adapter/runtime/session-runtime';
import { Trace } from '../../engine/trace';

export interface Recording {
  /** Snapshot at the first stop. */
  first: SessionSnapshot;
  /** Snapshot at the second stop (after a `next`), for "changed since the last stop". */
  second?: SessionSnapshot;
  /** Every trace event of the session up to the last snapshot. */
  trace: TraceEvent[];
}

export interface RecordOptions {
  devices: unknown[];
  workload?: Record<string, unknown>;
  /** Function breakpoint glob; absent: stop on the violation the workload commits. */
  breakpoint?: string;
  /** Step once (`next`) and take a second snapshot. */
  step?: boolean;
  /** Chains per queue in the snapshot (the panel controller asks for 64). */
  chains?: number;
  maxRingEntries?: number;
}

/** Runs a built-in session to its first stop and returns its snapshots; always ends the session. */
export async function record(o: RecordOptions): Promise<Recording> {
  const dir = mkdtempSync(join(tmpdir(), 'virtio-webviews-'));
  const launch = validateLaunch({ type: 'virtio', request: 'launch', name: 'record', driver: 'builtin', devices: o.devices, workload: o.workload ?? {} }, dir);
  const trace = new Trace({ capacity: 50_000 });
  const events: TraceEvent[] = [];
  trace.on((e) => events.push(e));
  const rt = new SessionRuntime(trace);
  const session = new BuiltinSession(rt, launch, () => {});
  const snap = () => rt.snapshot({ rings: true, maxRingEntries: o.maxRingEntries ?? 32768, chains: o.chains ?? 64, bytesLimit: 256 });
  try {
    await session.start();
    if (o.breakpoint) rt.setFunctionBreakpoints([{ name: o.breakpoint }]);
    const stopped = () =>
      new Promise<void>((resolve) => {
        const off = rt.on('stopped', () => {
          off();
          resolve();
        });
      });
    let stop = stopped();
    session.initDrivers();
    const done = session.runWorkloads();
    const first = await Promise.race([stop.then(() => snap()), done.then(() => undefined)]);
    if (!first) throw new Error('the session ended without stopping');
    let second: SessionSnapshot | undefined;
    if (o.step) {
      stop = stopped();
      await rt.next(rt.stop!.threadId);
      await stop;
      second = snap();
    }
    // Let the workload finish so that every backend is closed.
    rt.setFunctionBreakpoints([]);
    rt.setExceptionFilters([]);
    rt.continue();
    // A workload whose queue a violation broke may wait on answers that never come: do not wait for it.
    // (The built-in blk workload waits on such answers with a very long timer: record-main.ts exits itself.)
    await Promise.race([done, new Promise((r) => setTimeout(r, 3000).unref())]);
    return { first, ...(second ? { second } : {}), trace: events.slice() };
  } finally {
    await session.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
