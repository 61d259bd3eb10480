/**
 * Property: the reference split driver ring and the device queue agree under random workloads — the
 * device sees exactly the chains the driver added, in order; the driver gets back exactly the tokens
 * and lengths the device pushed; notifications in both directions follow §2.7.7 / §2.7.10; a correct
 * driver never triggers a violation. Indices start near 65535 so they wrap.
 *
 * Runs: 70% of PROPERTY_RUNS (default 100000); test/fuzz/ring-split.test.ts runs the other 30%.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type DriverBuffer } from '../../engine/driver/ring-types';
import { u16, vringNeedEvent } from '../../engine/queue/event-idx';
import { usedEventOffset } from '../../engine/queue/split/layout';
import { type Chain, type RingFeatures } from '../../engine/queue/types';
import { splitPair } from '../support/split-harness';

const RUNS = Math.max(1, Math.round(Number(process.env.PROPERTY_RUNS ?? 100000) * 0.7));

type Op =
  | { t: 'add'; bufs: { len: number; write: boolean; at: number }[]; indirect: boolean; publish: boolean }
  | { t: 'publish' }
  | { t: 'pop'; n: number }
  | { t: 'push'; count: number; pick: number; frac: number; signal: boolean }
  | { t: 'signal' }
  | { t: 'harvest' }
  | { t: 'irq'; on: boolean }
  | { t: 'devnotify'; on: boolean };

const DATA_SIZE = 0x4000;

const bufArb = fc.record({ len: fc.integer({ min: 1, max: 300 }), write: fc.boolean(), at: fc.nat({ max: DATA_SIZE - 300 }) });

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ t: fc.constant('add' as const), bufs: fc.array(bufArb, { minLength: 1, maxLength: 6 }), indirect: fc.boolean(), publish: fc.integer({ min: 0, max: 9 }).map((x) => x < 7) }),
  },
  { weight: 2, arbitrary: fc.constant({ t: 'publish' as const }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('pop' as const), n: fc.integer({ min: 1, max: 8 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('push' as const),
      count: fc.integer({ min: 1, max: 4 }),
      pick: fc.nat(),
      frac: fc.double({ min: 0, max: 1, noNaN: true }),
      signal: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ t: 'signal' as const }) },
  { weight: 2, arbitrary: fc.constant({ t: 'harvest' as const }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('irq' as const), on: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('devnotify' as const), on: fc.boolean() }) },
);

const sizeArb = fc.oneof(
  { weight: 40, arbitrary: fc.integer({ min: 0, max: 10 }).map((e) => 2 ** e) },
  { weight: 1, arbitrary: fc.constant(32768) },
);

const initialArb = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 65536 - 8, max: 65535 }) },
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.nat({ max: 65535 }) },
);

const featuresArb: fc.Arbitrary<RingFeatures> = fc.record({
  indirect: fc.boolean(),
  eventIdx: fc.boolean(),
  inOrder: fc.boolean(),
  notificationData: fc.boolean(),
  ringReset: fc.constant(false),
});

interface Added {
  token: number;
  bufs: DriverBuffer[];
}

function runWorkload(size: number, features: RingFeatures, initialIndex: number, watchWrites: boolean, ops: Op[]): void {
  const ringBytes = 16 * size + 6 + 2 * size + 6 + 8 * size;
  const p = splitPair({
    size,
    features,
    initialIndex,
    synchronousNotify: true,
    watchWrites,
    memorySize: 2 * ringBytes + DATA_SIZE + 0x10000,
  });
  const { driver, device, mem } = p;
  const data = p.alloc.alloc(DATA_SIZE, 16);
  const usedEventAddr = driver.driverAddr + usedEventOffset(size);

  const added: Added[] = []; // added, in order
  let published = 0; // added[0..published) are visible to the device
  let popped = 0; // added[0..popped) were popped
  const inflight: { chain: Chain; entry: Added }[] = [];
  const pushedNotHarvested: { token: number; len: number }[] = [];
  let deviceUsed = initialIndex; // used idx the device has written
  let signalled: number | undefined; // used idx at the previous shouldNotify()
  let pushedSinceSignal = false;
  let deviceNotify = true;
  let outstanding = 0;
  const fail = (msg: string): never => assert.fail(`${msg}\nviolations: ${JSON.stringify(p.violations)} errors: ${JSON.stringify(p.deviceErrors)}`);

  const harvest = (): void => {
    const got = driver.harvest().map((u) => ({ token: u.token, len: u.len }));
    assert.deepEqual(got, pushedNotHarvested.splice(0, got.length));
    assert.equal(pushedNotHarvested.length, 0, 'harvest takes everything the device pushed');
    outstanding -= got.length;
  };

  const push = (k: number, frac: number): void => {
    const [{ chain, entry }] = inflight.splice(k, 1) as [{ chain: Chain; entry: Added }];
    const len = Math.floor(frac * chain.writableBytes);
    device.pushUsed(chain, len);
    deviceUsed = u16(deviceUsed + 1);
    pushedSinceSignal = true;
    pushedNotHarvested.push({ token: entry.token, len });
  };

  /** The driver publishes and notifies when it must (Linux virtqueue_kick). */
  const publish = (): void => {
    const before = published;
    const deviceIdle = popped === published;
    driver.publish();
    published = added.length;
    const kicked = driver.needsNotify();
    if (kicked) device.onNotify(features.notificationData ? driver.notificationData() : undefined);
    // No lost kick: a device waiting with notifications on is always told about new chains.
    if (deviceNotify && deviceIdle && published > before && !kicked) fail('driver did not notify an idle device that asked for notifications');
    if (!deviceNotify && !features.eventIdx && kicked) fail('driver notified although used.flags = NO_NOTIFY');
    if (!kicked && device.missedNotification()) fail('device says a notification was missed');
  };

  /** The device decides about a used-buffer notification; the spec decides what it must be. */
  const signal = (): void => {
    const should = device.shouldNotify();
    if (!pushedSinceSignal) {
      assert.equal(should, false, 'no push, no interrupt');
      return;
    }
    let expected: boolean;
    if (!features.eventIdx) expected = (mem.readU16(driver.driverAddr) & 1) === 0;
    else expected = signalled === undefined || vringNeedEvent(mem.readU16(usedEventAddr), deviceUsed, signalled);
    if (features.eventIdx) signalled = deviceUsed;
    pushedSinceSignal = false;
    assert.equal(should, expected, 'shouldNotify per §2.7.7.2');
  };

  for (const op of ops) {
    switch (op.t) {
      case 'add': {
        // Drivers put device-readable buffers first (S3).
        const indirect = op.indirect && features.indirect;
        const bufs = [...op.bufs]
          .slice(0, indirect ? size : undefined) // §2.7.5.3.1: no chain longer than the queue
          .sort((a, b) => Number(a.write) - Number(b.write))
          .map((b) => ({ addr: data + b.at, len: b.len, write: b.write }));
        const token = driver.add(bufs, { indirect });
        const need = indirect ? 1 : bufs.length;
        if (token === null) {
          assert.ok(need > driver.freeCount(), `add refused with ${driver.freeCount()} free descriptors for ${need}`);
          break;
        }
        added.push({ token, bufs });
        outstanding++;
        if (op.publish) publish();
        break;
      }
      case 'publish':
        publish();
        break;
      case 'pop': {
        for (let k = 0; k < op.n; k++) {
          const c = device.pop();
          if (popped === published) {
            assert.equal(c, null, 'nothing published, nothing popped');
            break;
          }
          if (!c) fail(`pop returned null with ${published - popped} published chains`);
          const entry = added[popped]!;
          assert.equal(c!.position, u16(initialIndex + popped));
          assert.deepEqual(
            c!.readable.map((s) => [s.addr, s.len]),
            entry.bufs.filter((b) => !b.write).map((b) => [b.addr, b.len]),
          );
          assert.deepEqual(
            c!.writable.map((s) => [s.addr, s.len]),
            entry.bufs.filter((b) => b.write).map((b) => [b.addr, b.len]),
          );
          popped++;
          inflight.push({ chain: c!, entry });
        }
        break;
      }
      case 'push': {
        // IN_ORDER devices return chains in the order they took them.
        for (let k = 0; k < op.count && inflight.length > 0; k++) push(features.inOrder ? 0 : (op.pick + k) % inflight.length, op.frac);
        if (op.signal) signal();
        break;
      }
      case 'signal':
        signal();
        break;
      case 'harvest':
        harvest();
        driver.setInterrupts(true);
        break;
      case 'irq':
        driver.setInterrupts(op.on);
        break;
      case 'devnotify':
        device.setNotifications(op.on);
        deviceNotify = op.on;
        break;
    }
  }

  // Drain: everything added comes back exactly once.
  driver.publish();
  for (;;) {
    const c = device.pop();
    if (!c) break;
    inflight.push({ chain: c, entry: added[popped++]! });
  }
  assert.equal(popped, added.length);
  while (inflight.length) push(0, 1);
  harvest();
  assert.equal(outstanding, 0);
  assert.equal(driver.outstanding, 0);
  assert.equal(driver.freeCount(), size);
  assert.equal(device.inflight, 0);
  assert.deepEqual(p.violations, []);
  assert.deepEqual(p.deviceErrors, []);
  device.dispose();
}

test(`split workloads: driver and device agree (${RUNS} runs)`, () => {
  fc.assert(
    fc.property(sizeArb, featuresArb, initialArb, fc.boolean(), fc.array(opArb, { minLength: 1, maxLength: 50, size: 'large' }), (size, f, initial, watch, ops) =>
      runWorkload(size, f, initial, watch, ops),
    ),
    { numRuns: RUNS },
  );
});
