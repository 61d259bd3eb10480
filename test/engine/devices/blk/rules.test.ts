/**
 * One test per blk-* rule: the reference driver breaks it on purpose (a FaultPlan), the device reports
 * exactly that rule id and answers with the status the spec prescribes; the device keeps working.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBackend } from '../../../../engine/devices/blk/memory-backend';
import { type BlkSettings } from '../../../../engine/devices/blk/options';
import { BLK_CONFIG_FAULTS, BLK_REQUEST_FAULTS, blkRequest } from '../../../../engine/driver/workloads/blk';
import { BLK_RULES } from '../../../../engine/rules/blk';
import { type RuleId, rule as ruleInfo, ruleIdsOf } from '../../../../engine/rules';
import { featureBits } from '../../../../engine/spec-tables';
import { LAYOUTS, S, blkMachine, pattern } from './harness';

/** A small disk keeps the byte-for-byte comparisons cheap. */
const DISK = 64 * 1024;

interface Case {
  /** The status byte the device must answer; undefined: the chain has no writable byte. */
  status: number | undefined;
  usedLen: number;
  settings?: BlkSettings;
  readOnly?: boolean;
  /** Features the driver leaves out. */
  without?: string[];
  arg?: number;
}

const CASES: Partial<Record<RuleId, Case>> = {
  'blk-header-too-short': { status: S.IOERR, usedLen: 1 },
  'blk-header-not-readable': { status: S.IOERR, usedLen: 1 },
  'blk-status-missing': { status: undefined, usedLen: 0 },
  'blk-status-not-writable': { status: undefined, usedLen: 0 },
  'blk-status-not-last': { status: S.IOERR, usedLen: 1 },
  'blk-status-not-one-byte': { status: S.IOERR, usedLen: 1 },
  'blk-data-wrong-direction': { status: S.IOERR, usedLen: 1 },
  'blk-data-not-sector-multiple': { status: S.IOERR, usedLen: 1 },
  'blk-sector-beyond-capacity': { status: S.IOERR, usedLen: 1 },
  'blk-too-many-segments': { status: S.IOERR, usedLen: 1, settings: { segMax: 4 } },
  'blk-segment-too-large': { status: S.IOERR, usedLen: 1, settings: { sizeMax: 4096 } },
  'blk-range-data-length': { status: S.IOERR, usedLen: 1 },
  'blk-range-too-many-segments': { status: S.IOERR, usedLen: 1, settings: { discard: { maxSectors: 64, maxSegments: 3, alignment: 1 } } },
  'blk-range-too-many-sectors': { status: S.IOERR, usedLen: 1, settings: { writeZeroes: { maxSectors: 8, maxSegments: 2, mayUnmap: true } } },
  'blk-discard-unmap': { status: S.UNSUPP, usedLen: 1 },
  'blk-range-unknown-flags': { status: S.UNSUPP, usedLen: 1 },
  'blk-write-read-only': { status: S.IOERR, usedLen: 1, readOnly: true },
  'blk-flush-sector-nonzero': { status: S.IOERR, usedLen: 1 },
  'blk-flush-with-data': { status: S.OK, usedLen: 1 },
  'blk-get-id-length': { status: S.IOERR, usedLen: 1 },
  'blk-get-lifetime-length': { status: S.IOERR, usedLen: 1 },
  'blk-type-not-negotiated': { status: S.UNSUPP, usedLen: 1, without: ['DISCARD'] },
  'blk-type-unknown': { status: S.UNSUPP, usedLen: 1 },
};

test('every blk rule has a test here and a way for the reference driver to break it', () => {
  const ids = BLK_RULES.map((r) => r.id).sort();
  assert.deepEqual([...Object.keys(CASES), ...BLK_CONFIG_FAULTS].sort(), ids);
  assert.deepEqual([...BLK_REQUEST_FAULTS].sort(), Object.keys(CASES).sort());
  for (const id of ids) assert.equal(ruleInfo(id).scope, 'blk');
});

for (const rule of ruleIdsOf(CASES)) {
  const c = CASES[rule]!;
  test(`${rule} (§${ruleInfo(rule).section}) is reported and answered ${c.status === undefined ? 'with used length 0' : ['OK', 'IOERR', 'UNSUPP'][c.status]}`, async () => {
    for (const layout of LAYOUTS) {
      const contents = pattern(DISK, 5);
      const backend = new MemoryBackend({ size: DISK, contents, readOnly: c.readOnly ?? false });
      const offered = blkMachine({ backend: new MemoryBackend({ size: 512, readOnly: c.readOnly ?? false }), ...(c.settings ? { settings: c.settings } : {}) }).dev.offered;
      const m = blkMachine({
        layout,
        backend,
        ...(c.settings ? { settings: c.settings } : {}),
        ...(c.without ? { wanted: offered & ~featureBits('blk', c.without) } : {}),
        faults: [{ rule, atChain: 1, ...(c.arg !== undefined ? { arg: c.arg } : {}) }],
      });
      const first = await m.client.read(0, 0, 1);
      assert.equal(first.status, S.OK, `${layout}: the request before the fault is fine`);
      const r = await m.client.submit(0, blkRequest('IN', 1, 512));
      assert.equal(r.fault, rule, `${layout}: the fault was committed`);
      assert.deepEqual(m.rules(), [rule], `${layout}: exactly ${rule} was reported`);
      const v = m.violations[0]!;
      assert.equal(v.section, ruleInfo(rule).section);
      assert.equal(v.queueName, 'requestq1');
      assert.equal(r.status, c.status, `${layout}: status byte`);
      assert.equal(r.usedLen, c.usedLen, `${layout}: used length`);
      // The disk is unchanged (no fault request writes), and the device keeps serving requests.
      assert.deepEqual(backend.contents, contents, `${layout}: the disk was not modified`);
      const after = await m.client.read(0, 2, 1);
      assert.equal(after.status, S.OK, `${layout}: the next request is served`);
      assert.deepEqual(after.data, contents.subarray(1024, 1536));
      assert.equal(m.dev.status & 64, 0, `${layout}: no DEVICE_NEEDS_RESET`);
    }
  });
}

test('blk-writeback-read-before-features-ok (§5.2.5.1): a read of writeback between DRIVER and FEATURES_OK is reported', async () => {
  const m = blkMachine({ faults: [{ rule: 'blk-writeback-read-before-features-ok' }] });
  assert.deepEqual(m.rules(), ['blk-writeback-read-before-features-ok']);
  assert.equal(m.violations[0]!.index, 32);
  // After FEATURES_OK the same read is fine and the device works.
  assert.equal(m.driver.readConfig(32, 1), 1);
  assert.deepEqual(m.rules(), ['blk-writeback-read-before-features-ok']);
  assert.equal((await m.client.read(0, 0, 1)).status, S.OK);
});

test('blk-writeback-invalid-value (§5.2.6.1): writing 2 to writeback is reported and ignored', async () => {
  const backend = new MemoryBackend({ size: 1 << 20 });
  const m = blkMachine({ backend, settings: { writeback: false }, faults: [{ rule: 'blk-writeback-invalid-value', arg: 2 }] });
  assert.deepEqual(m.rules(), ['blk-writeback-invalid-value']);
  assert.equal(m.driver.readConfig(32, 1), 0, 'the cache mode is unchanged (writethrough)');
  await m.client.write(0, 0, pattern(512, 1));
  assert.equal(backend.flushes, 1, 'still writethrough');
});

test('the legacy BARRIER bit on a modern device is an unknown type (UNSUPP)', async () => {
  const m = blkMachine({ faults: [{ rule: 'blk-type-unknown', arg: 0x8000_0000 }] });
  const r = await m.client.submit(0, blkRequest('IN', 0, 512));
  assert.equal(r.status, S.UNSUPP);
  assert.match(m.violations[0]!.message, /BARRIER/);
});

test('types without their feature: every one is UNSUPP with blk-type-not-negotiated', async () => {
  const offered = blkMachine().dev.offered;
  const m = blkMachine({ wanted: offered & ~featureBits('blk', ['FLUSH', 'CONFIG_WCE', 'DISCARD', 'WRITE_ZEROES', 'LIFETIME', 'SECURE_ERASE']) });
  const answers = await Promise.all(
    m.client.submitMany(0, [
      blkRequest('FLUSH'),
      blkRequest('FLUSH_OUT'),
      blkRequest('DISCARD', 0, new Uint8Array(16)),
      blkRequest('WRITE_ZEROES', 0, new Uint8Array(16)),
      blkRequest('SECURE_ERASE', 0, new Uint8Array(16)),
      blkRequest('GET_LIFETIME'),
      blkRequest('ZONE_RESET_ALL'),
      blkRequest('SCSI_CMD'),
    ]),
  );
  assert.deepEqual(answers.map((a) => a.status), Array(8).fill(S.UNSUPP));
  assert.deepEqual(m.rules(), Array(8).fill('blk-type-not-negotiated'));
});

test('a read-only device refuses every kind of write and writes nothing; reads and flushes work', async () => {
  const contents = pattern(DISK, 7);
  const backend = new MemoryBackend({ size: DISK, contents, readOnly: true });
  const m = blkMachine({ backend });
  const answers = await Promise.all(
    m.client.submitMany(0, [
      blkRequest('OUT', 0, pattern(512, 1)),
      blkRequest('DISCARD', 0, new Uint8Array(16).map((_, i) => (i === 8 ? 1 : 0))),
      blkRequest('WRITE_ZEROES', 0, new Uint8Array(16).map((_, i) => (i === 8 ? 1 : 0))),
      blkRequest('SECURE_ERASE', 0, new Uint8Array(16).map((_, i) => (i === 8 ? 1 : 0))),
      blkRequest('IN', 0, 512),
      blkRequest('FLUSH'),
    ]),
  );
  assert.deepEqual(answers.map((a) => a.status), [S.IOERR, S.IOERR, S.IOERR, S.IOERR, S.OK, S.OK]);
  assert.deepEqual(m.rules(), Array(4).fill('blk-write-read-only'));
  assert.deepEqual(backend.contents, contents);
});
