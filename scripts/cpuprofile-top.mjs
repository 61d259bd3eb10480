// Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time, and the
// share of each, summed over every node of the call tree with the same function, file and line.
// Usage: node scripts/cpuprofile-top.mjs FILE.cpuprofile [N=25]
import { readFileSync } from 'node:fs';

const [file, n = '25'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node scripts/cpuprofile-top.mjs FILE.cpuprofile [N]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const ticks = new Map();
const deltas = profile.timeDeltas ?? [];
profile.samples.forEach((id, i) => ticks.set(id, (ticks.get(id) ?? 0) + (deltas[i] ?? 0)));
const self = new Map();
let total = 0;
for (const [id, us] of ticks) {
  const { callFrame: f } = byId.get(id);
  const where = f.url ? `${f.url.replace(/^file:\/\/.*?\/(engine|bench|adapter|cli|native|node_modules)\//, '$1/')}:${f.lineNumber + 1}` : '';
  const key = `${f.functionName || '(anonymous)'} ${where}`;
  self.set(key, (self.get(key) ?? 0) + us);
  total += us;
}
console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled`);
for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(n))) {
  console.log(`${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / 1e3).toFixed(0).padStart(6)} ms  ${key}`);
}
