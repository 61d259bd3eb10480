// Same-process A/B of figure 5 (issue 13): two esbuild bundles of bench/engine-throughput.ts (say main's and a
// branch's) measured in one process, alternating round by round, with the Buffer-copy reference, so that both
// see the same machine load (on 2 shared cores a run's load swings the figures more than most changes do).
// Usage: node scripts/engine-ab.mjs A.js B.js   (ROUNDS=5 SECS=0.5 CASES=split:blk-read,... optional)
// Build a bundle: npx esbuild bench/engine-throughput.ts --bundle --platform=node --outfile=/tmp/x.js
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const [fileA, fileB] = process.argv.slice(2);
if (!fileA || !fileB) {
  console.error('usage: node scripts/engine-ab.mjs A.js B.js');
  process.exit(2);
}
const require = createRequire(import.meta.url);
const a = require(resolve(fileA));
const b = require(resolve(fileB));
const secs = Number(process.env.SECS ?? 0.5);
const rounds = Number(process.env.ROUNDS ?? 5);
const only = process.env.CASES?.split(',').filter((c) => c !== '');
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

console.log(`A ${fileA}, B ${fileB}: ${rounds} rounds of ${secs} s each side, medians; load ${load()}`);
for (const layout of ['split', 'packed']) {
  for (const kind of ['blk-read', 'blk-write', 'net-64', 'net-1500']) {
    if (only && !only.includes(`${layout}:${kind}`)) continue;
    const size = kind === 'net-64' ? 64 : kind === 'net-1500' ? 1500 : 4096;
    await a.measureEngine(kind, layout, 0.2);
    await b.measureEngine(kind, layout, 0.2);
    const ra = [];
    const rb = [];
    const rc = [];
    for (let r = 0; r < rounds; r++) {
      ra.push((await a.measureEngine(kind, layout, secs)).chainsPerSec);
      rb.push((await b.measureEngine(kind, layout, secs)).chainsPerSec);
      rc.push(b.measureCopy(size, secs));
    }
    const [ca, cb, copy] = [median(ra), median(rb), median(rc)];
    console.log(
      `${layout.padEnd(6)} ${kind.padEnd(9)} A ${ca.toFixed(0).padStart(7)}  B ${cb.toFixed(0).padStart(7)} chains/s  B÷A ${(cb / ca).toFixed(2)}  ` +
        `ratio to copy A ${((ca * size) / copy).toFixed(4)} B ${((cb * size) / copy).toFixed(4)}  B ${(1e6 / cb).toFixed(1)} µs/chain, copy ${((1e9 * size) / copy).toFixed(0)} ns`,
    );
  }
}
console.log(`load ${load()}`);
