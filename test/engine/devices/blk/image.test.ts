/** A raw image file behind the device: what the guest writes is in the file, read-only images stay untouched. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BlockBackendError, openBlockBackend, RawImageBackend } from '../../../../engine/devices/blk';
import { blkRequest } from '../../../../engine/driver/workloads/blk';
import { featureBits } from '../../../../engine/spec-tables';
import { LAYOUTS, S, blkMachine, makeImage, pattern, tempDir } from './harness';

for (const layout of LAYOUTS) {
  describe(`raw image over the ${layout} ring`, () => {
    test('the file holds exactly what the guest wrote once FLUSH completed; reads return file contents', async () => {
      const t = await tempDir();
      try {
        const path = join(t.dir, 'disk.img');
        const model = await makeImage(path, 256);
        const backend = await RawImageBackend.open(path);
        const m = blkMachine({ layout, backend });
        assert.equal(m.driver.readConfig(0, 8), 256, 'capacity comes from the image');
        const r0 = await m.client.read(0, 17, 3);
        assert.deepEqual(r0.data, model.subarray(17 * 512, 20 * 512));
        const writes = [
          { sector: 0, data: pattern(512, 1) },
          { sector: 10, data: pattern(8 * 512, 2) },
          { sector: 255, data: pattern(512, 3) },
          { sector: 100, data: pattern(16 * 512, 4) },
        ];
        const answers = await Promise.all(m.client.submitMany(0, writes.map((w) => ({ ...blkRequest('OUT', w.sector, w.data), segmentSize: 1024 }))));
        assert.deepEqual(answers.map((a) => a.status), [S.OK, S.OK, S.OK, S.OK]);
        const z = await m.client.writeZeroes(0, [{ sector: 200, sectors: 4, flags: 1 }]);
        assert.equal(z.status, S.OK);
        const flushes = backend.flushes;
        assert.equal((await m.client.flush()).status, S.OK);
        assert.equal(backend.flushes, flushes + 1, 'FLUSH is an fdatasync');
        for (const w of writes) model.set(w.data, w.sector * 512);
        model.fill(0, 200 * 512, 204 * 512);
        assert.deepEqual(new Uint8Array(await readFile(path)), model);
        assert.deepEqual(m.rules(), []);
        await m.dev.close();
      } finally {
        await t.cleanup();
      }
    });
  });
}

describe('read-only images', () => {
  test('RO is offered; writes are IOERR and the file is unchanged; reads work', async () => {
    const t = await tempDir();
    try {
      const path = join(t.dir, 'ro.img');
      const initial = await makeImage(path, 64);
      const backend = await RawImageBackend.open(path, { readOnly: true });
      const m = blkMachine({ backend });
      assert.notEqual(m.driver.accepted & featureBits('blk', ['RO']), 0n);
      const w = await m.client.write(0, 3, pattern(512, 1));
      assert.equal(w.status, S.IOERR);
      const z = await m.client.writeZeroes(0, [{ sector: 0, sectors: 8 }]);
      assert.equal(z.status, S.IOERR);
      const r = await m.client.read(0, 3, 1);
      assert.equal(r.status, S.OK);
      assert.deepEqual(r.data, initial.subarray(3 * 512, 4 * 512));
      assert.equal((await m.client.flush()).status, S.OK);
      assert.deepEqual(m.rules(), ['blk-write-read-only', 'blk-write-read-only']);
      await m.dev.close();
      assert.deepEqual(new Uint8Array(await readFile(path)), initial);
    } finally {
      await t.cleanup();
    }
  });
});

describe('opening the disk at start', () => {
  test('a missing or truncated image is a clear error; without a disk an in-memory one is used', async () => {
    const t = await tempDir();
    try {
      const missing = join(t.dir, 'missing.img');
      await assert.rejects(openBlockBackend({ disk: missing }), (e: Error) => e instanceof BlockBackendError && /does not exist/.test(e.message));
      const truncated = join(t.dir, 'truncated.img');
      await writeFile(truncated, new Uint8Array(1000));
      await assert.rejects(openBlockBackend({ disk: truncated, readonly: true }), /1000 bytes, not a multiple of 512 \(truncated\?\)/);
      const mem = await openBlockBackend({ memorySize: 8192 });
      assert.equal(mem.size, 8192);
      assert.equal(mem.description, 'in-memory disk');
    } finally {
      await t.cleanup();
    }
  });
});

describe('synchronous vectored I/O on the image (the small-request path)', () => {
  test('writevSync then readvSync over scattered buffers; past a shrunk end reads zeroes; out of range and read-only refused', async () => {
    const t = await tempDir();
    const path = join(t.dir, 'sync.img');
    await writeFile(path, new Uint8Array(8192));
    const b = await RawImageBackend.open(path);
    try {
      const data = pattern(3072, 5);
      b.writevSync(1024, [data.subarray(0, 512), data.subarray(512, 2048), data.subarray(2048)]);
      assert.deepEqual((await readFile(path)).subarray(1024, 1024 + 3072), Buffer.from(data), 'in the file once the call returned');
      const into = [new Uint8Array(1000), new Uint8Array(2072)];
      b.readvSync(1024, into);
      assert.deepEqual(Buffer.concat(into), Buffer.from(data));
      // The file shrank behind the device's back: the missing part reads as zeroes, not as stale buffer bytes.
      await writeFile(path, (await readFile(path)).subarray(0, 2048));
      const tail = [new Uint8Array(2048).fill(0xee)];
      b.readvSync(1024, tail);
      assert.deepEqual(Buffer.from(tail[0]!), Buffer.concat([Buffer.from(data.subarray(0, 1024)), Buffer.alloc(1024)]));
      assert.throws(() => b.readvSync(8192 - 512, [new Uint8Array(1024)]), (e: Error) => e instanceof BlockBackendError && /outside the 8192-byte image/.test(e.message));
    } finally {
      await b.close();
    }
    const ro = await RawImageBackend.open(path, { readOnly: true });
    try {
      assert.throws(() => ro.writevSync(0, [new Uint8Array(512)]), (e: Error) => e instanceof BlockBackendError && /read-only/.test(e.message));
    } finally {
      await ro.close();
      await t.cleanup();
    }
  });
});

describe('cached reads on the image (large READs on the serving thread, preadv2 RWF_NOWAIT)', () => {
  test('a range the page cache holds is read whole; past a shrunk end it is a miss, not zeroes; out of range refused', async () => {
    const t = await tempDir();
    const path = join(t.dir, 'cached.img');
    const data = pattern(1 << 20, 9);
    await writeFile(path, data); // just written: in the page cache
    const b = await RawImageBackend.open(path);
    try {
      const into = [new Uint8Array(4096), new Uint8Array(100_000), new Uint8Array((1 << 20) - 4096 - 100_000 - 512)];
      assert.equal(b.readvCached(512, into), true);
      assert.deepEqual(Buffer.concat(into), Buffer.from(data.subarray(512)));
      // The file shrank behind the device's back: the end is not there, so the caller reads it the usual way.
      await writeFile(path, data.subarray(0, 4096));
      assert.equal(b.readvCached(0, [new Uint8Array(8192)]), false);
      assert.throws(() => b.readvCached(1 << 20, [new Uint8Array(512)]), (e: Error) => e instanceof BlockBackendError && /outside the/.test(e.message));
    } finally {
      await b.close();
      await t.cleanup();
    }
  });
});
