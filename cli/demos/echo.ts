import { createInProcessMachine, EchoDevice, runEchoWorkload } from '../../engine';
import { type DemoScenario } from './types';

export const echoDemo: DemoScenario = {
  name: 'echo',
  title: 'virtio-echo (test device)',
  demoFault: (layout) => ({ rule: `${layout}-desc-zero-length`, atChain: 2 }),
  async run(ctx) {
    const m = createInProcessMachine({
      trace: ctx.trace,
      device: (mem, tr) => new EchoDevice({ id: 'echo0', mem, trace: tr, queueSize: 64 }),
      driver: { layout: ctx.layout, queueSize: 64, ...(ctx.fault ? { faults: [ctx.fault] } : {}) },
    });
    m.driver.init();
    const r = await runEchoWorkload(m.driver, m.mem, m.alloc, { count: ctx.count, timeoutMs: ctx.fault ? 100 : 2000 });
    for (const mm of r.mismatches) ctx.print(`mismatch: ${mm}`);
    const needsReset = (m.device.status & 64) !== 0;
    return {
      ok: r.verified === r.sent,
      summary:
        `${r.verified}/${r.sent} echoed buffers verified byte for byte` +
        (r.unanswered ? `, ${r.unanswered} never returned${needsReset ? ' (device status DEVICE_NEEDS_RESET)' : ''}` : ''),
    };
  },
};
