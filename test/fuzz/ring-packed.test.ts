/**
 * Fuzz (ring memory and descriptor chains, counted in the fuzz total): hostile packed ring contents.
 * Random descriptor rings, indirect tables and event structures, a random device position and features.
 * pop() / peek() / available() / pushUsed() / shouldNotify() never throw, read a bounded number of times from guest memory (instrumented backing), and agree with an
 * independent oracle (test/support/packed-oracle.ts): nothing available, a valid list with exactly these
 * buffers, or the rule the list breaks — which pop() must report and peek() must name.
 */
import { test } from 'node:test';
import fc from 'fast-check';
import { fuzz } from './support/fuzz';
import { ArrayBufferBacking, GuestMemory, type MemoryBacking } from '../../engine/memory';
import { PackedQueue } from '../../engine/queue/packed';
import { type Chain, type QueueConfig } from '../../engine/queue/types';
import { type ListVerdict, type RingImage, eventCrossed, judgeList, rng } from '../support/packed-oracle';
import { RAM_BASE, type Reported, features } from '../support/packed-harness';

const TOTAL_RUNS = Number(process.env.PROPERTY_RUNS ?? 100000);
const RUNS = Math.max(1, TOTAL_RUNS - Math.round(TOTAL_RUNS * 0.7));

/** Counts every read the queue makes through GuestMemory. */
class CountingBacking extends ArrayBufferBacking {
  reads = 0;
  override readU8(o: number): number {
    this.reads++;
    return super.readU8(o);
  }
  override readU16(o: number): number {
    this.reads++;
    return super.readU16(o);
  }
  override readU32(o: number): number {
    this.reads++;
    return super.readU32(o);
  }
  override readU64(o: number): number {
    this.reads++;
    return super.readU64(o);
  }
  override readU64Big(o: number): bigint {
    this.reads++;
    return super.readU64Big(o);
  }
  override read(o: number, dst: Uint8Array): void {
    this.reads++;
    super.read(o, dst);
  }
}

function fail(msg: string): never {
  throw new Error(msg);
}

const scenarioArb = fc.record({
  size: fc.oneof(
    { weight: 8, arbitrary: fc.noBias(fc.integer({ min: 1, max: 24 })) },
    { weight: 2, arbitrary: fc.noBias(fc.integer({ min: 25, max: 300 })) },
  ),
  indirect: fc.boolean(),
  eventIdx: fc.boolean(),
  inOrder: fc.boolean(),
  baseSlot: fc.noBias(fc.nat()),
  baseWrap: fc.boolean(),
  seed: fc.noBias(fc.nat()),
  steps: fc.array(fc.noBias(fc.nat()), { minLength: 1, maxLength: 12, size: 'max' }),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

const TABLE_ENTRIES = 24;

function run(sc: Scenario): void {
  const { size } = sc;
  const r = rng(sc.seed);
  const pick = (n: number) => Math.floor(r() * n);
  const ringBytes = 16 * size;
  const tableAt = ringBytes + 8; // 16-byte aligned only by luck of the size: tables need no alignment
  const dataAt = tableAt + TABLE_ENTRIES * 16;
  const memSize = dataAt + 4096;
  const backing = new CountingBacking(memSize);
  const bytes = backing.bytes;
  const view = new DataView(bytes.buffer);
  const mem = new GuestMemory([{ gpa: RAM_BASE, size: memSize, backing: backing as MemoryBacking, offset: 0 }]);
  const base = sc.baseSlot % size;

  const addr = (): bigint => {
    const k = r();
    if (k < 0.75) return BigInt(RAM_BASE + dataAt + pick(4000));
    if (k < 0.85) return 0n;
    if (k < 0.95) return BigInt(RAM_BASE + memSize - pick(64));
    return BigInt.asUintN(64, BigInt(Math.floor(r() * 2 ** 52)) * 4099n);
  };
  const len = (): number => {
    const k = r();
    if (k < 0.7) return 1 + pick(64);
    if (k < 0.8) return 0;
    if (k < 0.9) return Math.floor(r() * 2 ** 32);
    return 16 * (1 + pick(10));
  };
  const writeDesc = (at: number, d: { addr: bigint; len: number; id: number; flags: number }) => {
    view.setBigUint64(at, d.addr, true);
    view.setUint32(at + 8, d.len, true);
    view.setUint16(at + 12, d.id, true);
    view.setUint16(at + 14, d.flags, true);
  };
  for (let s = 0; s < size; s++) {
    const lapWrap = s >= base ? sc.baseWrap : !sc.baseWrap;
    let flags = r() < 0.75 ? (lapWrap ? 0x80 : 0x8000) : pick(2) * 0x80 + pick(2) * 0x8000;
    if (r() < 0.35) flags |= 1;
    if (r() < 0.4) flags |= 2;
    let a = addr();
    let l = len();
    if (r() < 0.12) {
      flags |= 4;
      if (r() < 0.7) {
        const first = pick(TABLE_ENTRIES);
        a = BigInt(RAM_BASE + tableAt + 16 * first);
        l = r() < 0.8 ? 16 * (1 + pick(TABLE_ENTRIES - first)) : pick(200);
      }
    }
    if (r() < 0.05) flags |= 1 << (3 + pick(4));
    const id = sc.inOrder && r() < 0.5 ? (s - base + size) % size : pick(size + 2);
    writeDesc(s * 16, { addr: a, len: l, id, flags });
  }
  for (let j = 0; j < TABLE_ENTRIES; j++) {
    const flags = r() < 0.85 ? pick(2) * 2 : pick(0x10000);
    writeDesc(tableAt + 16 * j, { addr: addr(), len: r() < 0.9 ? 1 + pick(64) : len(), id: pick(0x10000), flags });
  }
  const eventFlags = (): number => (r() < 0.85 ? pick(3) : pick(0x10000));
  const driverEvent = ringBytes; // both structures sit after the ring, inside the table area's padding
  view.setUint16(driverEvent, pick(0x10000), true);
  view.setUint16(driverEvent + 2, eventFlags(), true);

  const f = features({ indirect: sc.indirect, eventIdx: sc.eventIdx, inOrder: sc.inOrder });
  const violations: Reported[] = [];
  const config: QueueConfig = {
    index: 0,
    name: 'requestq1',
    size,
    desc: RAM_BASE,
    driver: RAM_BASE + driverEvent,
    device: RAM_BASE + driverEvent + 4,
    features: f,
  };
  const q = new PackedQueue({ mem, violation: (rule, message, index) => violations.push({ rule, message, ...(index === undefined ? {} : { index }) }) }, config);
  q.setBase(base | (sc.baseWrap ? 0x8000 : 0));
  if (!q.validate()) fail(`validate: ${JSON.stringify(violations)}`);

  const ramStart = BigInt(RAM_BASE);
  const ramEnd = BigInt(RAM_BASE + memSize);
  const img: RingImage = {
    ring: new DataView(bytes.buffer, 0, ringBytes),
    size,
    ramStart,
    ramEnd,
    parts: [
      [BigInt(config.desc), BigInt(config.desc + ringBytes)],
      [BigInt(config.driver), BigInt(config.driver + 4)],
      [BigInt(config.device), BigInt(config.device + 4)],
    ],
    indirect: sc.indirect,
    inOrder: sc.inOrder,
    readEntry: (a) => {
      if (a < ramStart || a + 16n > ramEnd) return undefined;
      const o = Number(a - ramStart);
      return { addr: view.getBigUint64(o, true), len: view.getUint32(o + 8, true), id: view.getUint16(o + 12, true), flags: view.getUint16(o + 14, true) };
    },
  };
  const bounded = (what: string, limit: number, fn: () => void) => {
    const before = backing.reads;
    fn();
    const n = backing.reads - before;
    if (n > limit) fail(`${what} made ${n} reads (limit ${limit})`);
  };
  const sameSegs = (what: string, got: { addr: number; len: number }[], want: { addr: number; len: number }[]) => {
    if (got.length !== want.length || got.some((g, i) => g.addr !== want[i]!.addr || g.len !== want[i]!.len)) {
      fail(`${what}: ${JSON.stringify(got)} != ${JSON.stringify(want)}`);
    }
  };
  const matches = (c: Chain, v: Extract<ListVerdict, { kind: 'list' }>, what: string) => {
    sameSegs(`${what} readable`, c.readable, v.readable);
    sameSegs(`${what} writable`, c.writable, v.writable);
    if (c.id !== v.id || c.ringSlots !== v.slots) fail(`${what}: id/slots ${c.id}/${c.ringSlots} != ${v.id}/${v.slots}`);
  };

  let slot = base;
  let wrap = sc.baseWrap;
  let inflightSlots = 0;
  let prevId = -1;
  let usedAbs = 0;
  let lastCheck = 0;
  let flagsReported = false;
  const inflight: Chain[] = [];
  const walkLimit = 4 * (size + 1) + 4 * size + 16;

  for (const step of sc.steps) {
    const judged = judgeList(img, slot, wrap, size - inflightSlots, prevId);
    // A buffer id the device still holds may not come round again.
    const verdict: ListVerdict = judged.kind === 'list' && inflight.some((c) => c.id === judged.id) ? { kind: 'problem', rule: 'packed-id-in-flight' } : judged;
    let avail = 0;
    bounded('available()', size + 4, () => (avail = q.available()));
    if ((avail > 0) !== (verdict.kind !== 'none')) fail(`available() = ${avail} but the oracle says ${verdict.kind}`);
    const k = 1 + (step % 3);
    bounded('peek()', (k + 1) * walkLimit, () => {
      const pk = q.peek(k);
      if (verdict.kind === 'list') {
        if (!pk.chains[0]) fail(`peek() shows nothing, oracle has a list (${pk.problem?.rule})`);
        matches(pk.chains[0], verdict, 'peek');
      } else if (pk.chains.length || (verdict.kind === 'problem') !== (pk.problem !== undefined)) {
        fail(`peek() ${pk.chains.length} chains / ${pk.problem?.rule}, oracle ${verdict.kind}`);
      } else if (verdict.kind === 'problem' && pk.problem!.rule !== verdict.rule) {
        fail(`peek() names ${pk.problem!.rule}, oracle ${verdict.rule}`);
      }
    });
    const before = violations.length;
    let chain: Chain | null = null;
    bounded('pop()', walkLimit, () => (chain = q.pop()));
    const popped = chain as Chain | null;
    if (verdict.kind === 'none') {
      if (popped || violations.length !== before) fail('pop() took or reported something where nothing is available');
      break;
    }
    if (verdict.kind === 'problem') {
      if (popped) fail(`pop() accepted a list the oracle rejects with ${verdict.rule}`);
      const got = violations.slice(before).map((v) => v.rule);
      if (got.length !== 1 || got[0] !== verdict.rule || q.broken !== verdict.rule) {
        fail(`pop() reported ${JSON.stringify(got)} (broken ${q.broken}), oracle ${verdict.rule}`);
      }
      if (q.pop() !== null || q.available() !== 0) fail('broken queue still hands out lists');
      break;
    }
    if (!popped) fail(`pop() returned nothing for a valid list (${JSON.stringify(violations.slice(before))})`);
    matches(popped, verdict, 'pop');
    const servable = violations.slice(before).map((v) => v.rule);
    if (servable.join() !== verdict.lapses.join()) fail(`pop() reported ${JSON.stringify(servable)}, oracle ${JSON.stringify(verdict.lapses)}`);
    inflight.push(popped);
    inflightSlots += verdict.slots;
    prevId = verdict.id;
    slot += verdict.slots;
    if (slot >= size) {
      slot -= size;
      wrap = !wrap;
    }
    // Sometimes return the oldest buffer and ask whether to notify.
    if (step % 4 === 0) {
      const c = inflight.shift()!;
      bounded('pushUsed()', 0, () => q.pushUsed(c, pick(c.writableBytes + 1)));
      inflightSlots -= c.ringSlots;
      usedAbs += c.ringSlots;
      if (r() < 0.3) view.setUint16(driverEvent + 2, eventFlags(), true);
      const offWrap = view.getUint16(driverEvent, true);
      const flags = view.getUint16(driverEvent + 2, true);
      const invalid = !(flags === 0 || flags === 1 || (flags === 2 && sc.eventIdx));
      const want =
        flags === 1 ? false : flags === 2 && sc.eventIdx
          ? eventCrossed(lastCheck, usedAbs, offWrap & 0x7fff, (offWrap >> 15) as 0 | 1, size, base, sc.baseWrap ? 1 : 0)
          : true;
      const n = violations.length;
      let got = false;
      bounded('shouldNotify()', 2, () => (got = q.shouldNotify()));
      lastCheck = usedAbs;
      if ((offWrap & 0x7fff) < size && got !== want) fail(`shouldNotify ${got}, oracle ${want} (event ${offWrap.toString(16)}/${flags})`);
      const reported = violations.slice(n).map((v) => v.rule);
      const expectReport = invalid && !flagsReported;
      if (expectReport) flagsReported = true;
      if (reported.length !== (expectReport ? 1 : 0) || (expectReport && reported[0] !== 'packed-event-flags-invalid')) {
        fail(`shouldNotify reported ${JSON.stringify(reported)} for flags ${flags}`);
      }
    }
  }
  q.unnotified();
  q.dispose();
}

test(`packed hostile rings: bounded, never throwing, every broken list reported (${RUNS} runs)`, (t) => {
  fuzz(t, RUNS, scenarioArb, (sc) => run(sc));
});
