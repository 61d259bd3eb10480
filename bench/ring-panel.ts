/**
 * Figure 7 of issue 13: the ring panel with a 32768-entry queue, in Debian's Chromium (playwright-core, the
 * same page and CSP the extension builds, served by the panel tests' host). Two times, medians of N rounds:
 * - first paint: a fresh panel receives the full state of a stop (a real session's snapshot, recorded from the
 *   engine, encoded as the extension's panel controller sends it: extension/panels/ring-patch.ts) until its first
 *   ring rows are in the DOM and a frame has been drawn (goal < 200 ms);
 * - update after a step: the panel showing that stop receives the delta to the snapshot after one `next` (the
 *   same encoder) until the used ring's new index is drawn (goal < 50 ms).
 * Times are taken inside the page (performance.now), from the message being handed to the page, including
 * its JSON parse, as VS Code's postMessage delivers a structured copy. Each is split into phases: JSON parse,
 * the panel's model (store apply), Lit's render of the panel, and the rest (the rows' render, layout and
 * the frame). `BENCH_LEGACY=1` sends whole `snapshot` messages instead (the panel before deltas, for comparison).
 * Needs `node scripts/build.mjs` first.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Page } from 'playwright-core';
import { type SessionInfo, type SnapshotMessage } from '../protocol/webview';
import { ringsMessage } from '../extension/panels/ring-patch';
import { type SessionSnapshot } from '../protocol/snapshot';
import { PanelHost } from '../test/webviews/host';
import { record } from '../test/webviews/record';
import { saveResult } from './out';

const GOAL_FIRST_MS = 200;
const GOAL_UPDATE_MS = 50;

/** `BENCH_TRACE=DIR`: Chromium performance traces of the last round, DIR/first-paint.json and DIR/update.json
 * (scripts/chrome-trace-top.mjs reads them), and CPU profiles of the round before's, DIR/first-paint.cpuprofile and DIR/update.cpuprofile (scripts/cpuprofile-top.mjs). */
const TRACE_CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'disabled-by-default-devtools.timeline.frame', 'blink.user_timing', 'v8.execute'];

const SESSION: SessionInfo = { name: 'bench', state: 'live' };
const legacy = (snapshot: SessionSnapshot): string => JSON.stringify({ type: 'snapshot', session: SESSION, snapshot } satisfies SnapshotMessage);

/**
 * Posts `json` to the panel and returns the ms until the frame showing `done` has been drawn: `done` (over the
 * panel's shadow root) is checked at each animation frame, and once it holds the clock stops in the task after
 * that frame (the frame's style, layout and paint run between its animation-frame callbacks and that task).
 * The check reads only the panel's own elements: it costs the frame nothing measurable. Runs in the page.
 */
// Plain JavaScript run in the page (as a string: tsx would wrap named functions in a helper the page lacks).
const IN_PAGE = `(text, until) => new Promise((resolve, reject) => {
  const root = document.querySelector('virtio-ring-panel').shadowRoot;
  const used = new RegExp('^Used ring[ ]*idx ' + until.usedIdx + ',');
  const ok = () => until.rows
    ? root.querySelector('.scroller .row') !== null
    : [...root.querySelectorAll('.groups > span')].some((s) => used.test((s.textContent || '').trim()));
  performance.clearMeasures();
  const t0 = performance.now();
  window.postMessage(JSON.parse(text), '*');
  const parse = performance.now() - t0;
  const phase = (name) => performance.getEntriesByName(name).reduce((a, e) => a + e.duration, 0);
  const after = new MessageChannel();
  after.port1.onmessage = () => {
    const total = performance.now() - t0;
    const model = phase('ring panel: model');
    const render = phase('ring panel: render');
    after.port1.close();
    resolve({ total, parse, model, render, rest: total - parse - model - render });
  };
  const poll = () => {
    if (ok()) after.port2.postMessage(0);
    else if (performance.now() - t0 > 30000) reject(new Error('the panel did not show ' + JSON.stringify(until) + ' within 30 s'));
    else requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);
})`;

/** Lets the page finish drawing (raster included) what came before: a few animation frames. */
const SETTLE = `new Promise((resolve) => { let n = 0; const f = () => (++n < 5 ? requestAnimationFrame(f) : resolve()); requestAnimationFrame(f); })`;

interface Phases {
  total: number;
  parse: number;
  model: number;
  render: number;
  rest: number;
}

function timeInPage(p: Page, json: string, done: { rows?: true; usedIdx?: number }): Promise<Phases> {
  return p.evaluate(`(${IN_PAGE})(${JSON.stringify(json)}, ${JSON.stringify(done)})`) as Promise<Phases>;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const phases = (xs: Phases[]): string =>
  (['parse', 'model', 'render', 'rest'] as const).map((k) => `${k} ${median(xs.map((x) => x[k])).toFixed(1)}`).join(', ');

async function main(): Promise<void> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
  const rec = await record({
    devices: [{ type: 'blk', id: 'blk0', disk: 'blk0.img', createDisk: 1, queueSize: 32768 }],
    workload: { count: 4, kind: 'read' },
    breakpoint: 'blk0.requestq1',
    step: true,
  });
  const q0 = rec.first.devices[0]!.queues[0]!;
  const q1 = rec.second!.devices[0]!.queues[0]!;
  if (q0.ring?.layout !== 'split' || q1.ring?.layout !== 'split') throw new Error('expected a split ring');
  if (q0.ring.desc.length !== 32768) throw new Error(`expected 32768 descriptors in the snapshot, got ${q0.ring.desc.length}`);
  const old = process.env.BENCH_LEGACY === '1';
  const traceDir = process.env.BENCH_TRACE;
  const first = old ? legacy(rec.first) : JSON.stringify(ringsMessage(SESSION, rec.first, 1));
  const second = old ? legacy(rec.second!) : JSON.stringify(ringsMessage(SESSION, rec.second!, 2, { seq: 1, snapshot: rec.first }));
  const kb = (s: string) => `${(s.length / 1024).toFixed(0)} KiB`;
  console.log(
    `ring panel, blk0.requestq1 with 32768 entries (${old ? 'whole snapshots' : 'full state then delta'}: ${kb(first)} then ${kb(second)} of JSON; the adapter's snapshot ${kb(legacy(rec.first))}), Chromium, median of ${rounds} rounds`,
  );

  const host = new PanelHost();
  await host.start();
  const firstPaint: Phases[] = [];
  const update: Phases[] = [];
  try {
    for (let r = 0; r <= rounds; r++) {
      const p = await host.open('rings');
      const tracing = traceDir !== undefined && r === rounds;
      const cdp = traceDir !== undefined && r === rounds - 1 ? await p.context().newCDPSession(p) : undefined;
      if (cdp) {
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
        await cdp.send('Profiler.start');
      }
      if (tracing) await host.chromium().startTracing(p, { path: join(traceDir, 'first-paint.json'), categories: TRACE_CATEGORIES });
      const a = await timeInPage(p, first, { rows: true });
      if (tracing) await host.chromium().stopTracing();
      if (cdp) {
        writeFileSync(join(traceDir!, 'first-paint.cpuprofile'), JSON.stringify((await cdp.send('Profiler.stop')).profile));
        await cdp.send('Profiler.start');
      }
      await p.evaluate(SETTLE);
      if (tracing) await host.chromium().startTracing(p, { path: join(traceDir, 'update.json'), categories: TRACE_CATEGORIES });
      const b = await timeInPage(p, second, { usedIdx: q1.ring.used.idx });
      if (tracing) await host.chromium().stopTracing();
      if (cdp) writeFileSync(join(traceDir!, 'update.cpuprofile'), JSON.stringify((await cdp.send('Profiler.stop')).profile));
      await p.close();
      if (r === 0) continue; // warm-up: the browser's caches and JIT
      firstPaint.push(a);
      update.push(b);
    }
  } finally {
    await host.close();
  }
  const f = median(firstPaint.map((x) => x.total));
  const u = median(update.map((x) => x.total));
  const result = {
    figure: 7,
    entries: 32768,
    rounds,
    messages: old ? 'snapshot' : 'rings',
    snapshotBytes: first.length,
    deltaBytes: second.length,
    firstPaintMs: f,
    updateMs: u,
    goalFirstPaintMs: GOAL_FIRST_MS,
    goalUpdateMs: GOAL_UPDATE_MS,
    firstPaintRatio: f / GOAL_FIRST_MS,
    updateRatio: u / GOAL_UPDATE_MS,
    samples: { firstPaint: firstPaint.map((x) => Math.round(x.total)), update: update.map((x) => Math.round(x.total)) },
    phasesMs: { firstPaint: phases(firstPaint), update: phases(update) },
  };
  saveResult('ring-panel', result);
  console.log(`first paint          ${f.toFixed(0).padStart(5)} ms  goal < ${GOAL_FIRST_MS} ms  ratio ${result.firstPaintRatio.toFixed(2)} of the goal  (${result.samples.firstPaint.join(', ')})`);
  console.log(`update after a step  ${u.toFixed(0).padStart(5)} ms  goal < ${GOAL_UPDATE_MS} ms  ratio ${result.updateRatio.toFixed(2)} of the goal  (${result.samples.update.join(', ')})`);
  console.log(`phases, median ms: first paint: ${result.phasesMs.firstPaint}; update: ${result.phasesMs.update}`);
}

main().then(
  () => process.exit(0), // the recorded session's workload may keep a timer: do not wait for it
  (e: unknown) => {
    console.error(`ring-panel bench failed: ${(e as Error).stack ?? String(e)}`);
    process.exit(1);
  },
);
