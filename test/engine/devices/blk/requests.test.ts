/** Every request type through the reference driver and the in-process transport, both ring layouts. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBackend } from '../../../../engine/devices/blk/memory-backend';
import { blkRequest, idString, rangeData } from '../../../../engine/driver/workloads/blk';
import { LAYOUTS, S, blkMachine, pattern } from './harness';

for (const layout of LAYOUTS) {
  describe(`requests over the ${layout} ring`, () => {
    test('OUT then IN returns the written sectors; used lengths count data + status', async () => {
      const backend = new MemoryBackend({ size: 1 << 20 });
      const m = blkMachine({ layout, backend });
      const data = pattern(4 * 512, 1);
      const w = await m.client.write(0, 100, data);
      assert.equal(w.status, S.OK);
      assert.equal(w.usedLen, 1);
      assert.deepEqual(backend.contents.subarray(100 * 512, 104 * 512), data);
      const r = await m.client.read(0, 100, 4);
      assert.equal(r.status, S.OK);
      assert.equal(r.usedLen, 4 * 512 + 1);
      assert.deepEqual(r.data, data);
      assert.deepEqual(m.rules(), []);
    });

    test('scatter-gather lists and indirect tables', async () => {
      const backend = new MemoryBackend({ size: 1 << 20 });
      const m = blkMachine({ layout, backend });
      const data = pattern(8 * 512, 2);
      const w = await m.client.submit(0, { ...blkRequest('OUT', 8, data), segmentSize: 512, indirect: true });
      assert.equal(w.status, S.OK);
      const r = await m.client.submit(0, { ...blkRequest('IN', 8, 8 * 512), segmentSize: 1024, indirect: true });
      assert.equal(r.status, S.OK);
      assert.deepEqual(r.data, data);
      // odd-sized segments: a multiple of 512 in total is all that counts
      const odd = await m.client.submit(0, { ...blkRequest('IN', 8, 2 * 512), segmentSize: 300 });
      assert.equal(odd.status, S.OK);
      assert.deepEqual(odd.data, data.subarray(0, 1024));
      assert.deepEqual(m.rules(), []);
      const chains = m.trace.recent().filter((e) => e.type === 'chain');
      assert.ok(chains.some((c) => c.type === 'chain' && c.indirect), 'an indirect chain was seen');
    });

    test('FLUSH and the legacy FLUSH_OUT flush the back end', async () => {
      const backend = new MemoryBackend({ size: 1 << 20 });
      const m = blkMachine({ layout, backend });
      const f = await m.client.flush();
      assert.equal(f.status, S.OK);
      assert.equal(f.usedLen, 1);
      assert.equal(backend.flushes, 1);
      const legacy = await m.client.submit(0, blkRequest(5));
      assert.equal(legacy.status, S.OK);
      assert.equal(backend.flushes, 2);
      assert.deepEqual(m.rules(), []);
    });

    test('GET_ID answers the serial: NUL-padded, and without NUL at 20 characters', async () => {
      let m = blkMachine({ layout, settings: { serial: 'disk-42' } });
      let r = await m.client.getId();
      assert.equal(r.status, S.OK);
      assert.equal(r.usedLen, 21);
      assert.equal(idString(r.data), 'disk-42');
      assert.ok(r.data.subarray(7).every((b) => b === 0));
      m = blkMachine({ layout, settings: { serial: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ' } });
      r = await m.client.getId();
      assert.equal(Buffer.from(r.data).toString('latin1'), 'ABCDEFGHIJKLMNOPQRST');
    });

    test('GET_LIFETIME answers struct virtio_blk_lifetime', async () => {
      const m = blkMachine({ layout, settings: { lifetime: { preEol: 2, typA: 3, typB: 11 } } });
      const r = await m.client.getLifetime();
      assert.equal(r.status, S.OK);
      assert.equal(r.usedLen, 7);
      assert.deepEqual([...r.data], [2, 0, 3, 0, 11, 0]);
    });

    test('DISCARD, WRITE_ZEROES (with and without unmap) and SECURE_ERASE zero their ranges, several segments each', async () => {
      const backend = new MemoryBackend({ size: 1 << 20, contents: pattern(1 << 20, 9) });
      const m = blkMachine({ layout, backend });
      const zero = (from: number, n: number) => backend.contents.subarray(from * 512, (from + n) * 512).every((b) => b === 0);
      const d = await m.client.discard(0, [{ sector: 10, sectors: 2 }, { sector: 20, sectors: 1 }]);
      assert.equal(d.status, S.OK);
      assert.ok(zero(10, 2) && zero(20, 1));
      assert.ok(!zero(12, 1), 'sector 12 is untouched');
      const z = await m.client.writeZeroes(0, [{ sector: 30, sectors: 4 }, { sector: 40, sectors: 1, flags: 1 }]);
      assert.equal(z.status, S.OK);
      assert.ok(zero(30, 4) && zero(40, 1));
      const flushes = backend.flushes;
      const e = await m.client.secureErase(0, [{ sector: 50, sectors: 8 }]);
      assert.equal(e.status, S.OK);
      assert.ok(zero(50, 8));
      assert.ok(backend.flushes > flushes, 'secure erase reaches the storage');
      const r = await m.client.read(0, 30, 4);
      assert.ok(r.data.every((b) => b === 0));
      assert.deepEqual(m.rules(), []);
    });

    test('an unknown request type is answered UNSUPP', async () => {
      const m = blkMachine({ layout });
      const r = await m.client.submit(0, blkRequest(0x33));
      assert.equal(r.status, S.UNSUPP);
      assert.deepEqual(m.rules(), ['blk-type-unknown']);
    });

    test('several requests in flight on one queue complete, each with its own answer', async () => {
      const backend = new MemoryBackend({ size: 1 << 20 });
      const m = blkMachine({ layout, backend });
      const writes = m.client.submitMany(0, Array.from({ length: 16 }, (_, i) => blkRequest('OUT', i * 8, pattern(8 * 512, i))));
      for (const w of await Promise.all(writes)) assert.equal(w.status, S.OK);
      const reads = m.client.submitMany(0, [
        ...Array.from({ length: 16 }, (_, i) => blkRequest('IN', i * 8, 8 * 512)),
        blkRequest('GET_ID'),
        blkRequest('DISCARD', 0, rangeData([{ sector: 0, sectors: 8 }])),
      ]);
      const answers = await Promise.all(reads);
      answers.slice(0, 16).forEach((a, i) => assert.deepEqual(a.data, pattern(8 * 512, i), `read ${i}`));
      assert.equal(answers[16]!.status, S.OK);
      assert.equal(answers[17]!.status, S.OK);
      assert.deepEqual(m.rules(), []);
    });

    test('the trace carries decoded summaries of the requests', async () => {
      const m = blkMachine({ layout });
      await m.client.write(0, 2048 / 512, pattern(4096, 1));
      await m.client.discard(0, [{ sector: 3, sectors: 5 }]);
      const summaries = m.trace.recent().flatMap((e) => (e.type === 'chain' && e.summary ? [e.summary] : []));
      assert.ok(summaries.includes('OUT sector 4 len 4096'), summaries.join(' | '));
      assert.ok(summaries.includes('DISCARD 1 segment (sector 3 count 5)'), summaries.join(' | '));
    });
  });
}
