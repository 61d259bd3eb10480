// Builds the native addon virtio_debug_native (native/binding.gyp) quietly.
//
//   node native/build.mjs              compile with node-gyp into native/build/Release when python3, make and
//                                      g++ are present; otherwise (or if compiling fails) keep the committed
//                                      prebuilt in prebuilds/<platform>-<arch>/ and say so in one line. Exit 0
//                                      either way: only the vhost-user transport needs the addon, and its
//                                      loader explains what is missing.
//   node native/build.mjs --prebuild   also refresh the committed prebuilt (prebuildify --napi --strip);
//                                      run after changing native/src, then commit prebuilds/.
//   node native/build.mjs --strict     exit 1 when compiling fails (CI, development).
//
// Node headers: npm_config_nodedir when set (npm passes ~/.npmrc's nodedir), else the running Node's own
// prefix when it ships include/node/node_api.h (Debian's /usr), else node-gyp downloads them.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const nativeDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(nativeDir);
const require = createRequire(import.meta.url);
const args = new Set(process.argv.slice(2));
const strict = args.has('--strict');
const prebuild = args.has('--prebuild');
const tuple = `${process.platform}-${process.arch}`;
const prebuildDir = join(root, 'prebuilds', tuple);

function say(line) {
  process.stdout.write(`virtio_debug_native: ${line}\n`);
}

function hasCommand(cmd) {
  return spawnSync('sh', ['-c', `command -v "${cmd}"`], { stdio: 'ignore' }).status === 0;
}

function resolveBin(pkg, bin) {
  try {
    return join(dirname(require.resolve(`${pkg}/package.json`)), bin);
  } catch {
    return null;
  }
}

function nodedir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : null;
}

function prebuilt() {
  if (!existsSync(prebuildDir)) return null;
  const file = readdirSync(prebuildDir).find((f) => f.endsWith('.node'));
  return file ? relative(root, join(prebuildDir, file)) : null;
}

function fallback(reason) {
  const pre = prebuilt();
  if (pre) {
    say(`${reason}; using the prebuilt ${pre}`);
  } else {
    say(`${reason}, and there is no prebuilt for ${tuple}: the vhost-user transport is unavailable`);
  }
  process.exit(strict ? 1 : 0);
}

function run(label, cmd, cmdArgs, env) {
  const started = process.hrtime.bigint();
  const res = spawnSync(process.execPath, [cmd, ...cmdArgs], { cwd: nativeDir, env, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (res.status !== 0) {
    // Only the compiler's and node-gyp's error lines: the full log is noise.
    const lines = `${res.stdout ?? ''}${res.stderr ?? ''}`.split('\n');
    const errors = lines.filter((l) => /error|ERR!|No such file/i.test(l)).slice(0, 20);
    process.stderr.write(`${errors.join('\n') || lines.slice(-20).join('\n')}\n`);
    return { ok: false, seconds };
  }
  return { ok: true, seconds };
}

const missing = ['python3', 'make', process.env.CXX ?? 'g++'].filter((c) => !hasCommand(c));
if (process.platform !== 'linux') fallback(`not built on ${process.platform} (the addon is Linux-only)`);
if (missing.length) fallback(`cannot compile (missing ${missing.join(', ')})`);
const nodeGyp = resolveBin('node-gyp', 'bin/node-gyp.js');
if (!nodeGyp) fallback('cannot compile (node-gyp is not installed; it is a devDependency)');

// binding.gyp runs `node source-hash.mjs`: make sure the running node is the one found.
const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
const dir = nodedir();
if (dir) env.npm_config_nodedir = dir;
const gypArgs = ['rebuild', '--release', '--loglevel=error', ...(dir ? [`--nodedir=${dir}`] : [])];

const built = run('node-gyp', nodeGyp, gypArgs, env);
if (!built.ok) fallback('compiling failed (errors above)');
say(`built native/build/Release/virtio_debug_native.node in ${built.seconds.toFixed(1)} s`);

if (prebuild) {
  const prebuildify = resolveBin('prebuildify', 'bin.js');
  if (!prebuildify) {
    say('prebuildify is not installed');
    process.exit(1);
  }
  rmSync(prebuildDir, { recursive: true, force: true });
  // prebuildify rebuilds in native/ (replacing native/build) and moves the result to <root>/prebuilds.
  // --target pins the running Node: with a nodedir no headers are downloaded, and N-API makes the
  // binary independent of that version anyway. The name's "napi" tag tells node-gyp-build so.
  const res = run('prebuildify', prebuildify, [
    '--napi', '--strip', '--tag-libc', '--name', 'virtio_debug_native.napi',
    '--target', `node@${process.versions.node}`, '--out', root,
  ], env);
  if (!res.ok) {
    say('prebuildify failed (errors above)');
    process.exit(1);
  }
  // prebuildify leaves native/build without the .node (it moved it): compile again for the local loader.
  const again = run('node-gyp', nodeGyp, gypArgs, env);
  if (!again.ok) process.exit(1);
  say(`prebuilt ${prebuilt()} in ${res.seconds.toFixed(1)} s`);
}
