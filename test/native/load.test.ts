// loadNative: the local compile first, the committed prebuilt when there is no compile, and one clear
// message naming the addon and the fix when neither exists.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  isNativeLoadError,
  loadNative,
  NATIVE_ADDON_VERSION,
  type NativeFd,
} from '../../engine/transport/vhost-user/native';

const repo = resolve(__dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'vd-native-load-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function loaded(roots: string[]): NativeFd {
  const n = loadNative({ roots });
  if (isNativeLoadError(n)) assert.fail(n.error);
  return n;
}

/** A round trip through the loaded binary: an eventfd over a socketpair. */
function works(n: NativeFd): void {
  const [a, b] = n.socketPair();
  const ev = n.eventfd();
  n.sendMsg(a, Buffer.from('k'), [ev]);
  const got = n.recvMsg(b, 1);
  assert.ok(got !== null && got.fds.length === 1);
  n.eventfdWrite(ev, 9);
  assert.equal(n.eventfdRead(got.fds[0] as number), 9);
  for (const fd of [a, b, ev, ...got.fds]) n.close(fd);
}

describe('loadNative', () => {
  test('by default it finds this repository and prefers the local compile', () => {
    const n = loadNative();
    if (isNativeLoadError(n)) assert.fail(n.error);
    assert.equal(n.path, join(repo, 'native', 'build', 'Release', 'virtio_debug_native.node'));
    assert.equal(loadNative(), n, 'cached');
  });

  test('without a compiler the committed prebuilt is loaded, and it works', () => {
    const root = join(scratch, 'prebuilt-only');
    cpSync(join(repo, 'prebuilds'), join(root, 'prebuilds'), { recursive: true });
    const n = loaded([root]);
    assert.ok(n.path.startsWith(join(root, 'prebuilds', `${process.platform}-${process.arch}`) + sep), n.path);
    works(n);
  });

  test('the committed prebuilt matches the source: API version, exports, source hash', () => {
    const header = readFileSync(join(repo, 'native', 'src', 'common.h'), 'utf8');
    assert.equal(Number(/#define VD_ADDON_VERSION (\d+)/.exec(header)?.[1]), NATIVE_ADDON_VERSION);
    const root = join(scratch, 'version-check');
    cpSync(join(repo, 'prebuilds'), join(root, 'prebuilds'), { recursive: true });
    const pre = loaded([root]);
    const local = loaded([repo]);
    const raw = (file: string) => createRequire(__filename)(file) as { SOURCE_HASH?: string };
    assert.deepEqual(Object.keys(raw(pre.path)).sort(), Object.keys(raw(local.path)).sort());
    const source = execFileSync(process.execPath, [join(repo, 'native', 'source-hash.mjs')], { encoding: 'utf8' }).trim();
    assert.equal(raw(local.path).SOURCE_HASH, source, 'the local build is stale: node native/build.mjs');
    assert.equal(raw(pre.path).SOURCE_HASH, source, 'the prebuilt is stale: node native/build.mjs --prebuild, commit prebuilds/');
  });

  test('nothing built: one message naming the addon and how to fix it', () => {
    const empty = join(scratch, 'empty');
    mkdirSync(empty, { recursive: true });
    const n = loadNative({ roots: [empty] });
    assert.ok(isNativeLoadError(n));
    assert.match(n.error, /^the native addon virtio_debug_native is not built: run `npm rebuild` \(needs python3, make, g\+\+\)/);
    assert.ok(n.error.includes(empty), 'names where it looked');
  });

  test('a broken .node file is reported with its path, not thrown', () => {
    const root = join(scratch, 'broken');
    const dir = join(root, 'native', 'build', 'Release');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'virtio_debug_native.node'), 'not an ELF file');
    const n = loadNative({ roots: [root] });
    assert.ok(isNativeLoadError(n));
    assert.match(n.error, /is not built: run `npm rebuild`/);
    assert.ok(n.error.includes(join(dir, 'virtio_debug_native.node')), n.error);
    assert.match(n.error, /does not load/);
  });
});
