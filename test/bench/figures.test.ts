/**
 * A smoke test of the bench code that needs no QEMU or DPDK (figures 6 and 8's long run), at tiny sizes: the
 * real adapter process over DAP and the real `serve blk` process. No timing assertions: each measurement must
 * happen, once per stop or mark, and name what it measured. The guest and DPDK figures are exercised by
 * `npm run bench -- --only figN`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inProcess, overVhostUser, percentile } from '../../bench/stop-latency';
import { runRssRequests } from '../../bench/rss-requests';

test('percentile picks the nearest rank', () => {
  const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
  assert.equal(percentile(xs, 50), 50);
  assert.equal(percentile(xs, 99), 99);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test('figure 6: one latency per stop, in process and over vhost-user', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vd-bench-smoke-'));
  try {
    for (const run of [inProcess, overVhostUser]) {
      const ms = await run(5, dir);
      assert.equal(ms.length, 5, run.name);
      for (const x of ms) assert.ok(Number.isFinite(x) && x >= 0, `${run.name}: latency ${x}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('figure 8: serve blk answers every request and its RSS is read at each mark', { timeout: 120_000 }, async () => {
  const points = await runRssRequests(3000, true, () => {});
  assert.deepEqual(points.map((p) => p.requests), [3000]);
  for (const p of points) assert.ok(p.rssMiB > 10 && p.peakMiB >= p.rssMiB, JSON.stringify(p));
});
