import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BlockBackendError } from '../../../../engine/devices/blk/backend';
import { MemoryBackend } from '../../../../engine/devices/blk/memory-backend';
import { RawImageBackend } from '../../../../engine/devices/blk/raw-image-backend';
import { makeImage, pattern, tempDir } from './harness';

describe('RawImageBackend: refusing unusable images at open', () => {
  test('a missing image is a clear error', async () => {
    const t = await tempDir();
    try {
      const path = join(t.dir, 'nope.img');
      await assert.rejects(RawImageBackend.open(path), (e: Error) => e instanceof BlockBackendError && e.message === `disk image ${path} does not exist`);
    } finally {
      await t.cleanup();
    }
  });

  test('a truncated image (not a whole number of sectors) is refused, in both modes', async () => {
    const t = await tempDir();
    try {
      const path = join(t.dir, 'trunc.img');
      await writeFile(path, new Uint8Array(4096 + 100));
      for (const readOnly of [false, true]) {
        await assert.rejects(RawImageBackend.open(path, { readOnly }), (e: Error) => {
          assert.ok(e instanceof BlockBackendError);
          assert.match(e.message, /is 4196 bytes, not a multiple of 512 \(truncated\?\)/);
          return true;
        });
      }
    } finally {
      await t.cleanup();
    }
  });

  test('an empty file and a directory are refused', async () => {
    const t = await tempDir();
    try {
      await writeFile(join(t.dir, 'empty.img'), new Uint8Array(0));
      await assert.rejects(RawImageBackend.open(join(t.dir, 'empty.img')), /is empty \(0 bytes\)/);
      await mkdir(join(t.dir, 'dir.img'));
      await assert.rejects(RawImageBackend.open(join(t.dir, 'dir.img')), /is not a regular file/);
    } finally {
      await t.cleanup();
    }
  });
});

describe('RawImageBackend: I/O', () => {
  test('positioned reads and writes land at the right file offsets; flush is fdatasync', async () => {
    const t = await tempDir();
    try {
      const path = join(t.dir, 'disk.img');
      const initial = await makeImage(path, 64);
      const b = await RawImageBackend.open(path);
      assert.equal(b.size, 64 * 512);
      assert.equal(b.readOnly, false);
      const got = new Uint8Array(1024);
      await b.read(5 * 512, got);
      assert.deepEqual(got, initial.subarray(5 * 512, 7 * 512));
      const data = pattern(1536, 3);
      await b.write(10 * 512, data);
      await b.flush();
      assert.equal(b.flushes, 1);
      const file = await readFile(path);
      assert.deepEqual(new Uint8Array(file.subarray(10 * 512, 13 * 512)), data);
      assert.deepEqual(new Uint8Array(file.subarray(0, 10 * 512)), initial.subarray(0, 10 * 512));
      await b.close();
    } finally {
      await t.cleanup();
    }
  });

  test('many requests in flight at once complete independently', async () => {
    const t = await tempDir();
    try {
      const path = join(t.dir, 'disk.img');
      await makeImage(path, 256);
      const b = await RawImageBackend.open(path);
      const writes = Array.from({ length: 32 }, (_, i) => b.write(i * 4 * 512, pattern(2048, i)));
      await Promise.all(writes);
      const reads = Array.from({ length: 32 }, async (_, i) => {
        const buf = new Uint8Array(2048);
        await b.read(i * 4 * 512, buf);
        return buf;
      });
      const back = await Promise.all(reads);
      back.forEach((buf, i) => assert.deepEqual(buf, pattern(2048, i), `block ${i}`));
      await b.close();
    } finally {
      await t.cleanup();
    }
  });

  test('discard and write-zeroes zero the range; resize grows and shrinks the file', async () => {
    const t = await tempDir();
    try {
      const path = join(t.dir, 'disk.img');
      const initial = await makeImage(path, 32);
      const b = await RawImageBackend.open(path);
      await b.discard(512, 1024);
      await b.writeZeroes(8 * 512, 3 * 512, false);
      const file = new Uint8Array(await readFile(path));
      assert.ok(file.subarray(512, 1536).every((x) => x === 0));
      assert.ok(file.subarray(8 * 512, 11 * 512).every((x) => x === 0));
      assert.deepEqual(file.subarray(1536, 8 * 512), initial.subarray(1536, 8 * 512));
      await b.resize(64 * 512);
      assert.equal(b.size, 64 * 512);
      assert.equal((await stat(path)).size, 64 * 512);
      await b.resize(16 * 512);
      assert.equal((await stat(path)).size, 16 * 512);
      await assert.rejects(b.read(16 * 512, new Uint8Array(512)), /outside the 8192-byte image/);
      await b.close();
    } finally {
      await t.cleanup();
    }
  });

  test('read-only mode opens O_RDONLY: reads work, every write is refused and the file is unchanged', async () => {
    const t = await tempDir();
    try {
      const path = join(t.dir, 'ro.img');
      const initial = await makeImage(path, 16);
      const b = await RawImageBackend.open(path, { readOnly: true });
      assert.equal(b.readOnly, true);
      assert.match(b.description, /read-only/);
      const got = new Uint8Array(512);
      await b.read(512, got);
      assert.deepEqual(got, initial.subarray(512, 1024));
      await assert.rejects(b.write(0, new Uint8Array(512)), /read-only/);
      await assert.rejects(b.writeZeroes(0, 512, false), /read-only/);
      await assert.rejects(b.discard(0, 512), /read-only/);
      await assert.rejects(b.resize(32 * 512), /read-only/);
      await b.flush();
      await b.close();
      assert.deepEqual(new Uint8Array(await readFile(path)), initial);
    } finally {
      await t.cleanup();
    }
  });

  test('a closed image refuses further I/O', async () => {
    const t = await tempDir();
    try {
      const path = join(t.dir, 'disk.img');
      await makeImage(path, 4);
      const b = await RawImageBackend.open(path);
      await b.close();
      await assert.rejects(b.read(0, new Uint8Array(512)), /is closed/);
      await b.close();
    } finally {
      await t.cleanup();
    }
  });
});

describe('MemoryBackend', () => {
  test('contents, zeroing, resize and read-only', async () => {
    assert.throws(() => new MemoryBackend({ size: 1000 }), /not a positive multiple of 512/);
    const b = new MemoryBackend({ size: 4096, contents: pattern(4096, 1) });
    const got = new Uint8Array(512);
    await b.read(512, got);
    assert.deepEqual(got, pattern(4096, 1).subarray(512, 1024));
    await b.writeZeroes(0, 1024, true);
    assert.ok(b.contents.subarray(0, 1024).every((x) => x === 0));
    await b.resize(8192);
    assert.equal(b.size, 8192);
    assert.deepEqual(b.contents.subarray(1024, 4096), pattern(4096, 1).subarray(1024, 4096));
    await assert.rejects(b.read(8192, new Uint8Array(1)), /outside/);
    const ro = new MemoryBackend({ size: 512, readOnly: true });
    await assert.rejects(ro.write(0, new Uint8Array(512)), /read-only/);
  });
});

describe('MemoryBackend: synchronous vectored I/O', () => {
  test('readvSync / writevSync move the same bytes as read / write, and refuse what they refuse', async () => {
    const b = new MemoryBackend({ size: 4096 });
    b.writevSync(512, [Uint8Array.from([1, 2, 3]), Uint8Array.from([4, 5])]);
    const a = new Uint8Array(2);
    const c = new Uint8Array(3);
    b.readvSync(513, [a, c]);
    assert.deepEqual([...a, ...c], [2, 3, 4, 5, 0]);
    const viaAsync = new Uint8Array(5);
    await b.read(512, viaAsync);
    assert.deepEqual([...viaAsync], [1, 2, 3, 4, 5]);
    assert.throws(() => b.readvSync(4094, [new Uint8Array(2), new Uint8Array(1)]), BlockBackendError);
    assert.throws(() => new MemoryBackend({ size: 512, readOnly: true }).writevSync(0, [new Uint8Array(1)]), BlockBackendError);
  });
});
