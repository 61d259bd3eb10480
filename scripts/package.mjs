// npm run package: builds, then makes build/virtio-debug-<version>.vsix with @vscode/vsce.
//
// What goes in is decided by the allow-list .vscodeignore. vsce refuses a package.json that also has a
// "files" list (ours is npm's, for the CLI), so vsce runs in build/vsix-stage: the repository's entries as
// symbolic links and a copy of package.json without "files". The vsix README is extension/README.md (written
// for extension users; the repository README is for contributors).
// Usage: node scripts/package.mjs [--out FILE] [--no-build]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const outArg = args.indexOf('--out');
const out = resolve(outArg >= 0 && args[outArg + 1] ? args[outArg + 1] : join(root, 'build', `${pkg.name}-${pkg.version}.vsix`));

function run(cmd, argv, cwd) {
  const r = spawnSync(cmd, argv, { cwd, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`package: ${cmd} ${argv.join(' ')} failed (exit ${r.status ?? r.signal})\n`);
    process.exit(1);
  }
}

if (!args.includes('--no-build')) run(process.execPath, [join(root, 'scripts', 'build.mjs')], root);
for (const needed of ['dist/extension.js', 'dist/adapter.js', 'dist/language-server.js', 'media/icon.png', 'extension/README.md']) {
  if (!existsSync(join(root, needed))) {
    process.stderr.write(`package: ${needed} is missing${needed.startsWith('dist/') ? ' (the build failed?)' : ''}\n`);
    process.exit(1);
  }
}
if (!readdirSync(join(root, 'prebuilds')).length) process.stderr.write('package: warning: prebuilds/ is empty, vhost-user will need a local build\n');

const stage = join(root, 'build', `vsix-stage-${process.pid}`); // one per run: tests may package concurrently
rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
const skip = new Set(['node_modules', '.git', 'build', 'package.json', 'README.md']);
for (const entry of readdirSync(root)) if (!skip.has(entry)) symlinkSync(join(root, entry), join(stage, entry), statSync(join(root, entry)).isDirectory() ? 'dir' : 'file');
symlinkSync(join(root, 'extension', 'README.md'), join(stage, 'README.md'));
const { files: _npmFiles, ...manifest } = pkg;
writeFileSync(join(stage, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');

mkdirSync(dirname(out), { recursive: true });
const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
run(process.execPath, [vsce, 'package', '--no-dependencies', '--follow-symlinks', '--allow-missing-repository', '--out', out], stage);
rmSync(stage, { recursive: true, force: true });
process.stdout.write(`package: ${out} (${(statSync(out).size / 1024).toFixed(0)} KiB)\n`);
