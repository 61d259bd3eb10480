// `npm run package`: the .vsix made by @vscode/vsce holds exactly what the extension runs on (the allow-list
// .vscodeignore): the bundles, the prebuilt native addon, the icon, the walkthrough, the user README, the
// licence; no sources, source maps, CLI bundle or tests. (code-server installs it in lsp-client.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageVsix, readZip } from './vsix';

test('npm run package makes a .vsix with the bundles, native addon, icon and user README only', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vd-vsix-'));
  try {
    const out = join(dir, 'virtio-debug.vsix');
    await packageVsix(out);
    const entries = readZip(out);
    const names = [...entries.keys()].sort();
    for (const needed of [
      'extension.vsixmanifest',
      'extension/package.json',
      'extension/dist/extension.js',
      'extension/dist/adapter.js',
      'extension/dist/language-server.js',
      'extension/prebuilds/linux-x64/virtio_debug_native.napi.glibc.node',
      'extension/media/icon.png',
      'extension/media/walkthrough/start.md',
      'extension/LICENSE.txt',
    ]) {
      assert.ok(names.includes(needed), `${needed} is in the vsix (have ${names.join(', ')})`);
    }
    assert.deepEqual(
      names.filter((n) => /\.(map|ts)$|\/cli\.js$|\/test\/|\/engine\/|\/native\/src/.test(n)),
      [],
      'no sources, maps, CLI bundle or tests',
    );
    const readme = entries.get(names.find((n) => /^extension\/readme\.md$/i.test(n))!)!.toString('utf8');
    assert.match(readme, /^# Virtio Debug\n\nA debugger for people who write \*\*virtio drivers\*\*/, 'the README written for extension users');
    const manifest = JSON.parse(entries.get('extension/package.json')!.toString('utf8'));
    assert.equal(manifest.icon, 'media/icon.png');
    assert.deepEqual(manifest.extensionKind, ['workspace']);
    assert.equal(manifest.files, undefined, "npm's files list stays out of the extension manifest");
    const png = entries.get('extension/media/icon.png')!;
    assert.equal(png.readUInt32BE(16), 128, 'icon width');
    assert.equal(png.readUInt32BE(20), 128, 'icon height');
    assert.match(entries.get('extension.vsixmanifest')!.toString('utf8'), /Path="extension\/media\/icon\.png"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
