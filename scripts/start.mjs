// npm start: the main job. Builds, packages the .vsix, installs code-server into a cache outside the
// repository on first use (scripts/install-code-server.sh: about 6 minutes and ~810 MB the first time, then
// instant), installs the .vsix, opens the sample workspace examples/ in code-server, prints the URL and runs
// until Ctrl-C, which ends code-server and everything it started.
// Environment: VIRTIO_DEBUG_PORT (default: the first free port from 8080), VIRTIO_DEBUG_CACHE (default
// ~/.cache/virtio-debug).
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { clearInterval, setInterval, setTimeout } from 'node:timers';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cache = process.env.VIRTIO_DEBUG_CACHE ?? join(homedir(), '.cache', 'virtio-debug');
const workspace = join(root, 'examples');
const say = (line) => process.stdout.write(`start: ${line}\n`);
const fail = (line) => {
  process.stderr.write(`start: ${line}\n`);
  process.exit(1);
};

function step(what, argv) {
  const t0 = Date.now();
  say(`${what}...`);
  const r = spawnSync(process.execPath, argv, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) fail(`${what} failed (exit ${r.status ?? r.signal})`);
  say(`${what}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** Runs the install script (its progress goes to stderr); prints a line every 20 s while it works. */
function installCodeServer() {
  return new Promise((done) => {
    const t0 = Date.now();
    say(`code-server: checking ${join(cache, 'code-server')} (the first run installs it: about 6 minutes, ~810 MB)`);
    const ticker = setInterval(() => say(`code-server: still installing (${Math.round((Date.now() - t0) / 1000)} s)...`), 20_000);
    const child = execFile('bash', [join(root, 'scripts', 'install-code-server.sh')], { env: { ...process.env, VIRTIO_DEBUG_CACHE: cache }, maxBuffer: 1 << 20 }, (err, stdout) => {
      clearInterval(ticker);
      if (err) fail(`installing code-server failed: ${err.message.split('\n')[0]}`);
      const out = Object.fromEntries([...stdout.matchAll(/^(\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
      if (!out.node || !out.code_server) fail(`the install script printed no code-server:\n${stdout}`);
      say(`code-server ${out.version}: ready (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      done(out);
    });
    child.stderr.pipe(process.stderr);
  });
}

function freePort(from) {
  return new Promise((done) => {
    const srv = createServer();
    srv.once('error', () => done(freePort(from + 1)));
    srv.listen(from, '127.0.0.1', () => srv.close(() => done(from)));
  });
}

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const vsix = join(root, 'build', `${pkg.name}-${pkg.version}.vsix`);
step('build', [join(root, 'scripts', 'build.mjs')]);
step(`package ${vsix}`, [join(root, 'scripts', 'package.mjs'), '--no-build', '--out', vsix]);
const cs = await installCodeServer();

// Everything code-server writes (settings, extensions, logs, its config file) stays in the cache folder.
const run = join(cache, 'start');
const dirs = { userData: join(run, 'user-data'), extensions: join(run, 'extensions'), config: join(run, 'config'), data: join(run, 'data') };
for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
mkdirSync(join(dirs.userData, 'User'), { recursive: true });
writeFileSync(
  join(dirs.userData, 'User', 'settings.json'),
  JSON.stringify({ 'telemetry.telemetryLevel': 'off', 'update.mode': 'none', 'extensions.autoCheckUpdates': false, 'extensions.autoUpdate': false, 'chat.disableAIFeatures': true, 'security.workspace.trust.enabled': false }, null, 2),
);
const env = { ...process.env, XDG_CONFIG_HOME: dirs.config, XDG_DATA_HOME: dirs.data };
const base = [cs.code_server, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];

say('installing the .vsix into code-server...');
const inst = spawnSync(cs.node, [...base, '--install-extension', vsix, '--force'], { env, encoding: 'utf8' });
if (inst.status !== 0 || !/successfully installed/i.test(inst.stdout)) fail(`code-server --install-extension failed:\n${inst.stdout}${inst.stderr}`);

const port = process.env.VIRTIO_DEBUG_PORT ? Number(process.env.VIRTIO_DEBUG_PORT) : await freePort(8080);
const args = [...base, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', workspace];
// Its own process group, so that Ctrl-C ends code-server with its extension host, adapter and servers.
const server = spawn(cs.node, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
let log = '';
let announced = false;
const onOutput = (d) => {
  log = (log + d.toString()).slice(-20_000);
  if (!announced && /HTTP server listening on/.test(log)) {
    announced = true;
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`;
    say('');
    say(`VS Code (code-server) with Virtio Debug is running. Open: ${url}`);
    say('Press F5 there to start the built-in blk + net session. Ctrl-C here ends code-server.');
    say(`(From another machine: ssh -L ${port}:127.0.0.1:${port} this-host, then open the same URL.)`);
  }
};
server.stdout.on('data', onOutput);
server.stderr.on('data', onOutput);

let stopping = false;
const stop = (signal) => {
  if (stopping) return;
  stopping = true;
  say(`${signal}: ending code-server...`);
  const kill = (s) => {
    try {
      process.kill(-server.pid, s);
    } catch {
      // already gone
    }
  };
  kill('SIGTERM');
  setTimeout(() => kill('SIGKILL'), 5_000).unref();
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
server.on('exit', (code, signal) => {
  if (!stopping) {
    process.stderr.write(log.split('\n').slice(-20).join('\n') + '\n');
    fail(`code-server exited (${code ?? signal})`);
  }
  // Children that ignored SIGTERM go with the group.
  try {
    process.kill(-server.pid, 'SIGKILL');
  } catch {
    // none left
  }
  say('code-server ended');
  process.exit(0);
});
