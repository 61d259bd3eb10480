// Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time, and the
// share of each, summed over every node of the call tree with the same function, file and line. With --total,
// the time with the function anywhere on the stack (inclusive) instead: where a whole path's time goes.
// Usage: node scripts/cpuprofile-top.mjs [--total] FILE.cpuprofile [N=25]
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const inclusive = args.includes('--total');
const [file, n = '25'] = args.filter((a) => a !== '--total');
if (!file) {
  console.error('usage: node scripts/cpuprofile-top.mjs FILE.cpuprofile [N]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const ticks = new Map();
const deltas = profile.timeDeltas ?? [];
profile.samples.forEach((id, i) => ticks.set(id, (ticks.get(id) ?? 0) + (deltas[i] ?? 0)));
const self = new Map();
let total = 0;
const keyOf = ({ callFrame: f }) => {
  const where = f.url ? `${f.url.replace(/^file:\/\/.*?\/(engine|bench|adapter|cli|native|node_modules)\//, '$1/')}:${f.lineNumber + 1}` : '';
  return `${f.functionName || '(anonymous)'} ${where}`;
};
for (const [id, us] of ticks) {
  const keys = new Set();
  for (let at = id; at !== undefined && (inclusive || keys.size === 0); at = parent.get(at)) keys.add(keyOf(byId.get(at)));
  for (const key of keys) self.set(key, (self.get(key) ?? 0) + us);
  total += us;
}
console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled`);
for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(n))) {
  console.log(`${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / 1e3).toFixed(0).padStart(6)} ms  ${key}`);
}
