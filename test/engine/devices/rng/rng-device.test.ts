/**
 * virtio-rng (VIRTIO 1.3 §5.4) through the in-process virtio-mmio transport and the reference driver: every
 * device-writable buffer is filled (seed:N gives the stream the seed predicts, on both ring layouts), the
 * device looks like one (device id 4, one requestq, no config), and both rng rules are reported with their
 * severity while the queue goes on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type RingLayout, type ViolationEvent } from '../../../../protocol/trace';
import { DEVICE_TYPES } from '../../../../engine/devices/registry';
import { RNG_MAX_FILL, type RngDevice, seededEntropy } from '../../../../engine/devices/rng';
import { runRngWorkload } from '../../../../engine/driver/workloads/rng';
import { createInProcessMachine } from '../../../../engine/machine/in-process';
import { rule } from '../../../../engine/rules';
import { deviceId } from '../../../../engine/spec-tables';

function machine(entropy: string, layout: RingLayout = 'split') {
  const m = createInProcessMachine({
    device: (mem, trace) => DEVICE_TYPES.rng.create({ id: 'rng0', mem, trace, inProcess: true }, { queueSize: 16, entropy }),
    driver: { layout, queueSize: 16 },
  });
  const seen: ViolationEvent[] = [];
  m.trace.on((e) => e.type === 'violation' && seen.push(e));
  m.driver.init();
  return { m, seen, device: m.device as RngDevice };
}

for (const layout of ['split', 'packed'] as const) {
  test(`seed:N: each buffer holds the next bytes of the seed's stream (${layout} ring)`, async () => {
    const { m, seen, device } = machine('seed:1234', layout);
    const oracle = seededEntropy(1234);
    const r = await runRngWorkload(m.driver, m.mem, m.alloc, { count: 20, size: 37, expect: (b) => oracle.fill(b) });
    assert.deepEqual(r.mismatches, []);
    assert.equal(r.verified, 20);
    assert.equal(r.bytes, 20 * 37);
    assert.equal(device.bytesFilled, 20 * 37);
    assert.deepEqual(seen, []);
  });
}

test('the descriptor and the device agree with the spec: device id 4 (entropy source), one requestq, no config, transport features only', () => {
  const d = DEVICE_TYPES.rng;
  assert.equal(d.deviceId, 4);
  assert.equal(deviceId(d.deviceId)?.constant, 'VIRTIO_ID_RNG');
  assert.deepEqual(d.queueNames({}), ['requestq']);
  assert.deepEqual(d.config, []);
  assert.equal(d.featureTable, 'transport');
  assert.deepEqual(
    d.rules.map((r) => r.id),
    ['rng-buffer-device-readable', 'rng-buffer-empty'],
  );
  const { device } = machine('random');
  assert.equal(device.deviceId, 4);
  assert.deepEqual(
    device.queues.map((q) => q.name),
    ['requestq'],
  );
  assert.equal(device.offered & 0xff_ffffn, 0n, 'no device feature bits (§5.4.3)');
});

test('random: buffers are filled (not left zero) and two buffers differ', async () => {
  const { m } = machine('random');
  const r = await runRngWorkload(m.driver, m.mem, m.alloc, { count: 2, size: 64 });
  assert.equal(r.verified, 2);
  assert.ok(r.first.some((b) => b !== 0));
});

test('rng-buffer-device-readable: reported (error, §5.4.6.1), only the writable part filled, the queue goes on', async () => {
  const { m, seen, device } = machine('seed:5');
  const oracle = seededEntropy(5);
  const r = await runRngWorkload(m.driver, m.mem, m.alloc, { count: 4, size: 32, expect: (b) => oracle.fill(b), faults: [{ rule: 'rng-buffer-device-readable', atChain: 1 }] });
  assert.deepEqual(r.mismatches, []);
  assert.equal(r.verified, 4);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.rule, 'rng-buffer-device-readable');
  assert.equal(seen[0]!.severity, 'error');
  assert.equal(seen[0]!.severity, rule('rng-buffer-device-readable').severity);
  assert.equal(seen[0]!.section, '5.4.6.1');
  assert.match(seen[0]!.message, /16 device-readable byte\(s\).*32 writable/);
  assert.equal(device.bytesFilled, 4 * 32);
});

test('rng-buffer-empty: a chain with no writable byte comes back with used length 0 and is reported', async () => {
  const { m, seen } = machine('seed:1');
  const addr = m.alloc.alloc(8, 1);
  const used = await m.driver.submit(0, [{ addr, len: 8, write: false }]);
  assert.equal(used.len, 0);
  assert.deepEqual(
    seen.map((v) => [v.rule, v.severity]),
    [
      ['rng-buffer-device-readable', 'error'],
      ['rng-buffer-empty', 'error'],
    ],
  );
});

test(`a request larger than ${RNG_MAX_FILL} bytes gets ${RNG_MAX_FILL} (§5.4.6.2: the device MAY use less than the whole buffer)`, async () => {
  const { m } = machine('seed:9');
  const size = RNG_MAX_FILL + 4096;
  const addr = m.alloc.alloc(size, 1);
  const used = await m.driver.submit(0, [{ addr, len: size, write: true }]);
  assert.equal(used.len, RNG_MAX_FILL);
  const want = new Uint8Array(RNG_MAX_FILL);
  seededEntropy(9).fill(want);
  assert.deepEqual(m.mem.read(addr, RNG_MAX_FILL), want);
});
