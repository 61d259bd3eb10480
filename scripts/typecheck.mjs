// Type-checks every layer with its own tsconfig (DOM only in webviews, vscode only in extension).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/lib/tsc.js');

function hasTs(dir) {
  if (!existsSync(dir)) return false;
  for (const e of readdirSync(dir)) {
    if (e === 'node_modules' || e.startsWith('.')) continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory() ? hasTs(p) : p.endsWith('.ts')) return true;
  }
  return false;
}
// A layer that has no sources yet has nothing to check.
const configs = readdirSync('.')
  .filter((f) => /^tsconfig\.(?!base\.)[a-z]+\.json$/.test(f))
  .filter((f) => JSON.parse(readFileSync(f, 'utf8')).include.some((g) => hasTs(g.split('/')[0])));

function check(config) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [tsc, '-p', config, '--pretty'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ config, code, out }));
  });
}

let failed = 0;
const queue = [...configs];
async function worker() {
  for (let c = queue.shift(); c; c = queue.shift()) {
    const r = await check(c);
    if (r.code !== 0) {
      failed++;
      process.stdout.write(`type-check ${r.config}: FAILED\n${r.out}\n`);
    }
  }
}
await Promise.all([worker(), worker()]);
if (failed) process.exit(1);
process.stdout.write(`type-check: ${configs.length} layers clean\n`);
