/**
 * Figure 6 of issue 13: kick → DAP `stopped` latency over BENCH_STOPS stops (default 1000), with the real
 * adapter process (dist/adapter.js) driven over DAP, a function breakpoint on blk0.requestq1 that matches
 * every chain:
 *  - vhost-user: this process is the front end (the unit tests' raw vhost-user front end: guest RAM in a
 *    memfd, eventfds) connected to the session's socket (`driver: vhost-user`, no QEMU). Each round posts one
 *    blk read, kicks, and measures until the `stopped` event arrives; then continues and waits for the chain
 *    to be used. Both ends of the interval are read from this process's clock.
 *  - in process (`driver: builtin`): the reference driver inside the adapter kicks; its `notify` trace event
 *    carries the kick time (the trace's clock is performance.timeOrigin + now, as ours). The driver kicks once
 *    for a batch of chains, so a stop is measured from the later of its kick and the `continue` that let the
 *    queue go on: from the moment the device had a reason to look at the ring.
 * Prints the median and p99 of each.
 */
import { type DebugClient } from '@vscode/debugadapter-testsupport';
import { type DebugProtocol } from '@vscode/debugprotocol';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VhostUserRequest as R } from '../engine/transport/vhost-user/messages';
import { encodeU64 } from '../engine/transport/vhost-user/codec';
import { startClient } from '../test/adapter/support';
import { FrontRing, GuestRam, TestFrontEnd, blkRequest, native } from '../test/engine/transport/vhost-user/front-end';
import { PROTOCOL_BIT, VERSION_1, pfBits, qemuInit } from '../test/engine/transport/vhost-user/harness';
import { saveResult } from './out';

const now = (): number => performance.timeOrigin + performance.now();

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : NaN;
}

/** Stopped events as they arrive, with the time each arrived. */
class Stops {
  private readonly queue: { at: number; e: DebugProtocol.StoppedEvent }[] = [];
  private wake: (() => void) | undefined;
  private failed: string | undefined;
  constructor(dc: DebugClient) {
    dc.on('stopped', (e: DebugProtocol.StoppedEvent) => {
      const at = now();
      if (e.body.reason !== 'breakpoint') this.failed = `a stop for ${e.body.reason} (${e.body.description ?? e.body.text ?? ''}), not the bench's breakpoint`;
      this.queue.push({ at, e });
      this.wake?.();
    });
  }

  async next(ms = 30_000): Promise<{ at: number; e: DebugProtocol.StoppedEvent }> {
    const end = Date.now() + ms;
    if (this.failed) throw new Error(this.failed);
    while (!this.queue.length) {
      if (Date.now() > end) throw new Error(`no stopped event within ${ms} ms`);
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, 200);
      });
    }
    return this.queue.shift()!;
  }
}

async function configure(dc: DebugClient, config: Record<string, unknown>): Promise<void> {
  const configured = dc.waitForEvent('initialized').then(async () => {
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'blk0.requestq1' }] });
    await dc.setExceptionBreakpointsRequest({ filters: ['violation'] });
    await dc.configurationDoneRequest();
  });
  await dc.initializeRequest({ adapterID: 'virtio', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  await dc.launchRequest(config as DebugProtocol.LaunchRequestArguments);
  await configured;
}

export async function overVhostUser(stops: number, dir: string): Promise<number[]> {
  const n = native();
  const socketDir = join(dir, 'sockets');
  const dc = await startClient();
  dc.defaultTimeout = 30_000;
  const arrived = new Stops(dc);
  const ram = new GuestRam(n, 16 << 20, { mapped: true });
  const ring = new FrontRing(n, ram, 0, 'split', 128);
  const err = n.eventfd();
  let fe: TestFrontEnd | undefined;
  const ms: number[] = [];
  try {
    await configure(dc, { type: 'virtio', request: 'launch', driver: 'vhost-user', socketDir, devices: [{ type: 'blk', id: 'blk0', disk: join(dir, 'disk.img'), createDisk: 1, queueSize: 128 }] });
    const socket = join(socketDir, 'blk0.sock');
    for (const end = Date.now() + 20_000; !existsSync(socket); await new Promise((r) => setTimeout(r, 20))) {
      if (Date.now() > end) throw new Error(`the session did not listen on ${socket}`);
    }
    fe = TestFrontEnd.connect(n, socket);
    await qemuInit(fe, { protocol: pfBits('MQ', 'REPLY_ACK', 'CONFIG'), rings: 1, callFds: [ring.call], errFds: [err], blk: true });
    fe.send(R.SET_FEATURES, encodeU64(VERSION_1 | PROTOCOL_BIT));
    const table = ram.memTable();
    await fe.acked(R.SET_MEM_TABLE, table.payload, table.fds);
    ring.setUp(fe, 'qemu');
    const req = blkRequest(ram, 'in', 0, 512);
    for (let i = 0; i < stops; i++) {
      const kicked = now();
      const used = ring.submit(req.buffers);
      const stop = await arrived.next();
      ms.push(stop.at - kicked);
      await dc.continueRequest({ threadId: stop.e.body.threadId ?? 0 });
      await used;
    }
  } finally {
    fe?.close();
    ring.close();
    n.close(err);
    ram.close();
    await dc.stop().catch(() => {});
  }
  return ms;
}

export async function inProcess(stops: number, dir: string): Promise<number[]> {
  const trace = join(dir, 'builtin.jsonl');
  const dc = await startClient();
  dc.defaultTimeout = 30_000;
  const arrived = new Stops(dc);
  const stopTimes: number[] = [];
  const continueTimes: number[] = [];
  try {
    await configure(dc, {
      type: 'virtio',
      request: 'launch',
      driver: 'builtin',
      trace,
      devices: [{ type: 'blk', id: 'blk0', disk: join(dir, 'builtin.img'), createDisk: 1, queueSize: 128 }],
      workload: { kind: 'read', count: stops },
    });
    for (let i = 0; i < stops; i++) {
      const stop = await arrived.next();
      stopTimes.push(stop.at);
      continueTimes.push(now());
      await dc.continueRequest({ threadId: stop.e.body.threadId ?? 0 });
    }
  } finally {
    await dc.stop().catch(() => {});
  }
  // The trace is complete once the adapter ended (its writer flushes at close).
  const kicks = readFileSync(trace, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"notify"') && l.includes('requestq'))
    .map((l) => (JSON.parse(l) as { time: number }).time);
  if (!kicks.length) throw new Error(`no notify event for the request queue in ${trace}`);
  return stopTimes.map((at, i) => {
    let kick = -Infinity;
    for (const k of kicks) if (k <= at && k > kick) kick = k;
    const resumed = i > 0 ? continueTimes[i - 1]! : -Infinity;
    return at - Math.max(kick, resumed);
  });
}

async function main(): Promise<void> {
  const stops = Number(process.env.BENCH_STOPS ?? 1000);
  if (!existsSync(join(__dirname, '..', 'dist', 'adapter.js'))) throw new Error('dist/adapter.js is missing: node scripts/build.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'vd-bench-stops-'));
  try {
    console.log(`kick → DAP stopped over ${stops} stops (the adapter process over DAP, a breakpoint on every chain), ms`);
    const cases = [];
    for (const [name, run] of [['in process', inProcess], ['vhost-user', overVhostUser]] as const) {
      const ms = await run(stops, dir);
      const c = { name, stops: ms.length, medianMs: percentile(ms, 50), p99Ms: percentile(ms, 99), maxMs: Math.max(...ms) };
      cases.push(c);
      console.log(`${name.padEnd(10)}  median ${c.medianMs.toFixed(2)} ms  p99 ${c.p99Ms.toFixed(2)} ms  max ${c.maxMs.toFixed(1)} ms  (${c.stops} stops)`);
    }
    saveResult('stop-latency', { figures: [6], stops, cases });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) void main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
