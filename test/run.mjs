// Runs the test suites with the Node test runner (TypeScript through tsx) and ends with "N passed, N failed".
// Usage: node test/run.mjs [file-or-directory ...]   (default: every test/**/*.test.ts)
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function collect(path, out) {
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path).sort()) {
      if (entry === 'node_modules' || entry.startsWith('.')) continue;
      collect(join(path, entry), out);
    }
  } else if (path.endsWith('.test.ts')) {
    out.push(path);
  }
  return out;
}

const roots = process.argv.slice(2);
const files = (roots.length ? roots : ['test']).flatMap((r) => collect(r, []));
if (files.length === 0) {
  process.stderr.write('no test files found\n');
  process.exit(1);
}
const args = [
  '--import', 'tsx',
  '--test',
  `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`,
  '--test-reporter=./test/support/reporter.mjs',
  '--test-reporter-destination=stdout',
  ...files,
];
// The test runner must not outlive us (a CI job killed, a Ctrl-C): under util-linux setpriv the kernel sends it
// SIGTERM when we die, even by SIGKILL; a signal we receive is passed on, and it ends its test files' processes.
const SETPRIV = '/usr/bin/setpriv';
const tied = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'TERM', '--', process.execPath, ...args]] : [process.execPath, args];
const child = spawn(tied[0], tied[1], { stdio: 'inherit' });
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => child.kill(sig));
child.on('close', (code, signal) => process.exit(code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : 1)));
