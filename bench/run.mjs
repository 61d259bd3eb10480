// Runs every benchmark (bench/*.ts, or those whose name contains an argument) one after the other; each prints
// its figures and ratios and saves them in bench/.out/<name>.json. Then the saved figures are merged, with the
// date and the machine, into bench/.out/results.json and printed as one table (the README's "Performance").
// `--only fig2,fig4` (or `--only fig2 --only fig4`) runs the benchmarks of those figures of issue 13; the
// guest dd bench then boots only the back ends those figures compare. The guest figures and the ring panel
// (figure 7) need the bundles, which are built first.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

const here = new URL('.', import.meta.url).pathname;
const out = join(here, '.out');
// Which bench files measure which figure; guest-dd.ts's back ends per figure (BENCH_BACKENDS).
const FIGURES = {
  fig1: { files: ['guest-dd.ts', 'guest-fio.ts'], backends: ['serve', 'qsd'] },
  fig2: { files: ['guest-dd.ts'], backends: ['serve', 'session'] },
  // trace-cost.ts: the trace's cost per event in process, which figure 3 (and 2, 4 with --trace) pay per request.
  fig3: { files: ['guest-dd.ts', 'trace-cost.ts'], backends: ['serve', 'serve-trace'] },
  fig4: { files: ['dpdk-net.ts'] },
  fig5: { files: ['engine-throughput.ts'] },
  fig6: { files: ['stop-latency.ts'] },
  fig7: { files: ['ring-panel.ts'] },
  fig8: { files: ['guest-dd.ts', 'dpdk-net.ts', 'rss-requests.ts'], backends: ['serve', 'serve-trace'] },
};
const only = [];
const figures = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] !== '--only' && !argv[i].startsWith('--only=')) {
    only.push(argv[i]);
    continue;
  }
  const value = argv[i] === '--only' ? argv[++i] : argv[i].slice('--only='.length);
  for (const fig of (value ?? '').split(',').filter(Boolean)) {
    const name = /^\d+$/.test(fig) ? `fig${fig}` : fig;
    if (!FIGURES[name]) {
      console.error(`--only ${fig}: no such figure (have ${Object.keys(FIGURES).join(', ')}})`);
      process.exit(2);
    }
    figures.push(name);
  }
}
// Modules the benches import (no figures of their own), and profiling aids run by hand (serve-cpu.ts).
const HELPERS = new Set(['out.ts', 'qsd.ts', 'raw-front-end.ts', 'session-guest.ts', 'testpmd.ts', 'serve-cpu.ts']);
const all = readdirSync(here).filter((f) => f.endsWith('.ts') && !HELPERS.has(f)).sort();
const benches = all.filter((f) => (!only.length && !figures.length) || only.some((o) => f.includes(o)) || figures.some((g) => FIGURES[g].files.includes(f)));
const backends = figures.flatMap((g) => (FIGURES[g].files.includes('guest-dd.ts') ? FIGURES[g].backends : []));
if (backends.length && !process.env.BENCH_BACKENDS) process.env.BENCH_BACKENDS = [...new Set(backends)].join(',');
mkdirSync(out, { recursive: true });
for (const f of benches) rmSync(join(out, f.replace(/\.ts$/, '.json')), { force: true });

if (benches.some((f) => f.startsWith('guest') || f === 'ring-panel.ts')) spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
// The in-process engine benches run from an esbuild bundle, as the engine ships (dist/ is esbuild's too): under
// tsx every module export is a getter and every function gets a __name call, ~10 % of figure 5's engine time.
const BUNDLED = new Set(['engine-throughput.ts', 'ring-throughput.ts']);
async function bundle(f) {
  const { build } = await import('esbuild');
  const file = join(out, 'bundles', f.replace(/\.ts$/, '.cjs'));
  // __dirname stays bench/ so saveResult writes where it does under tsx.
  await build({ entryPoints: [join(here, f)], outfile: file, bundle: true, platform: 'node', format: 'cjs', packages: 'external', define: { __dirname: JSON.stringify(here.replace(/\/$/, '')) }, logLevel: 'warning' });
  return file;
}
for (const f of benches) {
  console.log(`\n# ${f}${BUNDLED.has(f) ? ' (bundled)' : ''}`);
  const args = BUNDLED.has(f) ? [await bundle(f)] : ['--import', 'tsx', `bench/${f}`];
  const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = 1;
}

const load = (name) => (existsSync(join(out, `${name}.json`)) ? JSON.parse(readFileSync(join(out, `${name}.json`), 'utf8')) : undefined);
const results = {
  date: new Date().toISOString(),
  machine: `${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
  engineThroughput: load('engine-throughput'),
  guestDd: load('guest-dd'),
  guestFio: load('guest-fio'),
  vhostBlk: load('vhost-blk'),
  dpdkNet: load('dpdk-net'),
  stopLatency: load('stop-latency'),
  rssRequests: load('rss-requests'),
  ringPanel: load('ring-panel'),
};
writeFileSync(join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);

const rows = [];
// Figures a partial run (--only) did not measure are null in the JSON (NaN): shown as —.
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '—');
const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : '—');
const size = (bs) => (bs >= 1 << 20 ? `${bs >> 20}M` : `${bs >> 10}k`);
for (const c of results.guestDd?.cases ?? []) {
  rows.push([`1: guest dd ${c.op} bs ${size(c.bs)}`, `${f2(c.serve)} MiB/s ÷ qsd ${f2(c.qsd)}`, f2(c.figure1), '≥ 1.0']);
}
for (const c of results.guestFio?.cases ?? []) {
  rows.push([`1: guest fio ${c.name}`, `${f0(c.serveIops)} IOPS ÷ qsd ${f0(c.qsdIops)}`, f2(c.figure1), '≥ 1.0']);
}
for (const c of results.guestDd?.cases ?? []) {
  if (Number.isFinite(c.session)) rows.push([`2: debug session, dd ${c.op} ${size(c.bs)}`, `${f2(c.session)} ÷ serve ${f2(c.serve)} MiB/s`, f2(c.figure2), '≥ 0.9']);
}
for (const c of results.guestDd?.cases ?? []) rows.push([`3: serve --trace, dd ${c.op} ${size(c.bs)}`, `${f2(c.serveTrace)} ÷ ${f2(c.serve)} MiB/s`, f2(c.figure3), '≥ 0.8']);
for (const c of results.engineThroughput?.cases ?? []) {
  rows.push([`5: engine ${c.layout} ${c.name}`, `${c.chainsPerSec.toFixed(0)} chains/s, ${(c.bytesPerSec / 2 ** 20).toFixed(1)} MiB/s ÷ copy ${(c.copyBytesPerSec / 2 ** 20).toFixed(0)}`, c.ratio.toFixed(4), '≥ 0.5']);
}
const kpps = (x) => (Number.isFinite(x) ? (x / 1e3).toFixed(1) : '—');
for (const c of results.dpdkNet?.cases ?? []) {
  const what = c.workload === 'txonly' ? 'txonly pps' : 'io round trips/s (responder)';
  rows.push([`4: DPDK virtio_user → serve net, ${what}`, `${kpps(c.serve)}k ÷ net_vhost ${kpps(c.netVhost)}k`, f2(c.ratio), '≥ 1.0']);
  rows.push([`4: same, serve net --trace`, `${kpps(c.serveTrace)}k ÷ ${kpps(c.netVhost)}k`, f2(c.ratioTrace), '≥ 1.0']);
}
for (const c of results.stopLatency?.cases ?? []) {
  rows.push([`6: kick → DAP stopped, ${c.name} (${c.stops} stops)`, `median ${f2(c.medianMs)} ms, p99 ${f2(c.p99Ms)} ms`, '', 'median < 2 ms, p99 < 10 ms']);
}
const rp = results.ringPanel;
if (rp) {
  rows.push([`7: ring panel first paint, ${rp.entries} entries (Chromium)`, `median ${f0(rp.firstPaintMs)} ms of ${rp.rounds}`, f2(rp.firstPaintRatio), `< ${rp.goalFirstPaintMs} ms (ratio < 1)`]);
  rows.push(['7: ring panel update after a step', `median ${f0(rp.updateMs)} ms`, f2(rp.updateRatio), `< ${rp.goalUpdateMs} ms (ratio < 1)`]);
}
if (results.guestDd) rows.push(['8: serve peak RSS (dd run)', `${f0(results.guestDd.peakRssMiB.serve)} MiB (--trace ${f0(results.guestDd.peakRssMiB.serveTrace)} MiB)`, '', 'flat']);
if (results.dpdkNet) rows.push(['8: serve net peak RSS (figure 4 run)', `${f0(results.dpdkNet.peakRssMiB)} MiB`, '', 'flat']);
for (const r of results.rssRequests?.runs ?? []) {
  rows.push([`8: serve blk${r.trace ? ' --trace' : ''} RSS after ${r.points.map((p) => p.requests.toExponential(0)).join(' / ')} requests`, `${r.points.map((p) => p.rssMiB.toFixed(0)).join(' / ')} MiB (peak ${r.points.map((p) => p.peakMiB.toFixed(0)).join(' / ')})`, '', 'flat']);
}
console.log(`\n## results (${results.date}, ${results.machine}) -> bench/.out/results.json\n`);
console.log('| figure | measured | ratio | goal |\n| --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
