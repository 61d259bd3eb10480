/**
 * One test per transport, status, feature and config rule: the reference driver breaks the rule on purpose
 * through the virtio-mmio registers and the device reports exactly that rule id.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ViolationEvent } from '../../../protocol/trace';
import { F, bit } from '../../../engine/device-core/bits';
import { ECHO_OFFERED, EchoDevice } from '../../../engine/devices/echo/echo-device';
import { runEchoWorkload } from '../../../engine/driver/workloads/echo';
import { createInProcessMachine } from '../../../engine/machine/in-process';
import { type RuleId } from '../../../engine/rules';
import { DEVICE_RULES } from '../../../engine/rules/device';

function run(rule: RuleId, o: { wanted?: bigint; traffic?: boolean; arg?: number } = {}) {
  const m = createInProcessMachine({
    device: (mem, trace) => new EchoDevice({ mem, trace, queueSize: 16 }),
    driver: { faults: [{ rule, ...(o.arg !== undefined ? { arg: o.arg } : {}) }], ...(o.wanted !== undefined ? { wanted: o.wanted } : {}) },
  });
  const seen: ViolationEvent[] = [];
  m.trace.on((e) => e.type === 'violation' && seen.push(e));
  let initError: Error | undefined;
  try {
    m.driver.init();
  } catch (e) {
    initError = e as Error;
  }
  return { m, seen, initError };
}

const special: Record<string, { wanted?: bigint; traffic?: boolean }> = {
  'queue-reset-not-negotiated': { wanted: ECHO_OFFERED & ~bit(F.RING_RESET) },
  'mmio-interrupt-not-acked': { traffic: true },
};

// features-dependency needs a device type with dependent features: tested with virtio-net and in status.test.ts.
const driverRules = DEVICE_RULES.map((r) => r.id).filter((id) => id !== 'features-dependency');

for (const rule of driverRules) {
  test(`driver fault ${rule} is reported with exactly that rule id`, async () => {
    const o = special[rule] ?? {};
    const { m, seen } = run(rule, o);
    if (o.traffic) await runEchoWorkload(m.driver, m.mem, m.alloc, { count: 8, batch: 1, timeoutMs: 500 });
    const ids = seen.map((v) => v.rule);
    assert.ok(ids.includes(rule), `expected ${rule}, got [${ids.join(', ')}]`);
    const v = seen.find((x) => x.rule === rule)!;
    assert.equal(v.device, 'echo0');
    assert.match(v.section, /^\d+(\.\d+)*$/);
    assert.ok(v.message.length > 10);
  });
}

test('a clean initialisation and workload reports no violation on either layout', async () => {
  for (const layout of ['split', 'packed'] as const) {
    const m = createInProcessMachine({ device: (mem, trace) => new EchoDevice({ mem, trace }), driver: { layout } });
    const seen: string[] = [];
    m.trace.on((e) => e.type === 'violation' && seen.push(e.rule));
    m.driver.init();
    const r = await runEchoWorkload(m.driver, m.mem, m.alloc, { count: 40, batch: 5 });
    assert.equal(r.verified, 40, layout);
    assert.deepEqual(seen, [], layout);
  }
});

test('a refused FEATURES_OK stops a well-behaved driver with a clear error', () => {
  const { initError, m } = run('features-version1-not-accepted');
  assert.match(initError!.message, /refused FEATURES_OK/);
  assert.equal(m.device.status & 8, 0);
});

test('a broken queue sets DEVICE_NEEDS_RESET and raises a config interrupt; reset recovers', async () => {
  const m = createInProcessMachine({ device: (mem, trace) => new EchoDevice({ mem, trace }), driver: { faults: [{ rule: 'split-desc-zero-length' }] } });
  let configInterrupts = 0;
  m.driver.init();
  m.driver.onConfigChange(() => configInterrupts++);
  await runEchoWorkload(m.driver, m.mem, m.alloc, { count: 2, timeoutMs: 100 });
  assert.ok(m.device.status & 64, 'DEVICE_NEEDS_RESET');
  assert.equal(configInterrupts, 1);
  m.driver.reset();
  assert.equal(m.device.status, 0);
  assert.equal(m.device.queues[0]!.vq, undefined);
});

test('no mmio-interrupt-not-acked when the driver notifies again before its handler ran', async () => {
  const m = createInProcessMachine({ device: (mem, trace) => new EchoDevice({ mem, trace }) });
  const seen: string[] = [];
  m.trace.on((e) => e.type === 'violation' && seen.push(e.rule));
  m.driver.init();
  const buf = () => {
    const a = m.alloc.alloc(8, 1);
    const b = m.alloc.alloc(8, 1);
    return [
      { addr: a, len: 8, write: false },
      { addr: b, len: 8, write: true },
    ];
  };
  await Promise.all([m.driver.submit(0, buf()), m.driver.submit(0, buf()), m.driver.submit(0, buf())]);
  assert.deepEqual(seen, []);
});

test('a driver that publishes without the kick it owes is reported in process, and the request stays unanswered', async () => {
  for (const [layout, rule] of [
    ['split', 'split-notify-missing'],
    ['packed', 'packed-notify-missing'],
  ] as const) {
    const m = createInProcessMachine({
      device: (mem, trace) => new EchoDevice({ mem, trace, queueSize: 16 }),
      driver: { layout, faults: [{ rule, atChain: 2 }] },
    });
    const seen: ViolationEvent[] = [];
    m.trace.on((e) => e.type === 'violation' && seen.push(e));
    m.driver.init();
    const r = await runEchoWorkload(m.driver, m.mem, m.alloc, { count: 4, batch: 1, timeoutMs: 200 });
    assert.deepEqual(
      seen.map((v) => v.rule),
      [rule],
      layout,
    );
    assert.match(seen[0]!.message, /did not notify/, layout);
    assert.ok(r.verified < 4, `${layout}: the unkicked request was not served (${r.verified} verified)`);
  }
});
