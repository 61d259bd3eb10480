// Runs every benchmark (bench/*.ts) one after the other; each prints its figures and ratios.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const only = process.argv.slice(2);
for (const f of readdirSync(new URL('.', import.meta.url)).filter((f) => f.endsWith('.ts')).sort()) {
  if (only.length && !only.some((o) => f.includes(o))) continue;
  console.log(`\n# ${f}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${f}`], { stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = 1;
}
