/** Multiqueue: requests on 2–4 request queues in parallel, many in flight, on a raw image file. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RawImageBackend } from '../../../../engine/devices/blk';
import { DEFAULT_RING_FEATURES } from '../../../../engine/devices/blk/options';
import { F, bit } from '../../../../engine/device-core/bits';
import { blkRequest, runBlkWorkload } from '../../../../engine/driver/workloads/blk';
import { LAYOUTS, S, blkMachine, makeImage, pattern, tempDir } from './harness';

for (const layout of LAYOUTS) {
  for (const queues of [2, 4]) {
    test(`${queues} queues in parallel over the ${layout} ring: every queue serves its requests, the file matches`, async () => {
      const t = await tempDir();
      try {
        const path = join(t.dir, 'disk.img');
        const model = await makeImage(path, 1024);
        const backend = await RawImageBackend.open(path);
        const m = blkMachine({ layout, backend, settings: { queues } });
        assert.equal(m.driver.queues.length, queues);
        // 8 writes per queue, all published before any completes; each queue writes its own stripe.
        const pending = [];
        for (let q = 0; q < queues; q++) {
          const specs = Array.from({ length: 8 }, (_, i) => ({
            ...blkRequest('OUT', q * 256 + i * 8, pattern(8 * 512, q * 8 + i)),
            indirect: i % 2 === 0,
          }));
          pending.push(...m.client.submitMany(q, specs));
        }
        const answers = await Promise.all(pending);
        assert.ok(answers.every((a) => a.status === S.OK));
        for (let q = 0; q < queues; q++) for (let i = 0; i < 8; i++) model.set(pattern(8 * 512, q * 8 + i), (q * 256 + i * 8) * 512);
        // Reads cross the stripes: queue q reads what queue q+1 wrote.
        const reads = [];
        for (let q = 0; q < queues; q++) reads.push(m.client.submit(q, blkRequest('IN', ((q + 1) % queues) * 256, 64 * 512)));
        const back = await Promise.all(reads);
        back.forEach((r, q) => {
          const from = ((q + 1) % queues) * 256 * 512;
          assert.deepEqual(r.data, model.subarray(from, from + 64 * 512), `queue ${q}`);
        });
        assert.equal((await m.client.flush(queues - 1)).status, S.OK);
        assert.deepEqual(new Uint8Array(await readFile(path)), model);
        for (const q of m.dev.queues) assert.ok(q.counters.used >= 9, `${q.name} served its requests`);
        assert.deepEqual(m.rules(), []);
        await m.dev.close();
      } finally {
        await t.cleanup();
      }
    });
  }

  test(`IN_ORDER with asynchronous file I/O: completions come back in order (${layout})`, async () => {
    const t = await tempDir();
    try {
      const path = join(t.dir, 'disk.img');
      await makeImage(path, 512);
      const backend = await RawImageBackend.open(path);
      const m = blkMachine({ layout, backend, settings: { ringFeatures: DEFAULT_RING_FEATURES | bit(F.IN_ORDER) } });
      assert.ok(m.driver.queues[0]!.ring.features.inOrder);
      const r = await runBlkWorkload(m.driver, m.mem, m.alloc, { count: 40, batch: 8, seed: 3 });
      assert.equal(r.unanswered, 0);
      assert.deepEqual(r.mismatches, []);
      assert.ok(r.verified > 40, `verified ${r.verified}`);
      assert.equal(r.verified, r.checks);
      assert.deepEqual(m.rules(), []);
      await m.dev.close();
    } finally {
      await t.cleanup();
    }
  });
}

test('the workload spreads over every queue and verifies each read against its model', async () => {
  const m = blkMachine({ settings: { queues: 3 } });
  const r = await runBlkWorkload(m.driver, m.mem, m.alloc, { count: 30, batch: 6, seed: 9 });
  assert.equal(r.id, 'virtio-debug-blk0');
  assert.equal(r.failed, 0);
  assert.deepEqual(r.mismatches, []);
  assert.equal(r.verified, r.checks);
  for (const q of m.dev.queues) assert.ok(q.counters.chains > 0, `${q.name} used`);
});
