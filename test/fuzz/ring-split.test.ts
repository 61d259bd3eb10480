/**
 * Fuzz (ring memory and descriptor chains, counted in the fuzz total): hostile split rings — random bytes in the descriptor table, available ring and indirect
 * tables, random avail.idx. available()/peek()/pop() never throw, read a bounded amount of memory
 * (counted by an instrumented backing), and report exactly the rule an independent oracle
 * (test/support/split-oracle.ts) finds, or return exactly the chain it finds.
 *
 * Runs: 30% of PROPERTY_RUNS (default 100000; times FUZZ_SCALE); test/property/split-workload.test.ts runs the other 70%.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzz } from './support/fuzz';
import { SplitQueue } from '../../engine/queue/split';
import { rule as ruleInfo } from '../../engine/rules';
import { type RingFeatures } from '../../engine/queue/types';
import { CountingBacking, RAM_BASE, type Reported, splitPair } from '../support/split-harness';
import { type Chain } from '../../engine/queue/types';
import { judgeChain, judgeIdx, type OracleRing } from '../support/split-oracle';
import { mulberry32 } from '../../engine/driver/workloads/prng';

const RUNS = Math.max(1, Math.round(Number(process.env.PROPERTY_RUNS ?? 100000) * 0.3));
const MEM = 0x10000;
const TABLES = 4;
const TABLE_ENTRIES = 16;


interface Case {
  size: number;
  features: RingFeatures;
  seed: number;
  base: number | undefined;
  watch: boolean;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  size: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 5 }).map((e) => 2 ** e) }, { weight: 1, arbitrary: fc.constant(256) }),
  features: fc.record({ indirect: fc.boolean(), eventIdx: fc.boolean(), inOrder: fc.boolean(), notificationData: fc.boolean(), ringReset: fc.constant(false) }),
  seed: fc.nat(),
  base: fc.option(fc.oneof(fc.integer({ min: 65530, max: 65535 }), fc.nat({ max: 65535 })), { nil: undefined }),
  watch: fc.boolean(),
});

function hostile(c: Case): void {
  const { size, features } = c;
  const rnd = mulberry32(c.seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  let counter: CountingBacking | undefined;
  const p = splitPair({
    size,
    features,
    memorySize: MEM,
    watchWrites: c.watch,
    backing: (b) => (counter = new CountingBacking(b)),
  });
  const counting = counter!;
  const { mem } = p;
  p.device.dispose(); // the queue under test is created below, after the ring is scrambled
  const desc = p.driver.descAddr;
  const avail = p.driver.driverAddr;
  const dataBase = p.alloc.alloc(0x4000, 16);
  const tables = Array.from({ length: TABLES }, () => p.alloc.alloc(16 * TABLE_ENTRIES, 16));

  const randomDesc = (gpa: number, entries: number, inTable: boolean): void => {
    const x = rnd();
    let addr: bigint;
    if (x < 0.75) addr = BigInt(dataBase + int(0x4000 - 512));
    else if (x < 0.85) addr = BigInt(RAM_BASE + MEM - int(64));
    else if (x < 0.9) addr = BigInt(RAM_BASE + int(MEM));
    else addr = (BigInt(int(2 ** 32)) << 32n) | BigInt(int(2 ** 32));
    const y = rnd();
    let len = y < 0.08 ? 0 : y < 0.85 ? 1 + int(256) : y < 0.92 ? 0xffff_ffff - int(4) : int(2 ** 32);
    let flags = rnd() < 0.9 ? (rnd() < 0.6 ? 1 : 0) | (rnd() < 0.4 ? 2 : 0) | (rnd() < (inTable ? 0.05 : 0.15) ? 4 : 0) : int(0x10000);
    const next = rnd() < 0.9 ? int(entries + 2) : int(0x10000);
    if (flags & 4 && rnd() < 0.8) {
      // Make most indirect pointers plausible: a real table, a multiple of 16.
      addr = BigInt(tables[int(TABLES)]!);
      len = 16 * (1 + int(TABLE_ENTRIES));
      if (rnd() < 0.8) flags &= ~1;
    }
    mem.writeU64(gpa, addr);
    mem.writeU32(gpa + 8, len);
    mem.writeU16(gpa + 12, flags);
    mem.writeU16(gpa + 14, next);
  };
  for (let i = 0; i < size; i++) {
    randomDesc(desc + 16 * i, size, false);
    if (features.inOrder && rnd() < 0.6) mem.writeU16(desc + 16 * i + 14, (i + 1) % size);
  }
  for (const t of tables) {
    if (rnd() < 0.5) {
      // A well-formed table (valid chains, and too long ones for small queues), maybe with one defect.
      const count = 1 + int(TABLE_ENTRIES);
      const firstWritable = int(count + 1);
      for (let j = 0; j < TABLE_ENTRIES; j++) {
        const flags = (j < count - 1 ? 1 : 0) | (j >= firstWritable ? 2 : 0);
        mem.writeU64(t + 16 * j, BigInt(dataBase + int(0x4000 - 512)));
        mem.writeU32(t + 16 * j + 8, 1 + int(256));
        mem.writeU16(t + 16 * j + 12, flags);
        mem.writeU16(t + 16 * j + 14, j + 1);
      }
      if (rnd() < 0.3) randomDesc(t + 16 * int(count), TABLE_ENTRIES, true);
      continue;
    }
    for (let j = 0; j < TABLE_ENTRIES; j++) {
      randomDesc(t + 16 * j, TABLE_ENTRIES, true);
      if (rnd() < 0.5) mem.writeU16(t + 16 * j + 14, j + 1);
    }
  }
  for (let s = 0; s < size; s++) mem.writeU16(avail + 4 + 2 * s, rnd() < 0.9 ? int(size) : int(0x10000));
  mem.writeU16(avail, rnd() < 0.8 ? int(2) : int(0x10000));
  const lastAvail = c.base ?? 0;
  const idx = rnd() < 0.85 ? (lastAvail + int(size + 3)) & 0xffff : int(0x10000);
  mem.writeU16(avail + 2, idx);

  const violations: Reported[] = [];
  const q = new SplitQueue(
    { mem, violation: (rule, message, index) => violations.push(index === undefined ? { rule, message } : { rule, message, index }) },
    { ...p.config, watchWrites: c.watch },
  );
  if (c.base !== undefined) q.setBase(c.base);
  // Rules that stop the queue; the others (servable chains, flags, watched writes) are reported and go on.
  const fatal = (): string[] => violations.map((v) => v.rule).filter((r) => ruleInfo(r)?.severity === 'fatal');
  const servable = (from: number): string[] =>
    violations.slice(from).map((v) => v.rule).filter((r) => ruleInfo(r)?.severity === 'error' && r !== 'split-published-desc-modified');
  const oracle: OracleRing = {
    bytes: new DataView(mem.read(RAM_BASE, MEM).buffer),
    base: RAM_BASE,
    desc,
    avail,
    used: p.driver.deviceAddr,
    size,
    features,
  };
  // A chain reads at most every direct descriptor and one indirect table (4 fields each), plus the head.
  const perChain = 8 + 4 * (size + TABLE_ENTRIES + 1);

  // peek: bounded, silent.
  counting.reads = 0;
  const view = q.peek(size + 2);
  assert.ok(counting.reads <= 2 + (size + 2) * perChain, `peek read ${counting.reads} times`);
  assert.deepEqual(violations, []);

  counting.reads = 0;
  const n = q.available();
  assert.ok(counting.reads <= 2);
  const idxRule = judgeIdx(idx, lastAvail, lastAvail, size);
  if (idxRule) {
    assert.equal(n, 0);
    assert.deepEqual(fatal(), [idxRule]);
    assert.equal(q.broken, idxRule);
    assert.equal(view.problem?.rule, idxRule);
    assert.equal(q.pop(), null);
    return;
  }
  assert.equal(n, (idx - lastAvail) & 0xffff);

  let expected = features.inOrder ? (c.base === undefined ? 0 : -1) : -1;
  const popped: Chain[] = [];
  for (let k = 0; k < n; k++) {
    const judged = judgeChain(oracle, (lastAvail + k) & 0xffff, expected);
    // The chains popped so far are all still in flight: their heads may not come round again.
    const verdict = judged.ok && popped.some((ch) => ch.head === judged.head) ? { ok: false as const, rule: 'split-head-in-flight' } : judged;
    counting.reads = 0;
    const reportedBefore: number = violations.length;
    const chain = q.pop();
    assert.ok(counting.reads <= perChain, `pop read ${counting.reads} times for queue size ${size}`);
    if (!verdict.ok) {
      assert.equal(chain, null, `oracle: ${verdict.rule}`);
      assert.deepEqual(fatal(), [verdict.rule], JSON.stringify(violations));
      assert.equal(q.broken, verdict.rule);
      assert.equal(view.chains.length, k);
      assert.equal(view.problem?.rule, verdict.rule);
      assert.equal(q.pop(), null);
      break;
    }
    assert.ok(chain, `oracle accepts, device said ${JSON.stringify(violations)}`);
    assert.deepEqual(servable(reportedBefore), verdict.lapses, 'servable breaches reported as the oracle found them');
    assert.deepEqual(chain.readable.map((s) => [s.addr, s.len]), verdict.readable);
    assert.deepEqual(chain.writable.map((s) => [s.addr, s.len]), verdict.writable);
    assert.equal(chain.head, verdict.head);
    assert.equal(chain.ringSlots, verdict.slots);
    assert.deepEqual(view.chains[k], chain);
    popped.push(chain);
    if (features.inOrder) expected = (verdict.head + verdict.slots) % size;
  }
  if (fatal().length === 0) {
    assert.equal(popped.length, n);
    assert.equal(view.problem, undefined);
  }

  // Whatever happened, the rest of the interface keeps its footing.
  for (const ch of popped) q.pushUsed(ch, int(1000));
  q.shouldNotify();
  q.onNotify(int(0x20000));
  q.missedNotification();
  q.unnotified();
  q.setNotifications(rnd() < 0.5);
  for (let k = 0; k < 8; k++) mem.writeU16(desc + int(16 * size), int(0x10000));
  mem.writeU16(avail + 2, int(0x10000));
  q.inspect(true);
  q.pop();
  q.dispose();
}

test(`split hostile rings: no throw, bounded reads, the oracle's verdict (${RUNS} runs)`, (t) => {
  fuzz(t, RUNS, caseArb, hostile);
});
