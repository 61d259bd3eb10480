// Fuzz: control-queue commands (virtio-net §5.1.6.5) into a real NetDevice's command target: known commands
// with random data, unknown classes and commands, every feature combination. A command never throws, is
// answered OK or ERR, and every ERR comes with a violation naming a net-ctrl rule (or an outcome saying why).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { type CtrlTarget, NET_ERR, NET_OK, executeCtrl } from '../../engine/devices/net/ctrl-queue';
import { NetDevice } from '../../engine/devices/net';
import { GuestMemory } from '../../engine/memory';
import { NET_CTRL_COMMANDS } from '../../engine/spec-tables/net-ctrl';
import { Trace } from '../../engine/trace';
import { fuzz } from './support/fuzz';

const command = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...NET_CTRL_COMMANDS).map((c) => [c.classValue, c.value] as const) },
  { weight: 1, arbitrary: fc.tuple(fc.nat({ max: 255 }), fc.nat({ max: 255 })) },
);

describe('fuzz: net control queue', () => {
  test('random commands, data and negotiated features', (t) => {
    const device = new NetDevice({ id: 'net0', mem: new GuestMemory(), trace: new Trace({ capacity: 0 }), inProcess: false, queuePairs: 4 });
    // The device's own command target (private: the control queue hands it every command it pops).
    const real = (device as unknown as { ctrlTarget: CtrlTarget }).ctrlTarget;
    assert.ok(real, 'the device has a control target');
    let features = 0n;
    const rules: string[] = [];
    const target: CtrlTarget = Object.create(real, {
      features: { value: () => features },
      violation: { value: (rule: string, message: string) => rules.push(`${rule}: ${message}`) },
    }) as CtrlTarget;
    fuzz(t, 150_000, fc.tuple(command, fc.uint8Array({ maxLength: 64 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })), ([[cls, cmd], data, f]) => {
      features = f;
      rules.length = 0;
      const r = executeCtrl(target, cls, cmd, data);
      assert.ok(r.ack === NET_OK || r.ack === NET_ERR, `ack ${r.ack}`);
      assert.equal(typeof r.outcome, 'string');
      for (const v of rules) assert.match(v, /^net-ctrl-[a-z-]+: ./);
    });
  });
});
