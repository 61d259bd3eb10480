/**
 * Property: the reference driver ring and the device queue agree under random workloads (§2.8).
 * Random sizes (1..1024, sometimes 32768), features, start positions near the wrap, and random
 * interleavings of add / publish / kick / pop / push / harvest / suppression changes. Checked against a
 * plain model: the device takes exactly the driver's buffers in publish order at the right slot and wrap;
 * the driver harvests exactly the ids and lengths the device pushed, in push order; every notification
 * decision on both sides matches eventCrossed(); no side ever reports a rule.
 */
import { test } from 'node:test';
import fc from 'fast-check';
import { type Chain } from '../../engine/queue/types';
import { type DriverBuffer } from '../../engine/driver/ring-types';
import { RAM_BASE, packedPair } from '../support/packed-harness';
import { eventCrossed, rng } from '../support/packed-oracle';

const TOTAL_RUNS = Number(process.env.PROPERTY_RUNS ?? 100000);
const RUNS = Math.max(1, Math.round(TOTAL_RUNS * 0.7));

interface ModelList {
  token: number;
  buffers: DriverBuffer[];
  slots: number;
  /** Absolute slot of the head (slots added before it). */
  at: number;
  writable: number;
}

function fail(msg: string): never {
  throw new Error(msg);
}

function sameSegments(kind: string, got: { addr: number; len: number }[], want: DriverBuffer[]): void {
  if (got.length !== want.length) fail(`${kind}: ${got.length} segments, expected ${want.length}`);
  for (let i = 0; i < got.length; i++) {
    if (got[i]!.addr !== want[i]!.addr || got[i]!.len !== want[i]!.len) {
      fail(`${kind}[${i}]: ${JSON.stringify(got[i])} != ${JSON.stringify(want[i])}`);
    }
  }
}

// noBias: fast-check otherwise favours the smallest values (and short arrays), which would make most
// operations adds and most sizes 1.
const sizeArb = fc.oneof(
  { weight: 120, arbitrary: fc.noBias(fc.integer({ min: 1, max: 16 })) },
  { weight: 50, arbitrary: fc.noBias(fc.integer({ min: 17, max: 300 })) },
  { weight: 20, arbitrary: fc.noBias(fc.integer({ min: 301, max: 1024 })) },
  { weight: 1, arbitrary: fc.constant(32768) },
);

const scenarioArb = fc.record({
  size: sizeArb,
  indirect: fc.boolean(),
  eventIdx: fc.boolean(),
  inOrder: fc.boolean(),
  notificationData: fc.boolean(),
  watchWrites: fc.boolean(),
  /** 0: the spec's start; otherwise start k-1 slots before the end, with a random wrap counter. */
  start: fc.integer({ min: 0, max: 4 }),
  startWrap: fc.boolean(),
  ops: fc.array(fc.tuple(fc.noBias(fc.nat(99)), fc.noBias(fc.nat())), { minLength: 1, maxLength: 120, size: 'max' }),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

function run(sc: Scenario): void {
  const { size } = sc;
  const memorySize = 128 * size + 8192;
  const slot0 = sc.start === 0 ? 0 : Math.max(0, size - sc.start);
  const wrap0: 0 | 1 = sc.start === 0 ? 1 : sc.startWrap ? 1 : 0;
  const p = packedPair({
    size,
    memorySize,
    features: { indirect: sc.indirect, eventIdx: sc.eventIdx, inOrder: sc.inOrder, notificationData: sc.notificationData },
    synchronousNotify: true,
    watchWrites: sc.watchWrites,
    ...(sc.start === 0 ? {} : { initialIndex: slot0 | (wrap0 << 15) }),
  });
  const { driver, device, mem } = p;
  // Buffers anywhere in RAM but on the ring itself (packed-buffer-overlaps-ring): past the ring and both event structures.
  const dataStart = Math.max(driver.descAddr + 16 * size, driver.driverAddr + 4, driver.deviceAddr + 4);
  const pending: ModelList[] = [];
  const published: ModelList[] = [];
  const inflight: { chain: Chain; list: ModelList }[] = [];
  const pushed: { token: number; len: number; slots: number }[] = [];
  let added = 0;
  let pubAbs = 0;
  let usedAbs = 0;
  let harvestedSlots = 0;
  let lastKick = 0;
  let lastCheck = 0;

  for (const [code, seed] of sc.ops) {
    const r = rng(seed);
    const pick = (n: number) => Math.floor(r() * n);
    if (code < 30) {
      const n = 1 + pick(Math.min(6, size + 2));
      const nRead = pick(n + 1);
      const buffers: DriverBuffer[] = [];
      for (let i = 0; i < n; i++) {
        const len = 1 + (r() < 0.9 ? pick(64) : pick(8192));
        buffers.push({ addr: dataStart + pick(RAM_BASE + memorySize - dataStart - len), len, write: i >= nRead });
      }
      const indirect = r() < 0.4;
      const slots = indirect && sc.indirect && n <= size ? 1 : n;
      const free = size - (added - harvestedSlots);
      const token = driver.add(buffers, { indirect });
      if (driver.freeCount() !== free - (token === null ? 0 : slots)) fail(`freeCount ${driver.freeCount()} vs model ${free}`);
      if ((token === null) !== slots > free) fail(`add of ${slots} slots with ${free} free returned ${token}`);
      if (token !== null) {
        const writable = buffers.filter((b) => b.write).reduce((a, b) => a + b.len, 0);
        pending.push({ token, buffers, slots, at: added, writable });
        added += slots;
      }
    } else if (code < 42) {
      driver.publish();
      for (const l of pending) pubAbs += l.slots;
      published.push(...pending.splice(0));
    } else if (code < 50) {
      const offWrap = mem.readU16(driver.deviceAddr);
      const flags = mem.readU16(driver.deviceAddr + 2);
      const count = pubAbs - lastKick;
      const want =
        count > 0 &&
        (flags === 2 ? eventCrossed(lastKick, pubAbs, offWrap & 0x7fff, (offWrap >> 15) as 0 | 1, size, slot0, wrap0) : flags !== 1);
      const got = driver.needsNotify();
      lastKick = pubAbs;
      if (got !== want) fail(`driver needsNotify ${got}, spec says ${want} (device event ${offWrap.toString(16)}/${flags}, published ${count})`);
      if (got) device.onNotify(sc.notificationData ? driver.notificationData() : undefined);
    } else if (code < 62) {
      const k = 1 + pick(4);
      for (let i = 0; i < k; i++) {
        const chain = device.pop();
        const want = published.shift();
        if (!chain || !want) {
          if (chain || want) fail(`pop returned ${chain ? 'a list' : 'nothing'} but the model has ${want ? 'one' : 'none'}`);
          break;
        }
        sameSegments('readable', chain.readable, want.buffers.filter((b) => !b.write));
        sameSegments('writable', chain.writable, want.buffers.filter((b) => b.write));
        if (chain.ringSlots !== want.slots) fail(`ringSlots ${chain.ringSlots} != ${want.slots}`);
        const abs = slot0 + want.at;
        if (chain.head !== abs % size) fail(`head ${chain.head} != ${abs % size}`);
        if (chain.wrap !== ((wrap0 ^ (Math.floor(abs / size) & 1)) === 1)) fail(`wrap ${chain.wrap} at absolute slot ${abs}`);
        inflight.push({ chain, list: want });
      }
    } else if (code < 74) {
      if (inflight.length) {
        const [item] = inflight.splice(sc.inOrder ? 0 : pick(inflight.length), 1);
        const len = pick(item!.list.writable + 1);
        device.pushUsed(item!.chain, len);
        pushed.push({ token: item!.list.token, len, slots: item!.list.slots });
        usedAbs += item!.list.slots;
      }
    } else if (code < 82) {
      const got = driver.harvest();
      if (got.length !== pushed.length) fail(`harvested ${got.length}, pushed ${pushed.length}`);
      for (let i = 0; i < got.length; i++) {
        if (got[i]!.token !== pushed[i]!.token || got[i]!.len !== pushed[i]!.len) {
          fail(`harvest[${i}] = ${got[i]!.token}/${got[i]!.len}, pushed ${pushed[i]!.token}/${pushed[i]!.len}`);
        }
        harvestedSlots += pushed[i]!.slots;
      }
      pushed.length = 0;
    } else if (code < 85) {
      driver.setInterrupts(r() < 0.6);
    } else if (code < 88) {
      device.setNotifications(r() < 0.6);
    } else if (code < 93) {
      const offWrap = mem.readU16(driver.driverAddr);
      const flags = mem.readU16(driver.driverAddr + 2);
      const count = usedAbs - lastCheck;
      const want =
        count > 0 &&
        (flags === 2 ? eventCrossed(lastCheck, usedAbs, offWrap & 0x7fff, (offWrap >> 15) as 0 | 1, size, slot0, wrap0) : flags !== 1);
      const got = device.shouldNotify();
      lastCheck = usedAbs;
      if (got !== want) fail(`device shouldNotify ${got}, spec says ${want} (driver event ${offWrap.toString(16)}/${flags}, pushed ${count})`);
    } else if (code < 96) {
      mem.writeU16(driver.driverAddr, pick(size) | (pick(2) << 15));
      mem.writeU16(driver.driverAddr + 2, pick(sc.eventIdx ? 3 : 2));
    } else if (code < 98) {
      if (sc.eventIdx && device.notificationsEnabled) {
        mem.writeU16(driver.deviceAddr, pick(size) | (pick(2) << 15));
        mem.writeU16(driver.deviceAddr + 2, 2);
      }
    } else {
      const k = 1 + pick(8);
      const peeked = device.peek(k);
      if (peeked.problem) fail(`peek problem ${peeked.problem.rule}`);
      if (peeked.chains.length !== Math.min(k, published.length)) fail(`peek(${k}) gave ${peeked.chains.length} of ${published.length}`);
      peeked.chains.forEach((c, i) => sameSegments('peek', c.readable, published[i]!.buffers.filter((b) => !b.write)));
      if (device.available() !== published.length) fail(`available ${device.available()} != ${published.length}`);
    }
  }
  if (p.violations.length) fail(`device reported ${JSON.stringify(p.violations[0])}`);
  if (p.deviceErrors.length) fail(`driver reported ${JSON.stringify(p.deviceErrors[0])}`);
  device.dispose();
}

test(`packed workloads: driver and device agree (${RUNS} runs)`, () => {
  fc.assert(fc.property(scenarioArb, (sc) => run(sc)), { numRuns: RUNS });
});
