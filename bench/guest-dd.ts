/**
 * Figures 1, 2, 3 and 8 of issue 13: a Linux guest (QEMU, TCG) runs `dd` with direct I/O (read and write; bs 4k,
 * 64k, 1M; BENCH_DD_MIB MiB each, default 64, 16 at 4k: see mibFor) on a vhost-user-blk disk served by, in alternating rounds,
 * `virtio-debug serve blk`, `virtio-debug serve blk --trace FILE`, `qemu-storage-daemon --export
 * type=vhost-user-blk` and a debug session (the real adapter process over DAP, `driver: vhost-user`, a function
 * breakpoint that never matches, tracing on; bench/session-guest.ts) — same guest, same image, same QEMU
 * options. Prints medians and the ratios serve ÷ qsd (figure 1), session ÷ serve (figure 2) and serve --trace
 * ÷ serve (figure 3), and serve's peak RSS (figure 8, VmHWM).
 * One QEMU at a time; everything started is stopped. Needs the bundle (node scripts/build.mjs), QEMU and
 * qemu-storage-daemon (Debian qemu-system-x86 / qemu-system-common).
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureQemuGuest, describeRun, runGuest, type GuestImage } from '../test/guest/guest';
import { ServeProcess, scratchDir } from '../test/guest/serve-process';
import { runSessionGuest } from './session-guest';
import { saveResult } from './out';
import { needQemuTools, startQsd, type Qsd } from './qsd';

// serve-async: serve with every request on libuv's thread pool (VIRTIO_DEBUG_BLK_SYNC_MAX=0), for A/B runs of the
// synchronous small-request path; serve-b: serve with the environment BENCH_SERVE_B_ENV adds ("NAME=VALUE,..."),
// for A/B runs of any other switch, and run from the checkout BENCH_SERVE_B_DIR when set (another build, e.g. a
// worktree of main: the same run compares two builds); session-b: the debug session with the adapter bundle
// BENCH_SESSION_B_ADAPTER (e.g. another build's dist/adapter.js), for A/B runs of an adapter change. Each is only
// booted when BENCH_BACKENDS names it.
export type Backend = 'serve' | 'serve-trace' | 'qsd' | 'session' | 'serve-async' | 'serve-b' | 'session-b';
export const SIZES = [4096, 65536, 1 << 20];
const OPS = ['read', 'write'] as const;

export interface DdCase {
  op: 'read' | 'write';
  bs: number;
}

export interface GuestDdResult {
  rounds: number;
  mib: number;
  /** MiB/s per backend and case ("read 4096"), every round. */
  samples: Record<Backend, Record<string, number[]>>;
  /** serve's peak RSS (VmHWM) per round, KiB; and with --trace. */
  peakRssKiB: Record<'serve' | 'serve-trace', number[]>;
  traceBytes: number[];
}

const caseKey = (c: DdCase) => `${c.op} ${c.bs}`;
/** Every case, or those BENCH_DD_CASES names ("read:1048576,write:4096"; "read" or "1048576" alone: all of that op / size). */
export const CASES: DdCase[] = SIZES.flatMap((bs) => OPS.map((op) => ({ op, bs }))).filter((c) => {
  const only = process.env.BENCH_DD_CASES?.split(',').filter(Boolean);
  return !only || only.some((o) => o === c.op || o === String(c.bs) || o === `${c.op}:${c.bs}`);
});

/** The environment BENCH_SERVE_B_ENV gives the serve-b back end: "NAME=VALUE,NAME=VALUE". */
function serveBEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of (process.env.BENCH_SERVE_B_ENV ?? '').split(',').filter(Boolean)) {
    const eq = kv.indexOf('=');
    if (eq < 1) throw new Error(`BENCH_SERVE_B_ENV: "${kv}" is not NAME=VALUE`);
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return env;
}

/** The adapter bundle of the session-b back end. */
function sessionBAdapter(): string {
  const path = process.env.BENCH_SESSION_B_ADAPTER;
  if (!path || !existsSync(path)) throw new Error(`session-b needs BENCH_SESSION_B_ADAPTER, an adapter bundle (e.g. another build's dist/adapter.js); got ${path ? `${path}, which does not exist` : 'nothing'}`);
  return path;
}

function peakRss(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** CPU time the process's threads ran so far, in ms, from the scheduler (0 when it is gone). */
function cpuMs(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    let ns = 0;
    for (const t of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
    return Math.round(ns / 1e6);
  } catch {
    return 0;
  }
}

/**
 * Per thread of the process (BENCH_VERBOSE: which thread of the back end works): name, CPU ms from the
 * scheduler (/proc/PID/task/TID/schedstat: nanoseconds actually run, where the user/system split of stat is
 * sampled at clock ticks and overcounts a thread that wakes often), of which user+system by ticks, and the
 * context switches (voluntary: it slept; involuntary: it was preempted).
 */
function threadCpu(pid: number | undefined): string {
  if (!pid) return '';
  try {
    return readdirSync(`/proc/${pid}/task`)
      .map((t) => {
        const dir = `/proc/${pid}/task/${t}`;
        const st = readFileSync(`${dir}/stat`, 'utf8');
        const f = st.replace(/^.*\) /s, '').split(' ');
        const ranNs = Number(readFileSync(`${dir}/schedstat`, 'utf8').split(' ')[0]);
        const status = readFileSync(`${dir}/status`, 'utf8');
        const sw = (k: string) => new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? '0';
        return { name: /\((.*)\)/s.exec(st)?.[1] ?? t, ran: ranNs / 1e6, user: Number(f[11]) * 10, sys: Number(f[12]) * 10, vol: sw('voluntary_ctxt_switches'), invol: sw('nonvoluntary_ctxt_switches') };
      })
      .filter((t) => t.ran >= 1)
      .map((t) => `${t.name} ${t.ran.toFixed(0)} (${t.user}+${t.sys}; switches ${t.vol}/${t.invol})`)
      .join(', ');
  } catch {
    return '';
  }
}

/** The process's page faults so far (minor: a page mapped on first touch, e.g. guest RAM in a new mapping). */
function faults(pid: number | undefined): string {
  if (!pid) return '';
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    return `page faults minor ${f[7]}, major ${f[9]}`;
  } catch {
    return '';
  }
}

/**
 * Reads the image once, so its pages are in the page cache before the first round: otherwise the first back end
 * booted pays for filling it (allocating and zeroing every page of the new sparse file) and the others do not.
 */
function warmPageCache(image: string): void {
  const fd = openSync(image, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    while (readSync(fd, buf, 0, buf.length, null) > 0);
  } finally {
    closeSync(fd);
  }
}

/** One boot against one back end: MiB/s per case, and serve's peak RSS. */
async function boot(guest: GuestImage, backend: Backend, dir: string, image: string, mib: number, round: number): Promise<{ mibs: Record<string, number>; rssKiB: number; traceBytes: number; cpuMs: number }> {
  const socket = join(dir, `${backend}-${round}.sock`);
  const trace = join(dir, `trace-${round}.jsonl`);
  let serve: ServeProcess | undefined;
  let qsd: Qsd | undefined;
  if (backend === 'qsd') {
    qsd = await startQsd(image, socket);
  } else if (backend === 'serve' || backend === 'serve-trace' || backend === 'serve-async' || backend === 'serve-b') {
    // serve's defaults, as a user runs it (seg_max fits QEMU's default 128-entry rings).
    const args = ['serve', 'blk', '--socket', socket, '--disk', image];
    const extra = backend === 'serve-async' ? { VIRTIO_DEBUG_BLK_SYNC_MAX: '0' } : backend === 'serve-b' ? serveBEnv() : {};
    const saved = Object.keys(extra).map((k) => [k, process.env[k]] as const);
    Object.assign(process.env, extra);
    try {
      const from = backend === 'serve-b' ? process.env.BENCH_SERVE_B_DIR : undefined;
      serve = await ServeProcess.start([...args, ...(backend === 'serve-trace' ? ['--trace', trace] : [])], socket, undefined, from || undefined);
    } finally {
      for (const [k, v] of saved) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }
  let rssKiB = 0;
  // Start-up (Node, the bundle) is not the back end's cost per request: count CPU from here on.
  const cpuBefore = cpuMs(serve?.child.pid ?? qsd?.pid);
  // The adapter's CPU time (and threads, with BENCH_VERBOSE), read when the guest is done, before it exits.
  let adapterCpu = 0;
  const beforeStop = (pid: number): void => {
    adapterCpu = cpuMs(pid);
    if (process.env.BENCH_VERBOSE) console.log(`session adapter (pid ${pid}) threads, CPU ms run (ticks user+system; switches voluntary/involuntary): ${threadCpu(pid)}; ${faults(pid)}`);
  };
  try {
    const steps = CASES.map((c) => `blk-dd:${c.op}:${c.bs}:${mibFor(c.bs, mib) << 20}`);
    const adapter = backend === 'session-b' ? sessionBAdapter() : undefined;
    const run =
      backend === 'session' || backend === 'session-b'
        ? await runSessionGuest({ guest, steps, disk: image, trace, socketDir: join(dir, `${backend}-${round}`), timeoutMs: 300_000, beforeStop, ...(adapter ? { adapter } : {}) })
        : await runGuest({ ...guest, steps, vhostUser: [{ kind: 'blk', socket }], timeoutMs: 150_000 });
    rssKiB = peakRss(serve?.child.pid);
    // The back end's CPU time for the whole boot after start-up (with one case, BENCH_DD_CASES, that is per request).
    const cpu = backend === 'session' || backend === 'session-b' ? adapterCpu : cpuMs(serve?.child.pid ?? qsd?.pid) - cpuBefore;
    if (process.env.BENCH_VERBOSE && !backend.startsWith('session')) console.log(`${backend} threads, CPU ms run (ticks user+system; switches voluntary/involuntary): ${threadCpu(serve?.child.pid ?? qsd?.pid)}; ${faults(serve?.child.pid ?? qsd?.pid)}`);
    const mibs: Record<string, number> = {};
    for (const c of CASES) {
      const line = run.boots[0]?.lines.find((l) => l.step === 'blk-dd' && l.fields.op === c.op && l.fields.bs === String(c.bs));
      if (!line || line.status !== 'ok') throw new Error(`${backend}: no result for dd ${caseKey(c)}${describeRun(run)}${serve ? `\nserve:\n${serve.output.slice(-2000)}` : qsd ? `\nqsd:\n${qsd.output()}` : ''}`);
      const secs = Number(line.fields.seconds) || Number(line.fields.wall_ms) / 1000;
      mibs[caseKey(c)] = Number(line.fields.bytes) / (1 << 20) / secs;
    }
    return { mibs, rssKiB, cpuMs: cpu, traceBytes: (backend === 'serve-trace' || backend.startsWith('session')) && existsSync(trace) ? statSync(trace).size : 0 };
  } finally {
    if (serve) {
      const out = await serve.stop('SIGTERM');
      if (process.env.BENCH_VERBOSE) console.log(out.output);
    }
    await qsd?.stop();
  }
}

/**
 * MiB each case moves. 4 KiB direct I/O runs at a few MiB/s under TCG: 64 MiB of it would take most of the
 * 15 minutes `npm run bench` may use, so that size moves BENCH_DD_SMALL_MIB (default 16: 4096 requests per
 * case), the others BENCH_DD_MIB.
 */
export function mibFor(bs: number, mib: number): number {
  return bs <= 4096 ? Math.min(mib, Number(process.env.BENCH_DD_SMALL_MIB ?? 16)) : mib;
}

export async function runGuestDd(rounds: number, mib: number, log: (s: string) => void): Promise<GuestDdResult> {
  needQemuTools();
  if (!existsSync(join(__dirname, '..', 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: node scripts/build.mjs');
  const guest = await ensureQemuGuest();
  const scratch = scratchDir('vd-bench-dd-');
  const image = join(scratch.dir, 'disk.img');
  writeFileSync(image, Buffer.alloc(0));
  truncateSync(image, (mib + 16) << 20);
  warmPageCache(image);
  const result: GuestDdResult = {
    rounds,
    mib,
    samples: { serve: {}, 'serve-trace': {}, qsd: {}, session: {}, 'serve-async': {}, 'serve-b': {}, 'session-b': {} },
    peakRssKiB: { serve: [], 'serve-trace': [] },
    traceBytes: [],
  };
  try {
    for (let round = 0; round < rounds; round++) {
      // Alternate the order too, so neither back end always runs on a warmer page cache.
      const order: Backend[] = round % 2 ? ['qsd', 'session-b', 'session', 'serve-trace', 'serve-b', 'serve-async', 'serve'] : ['serve', 'serve-async', 'serve-b', 'serve-trace', 'session', 'session-b', 'qsd'];
      const only = process.env.BENCH_BACKENDS?.split(',');
      for (const b of order.filter((x) => (only ? only.includes(x) : x !== 'serve-async' && x !== 'serve-b' && x !== 'session-b'))) {
        // This process's own CPU too: with a session it is the DAP client (VS Code's part), reading every event.
        const own = process.cpuUsage();
        const r = await boot(guest, b, scratch.dir, image, mib, round);
        const ownCpu = process.cpuUsage(own);
        for (const [k, v] of Object.entries(r.mibs)) (result.samples[b][k] ??= []).push(v);
        if (b === 'serve' || b === 'serve-trace') result.peakRssKiB[b].push(r.rssKiB);
        if (b === 'serve-trace') result.traceBytes.push(r.traceBytes);
        const requests = CASES.reduce((n, c) => n + ((mibFor(c.bs, mib) << 20) / c.bs), 0);
        log(`  round ${round + 1} ${b.padEnd(11)} ${CASES.map((c) => `${caseKey(c)}: ${r.mibs[caseKey(c)]!.toFixed(1)}`).join('  ')} MiB/s  (back end CPU ${r.cpuMs} ms, ${((r.cpuMs * 1000) / requests).toFixed(0)} µs per dd block; bench process ${Math.round((ownCpu.user + ownCpu.system) / 1000)} ms)`);
      }
    }
  } finally {
    scratch.remove();
  }
  return result;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2) : NaN;
};

export function ddKey(c: DdCase): string {
  return caseKey(c);
}

async function main(): Promise<void> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const mib = Number(process.env.BENCH_DD_MIB ?? 64);
  console.log(`guest dd, direct I/O, ${mib} MiB per case (${mibFor(4096, mib)} MiB at 4k), ${rounds} alternating rounds (serve, serve --trace, debug session, qemu-storage-daemon), medians`);
  const r = await runGuestDd(rounds, mib, (s) => console.log(s));
  const cases = CASES.map((c) => {
    const k = caseKey(c);
    const m = (b: Backend) => median(r.samples[b][k] ?? []);
    return { op: c.op, bs: c.bs, serve: m('serve'), serveTrace: m('serve-trace'), session: m('session'), qsd: m('qsd'), figure1: m('serve') / m('qsd'), figure2: m('session') / m('serve'), figure3: m('serve-trace') / m('serve') };
  });
  saveResult('guest-dd', { figures: [1, 2, 3, 8], rounds, mib, mibAt4k: mibFor(4096, mib), cases, peakRssMiB: { serve: median(r.peakRssKiB.serve) / 1024, serveTrace: median(r.peakRssKiB['serve-trace']) / 1024 }, traceBytes: r.traceBytes, samples: r.samples });
  for (const c of CASES) {
    const k = caseKey(c);
    const [s, t, d, q] = [median(r.samples.serve[k] ?? []), median(r.samples['serve-trace'][k] ?? []), median(r.samples.session[k] ?? []), median(r.samples.qsd[k] ?? [])];
    const a = median(r.samples['serve-async'][k] ?? []);
    const b = median(r.samples['serve-b'][k] ?? []);
    const sb = median(r.samples['session-b'][k] ?? []);
    console.log(`${c.op.padEnd(5)} bs ${String(c.bs).padStart(7)}  serve ${s.toFixed(1).padStart(7)}  qsd ${q.toFixed(1).padStart(7)}  serve÷qsd ${(s / q).toFixed(2)}  session÷serve ${(d / s).toFixed(2)}  trace÷serve ${(t / s).toFixed(2)}${a ? `  serve÷serve-async ${(s / a).toFixed(2)}` : ''}${b ? `  serve-b ${b.toFixed(1)} serve-b÷serve ${(b / s).toFixed(2)} serve-b÷qsd ${(b / q).toFixed(2)}` : ''}${sb ? `  session-b ${sb.toFixed(1)} session-b÷serve ${(sb / s).toFixed(2)}` : ''}  MiB/s`);
  }
  console.log(`serve peak RSS ${(median(r.peakRssKiB.serve) / 1024).toFixed(0)} MiB (with --trace ${(median(r.peakRssKiB['serve-trace']) / 1024).toFixed(0)} MiB)`);
}

if (require.main === module) void main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
