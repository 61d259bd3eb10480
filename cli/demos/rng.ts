/**
 * `virtio-debug demo rng`: the reference driver asks a virtio-rng device for 64-byte buffers of entropy;
 * the device draws them from the reproducible stream `seed:42`, so the demo checks every byte against the
 * same stream computed on the driver's side. The deliberate violation is a device-readable descriptor in
 * front of an entropy request (§5.4.6.1).
 */
import { createInProcessMachine, hexString, RNG_TYPE, runRngWorkload, seededEntropy } from '../../engine';
import { type DemoScenario } from './types';

const SEED = 42;

export const rngDemo: DemoScenario = {
  name: 'rng',
  title: `virtio-rng handing out entropy (seed:${SEED})`,
  demoFault: () => ({ rule: 'rng-buffer-device-readable', atChain: 1 }),
  async run(ctx) {
    const m = createInProcessMachine({
      trace: ctx.trace,
      device: (mem, trace) => RNG_TYPE.create({ id: 'rng0', mem, trace, inProcess: true }, { queueSize: 64, entropy: `seed:${SEED}` }),
      driver: { layout: ctx.layout, queueSize: 64 },
    });
    m.driver.init();
    const oracle = seededEntropy(SEED);
    const r = await runRngWorkload(m.driver, m.mem, m.alloc, {
      count: ctx.count,
      expect: (b) => oracle.fill(b),
      ...(ctx.fault ? { faults: [ctx.fault] } : {}),
      timeoutMs: 2000,
    });
    for (const mm of r.mismatches) ctx.print(`mismatch: ${mm}`);
    ctx.print(`first bytes: ${hexString(r.first, ' ')}`);
    return {
      ok: r.verified === r.sent && r.unanswered === 0,
      summary: `${r.verified}/${r.sent} entropy requests answered with the bytes seed:${SEED} predicts (${r.bytes} bytes)`,
    };
  },
};
