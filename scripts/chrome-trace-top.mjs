// Summarises a Chromium performance trace (bench/ring-panel.ts with BENCH_TRACE=FILE): on the renderer's main
// thread, from the first user-timing mark on, each top-level task in order (start, duration, what ran inside:
// script, style recalculation, layout, paint, with their times) and the total per kind of work.
// Usage: node scripts/chrome-trace-top.mjs FILE.json
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/chrome-trace-top.mjs FILE.json');
  process.exit(2);
}
const raw = JSON.parse(readFileSync(file, 'utf8'));
const events = Array.isArray(raw) ? raw : raw.traceEvents;
const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain' && events.some((x) => x.pid === e.pid && x.name === 'RunTask'));
if (!main) throw new Error(`${file}: no renderer main thread (CrRendererMain) in the trace`);
const on = events.filter((e) => e.pid === main.pid && e.tid === main.tid && (e.ph === 'X' || e.ph === 'B' || e.ph === 'E' || e.ph === 'I' || e.ph === 'R' || e.ph === 'b' || e.ph === 'e'));
const complete = on.filter((e) => e.ph === 'X').sort((a, b) => a.ts - b.ts);
const marks = events.filter((e) => e.pid === main.pid && (e.cat ?? '').includes('blink.user_timing')).sort((a, b) => a.ts - b.ts);
const t0 = marks.length ? marks[0].ts : complete[0].ts;
const KINDS = ['FunctionCall', 'EventDispatch', 'TimerFire', 'FireAnimationFrame', 'v8.run', 'UpdateLayoutTree', 'Layout', 'PrePaint', 'Paint', 'Layerize', 'UpdateLayer', 'Commit', 'RunMicrotasks', 'ParseHTML', 'HitTest', 'ScheduleStyleRecalculation', 'MajorGC', 'MinorGC', 'V8.GC_SCAVENGER', 'BlinkGC.AtomicPhase', 'ResizeObserver', 'IntersectionObserverController::computeIntersections'];
const tasks = complete.filter((e) => e.name === 'RunTask' && e.ts + (e.dur ?? 0) >= t0);
const totals = new Map();
const ms = (us) => (us / 1000).toFixed(1);
for (const t of tasks) {
  const end = t.ts + t.dur;
  const inside = complete.filter((e) => e !== t && e.ts >= t.ts && e.ts + (e.dur ?? 0) <= end && KINDS.includes(e.name));
  const per = new Map();
  for (const e of inside) per.set(e.name, (per.get(e.name) ?? 0) + e.dur);
  for (const [k, v] of per) totals.set(k, (totals.get(k) ?? 0) + v);
  if (t.dur < 300) continue;
  const detail = [...per].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${ms(v)}`).join(', ');
  console.log(`+${ms(t.ts - t0).padStart(7)} ms  task ${ms(t.dur).padStart(6)} ms  ${detail}`);
}
for (const m of marks) if (m.ph === 'b' || m.ph === 'R' || m.ph === 'I') console.log(`+${ms(m.ts - t0).padStart(7)} ms  mark ${m.name}`);
console.log('totals (nested kinds overlap):', [...totals].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${ms(v)}`).join(', '));
