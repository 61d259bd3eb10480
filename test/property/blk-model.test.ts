/**
 * Property: random virtio-blk workloads — reads, writes (scatter-gather, indirect), discards,
 * write-zeroes, flushes, writeback toggles, some past the end of the disk, several in flight over several
 * queues — keep the raw image file equal to a model disk, every read returns the model's bytes, every
 * answer has the status the model predicts, and a correct driver triggers no violation. Both layouts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { type RingLayout } from '../../protocol/trace';
import { RawImageBackend } from '../../engine/devices/blk';
import { blkRequest, type BlkRequestSpec, rangeData } from '../../engine/driver/workloads/blk';
import { blkMachine, makeImage, tempDir } from '../engine/devices/blk/harness';

const SECTORS = 96;
const RUNS = Number(process.env.BLK_PROPERTY_RUNS ?? 80);

type Op =
  | { t: 'write'; sector: number; sectors: number; seed: number; seg: number; indirect: boolean }
  | { t: 'read'; sector: number; sectors: number; seg: number; indirect: boolean }
  | { t: 'discard' | 'zeroes'; ranges: { sector: number; sectors: number }[]; unmap: boolean }
  | { t: 'flush' }
  | { t: 'writeback'; on: boolean };

// Sectors run a little past the end so out-of-range requests are exercised too.
const sectorArb = fc.integer({ min: 0, max: SECTORS + 2 });
const lenArb = fc.integer({ min: 1, max: 8 });
const segArb = fc.constantFrom(0, 512, 1024, 700);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant('write' as const), sector: sectorArb, sectors: lenArb, seed: fc.nat(255), seg: segArb, indirect: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('read' as const), sector: sectorArb, sectors: lenArb, seg: segArb, indirect: fc.boolean() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constantFrom('discard' as const, 'zeroes' as const),
      ranges: fc.array(fc.record({ sector: sectorArb, sectors: fc.integer({ min: 0, max: 6 }) }), { minLength: 1, maxLength: 3 }),
      unmap: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ t: 'flush' as const }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('writeback' as const), on: fc.boolean() }) },
);

/** Sector ranges an op touches (for keeping ops of one batch independent). */
function extent(op: Op): [number, number][] {
  if (op.t === 'write' || op.t === 'read') return [[op.sector, op.sector + op.sectors]];
  if (op.t === 'discard' || op.t === 'zeroes') return op.ranges.map((r) => [r.sector, r.sector + r.sectors]);
  return [];
}

const overlaps = (a: [number, number][], b: [number, number][]) => a.some(([s, e]) => b.some(([s2, e2]) => s < e2 && s2 < e));

/** Drops ops that overlap an earlier op of the batch (concurrent overlapping requests have no defined order). */
function independent(batch: Op[]): Op[] {
  const kept: Op[] = [];
  for (const op of batch) if (!kept.some((k) => overlaps(extent(k), extent(op)))) kept.push(op);
  return kept;
}

function data(sectors: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: sectors * 512 }, (_, i) => (seed * 131 + i * 7 + (i >> 9) * 3) & 0xff);
}

async function run(layout: RingLayout, queues: number, batches: Op[][]): Promise<void> {
  const t = await tempDir();
  try {
    const path = join(t.dir, 'disk.img');
    const model = await makeImage(path, SECTORS);
    const backend = await RawImageBackend.open(path);
    const m = blkMachine({ layout, backend, settings: { queues }, memorySize: 1 << 20, queueSize: 32 });
    let k = 0;
    for (const raw of batches) {
      const batch = independent(raw);
      const specs: BlkRequestSpec[] = [];
      const expect: { status: number; read?: Uint8Array }[] = [];
      for (const op of batch) {
        switch (op.t) {
          case 'write': {
            const ok = op.sector + op.sectors <= SECTORS;
            specs.push({ ...blkRequest('OUT', op.sector, data(op.sectors, op.seed)), segmentSize: op.seg, indirect: op.indirect });
            expect.push({ status: ok ? 0 : 1 });
            if (ok) model.set(data(op.sectors, op.seed), op.sector * 512);
            break;
          }
          case 'read': {
            const ok = op.sector + op.sectors <= SECTORS;
            specs.push({ ...blkRequest('IN', op.sector, op.sectors * 512), segmentSize: op.seg, indirect: op.indirect });
            expect.push(ok ? { status: 0, read: model.slice(op.sector * 512, (op.sector + op.sectors) * 512) } : { status: 1 });
            break;
          }
          case 'discard':
          case 'zeroes': {
            const ok = op.ranges.every((r) => r.sector + r.sectors <= SECTORS);
            const flags = op.t === 'zeroes' && op.unmap ? 1 : 0;
            specs.push(blkRequest(op.t === 'discard' ? 'DISCARD' : 'WRITE_ZEROES', 0, rangeData(op.ranges.map((r) => ({ ...r, flags })))));
            expect.push({ status: ok ? 0 : 1 });
            // The device validates every segment before executing any, so a bad one changes nothing.
            if (ok) for (const r of op.ranges) model.fill(0, r.sector * 512, (r.sector + r.sectors) * 512);
            break;
          }
          case 'flush':
            specs.push(blkRequest('FLUSH'));
            expect.push({ status: 0 });
            break;
          case 'writeback':
            m.driver.writeConfig(32, op.on ? 1 : 0, 1);
            break;
        }
      }
      const q = k++ % queues;
      const answers = await Promise.all(m.client.submitMany(q, specs));
      answers.forEach((a, i) => {
        assert.equal(a.status, expect[i]!.status, `batch ${k} request ${i}: ${JSON.stringify(batch[i])}`);
        if (expect[i]!.read) assert.deepEqual(a.data, expect[i]!.read, `batch ${k} read ${i}`);
      });
    }
    assert.equal((await m.client.flush()).status, 0);
    assert.deepEqual(new Uint8Array(await readFile(path)), model, 'the image file equals the model disk');
    assert.ok(m.rules().every((r) => r === 'blk-sector-beyond-capacity'), m.rules().join(', '));
    await m.dev.close();
  } finally {
    await t.cleanup();
  }
}

for (const layout of ['split', 'packed'] as const) {
  test(`random blk workloads keep the image equal to a model disk (${layout})`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.array(opArb, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 12 }),
        (queues, batches) => run(layout, queues, batches),
      ),
      { numRuns: RUNS },
    );
  });
}
