/** virtio-echo in built-in sessions (a minimal test device; useful to learn the debugger without a disk). */
import { EchoDevice, runEchoWorkload } from '../../../engine';
import { registerBuiltinKind } from './registry';

registerBuiltinKind('echo', {
  async prepare(cfg) {
    return {
      create: (mem, trace) => new EchoDevice({ id: cfg.id, mem, trace, queueSize: cfg.queueSize }),
      close: async () => {},
    };
  },
  async run({ machine, workload }) {
    const r = await runEchoWorkload(machine.driver, machine.mem, machine.alloc, { count: workload.count, timeoutMs: Infinity });
    return { ok: r.verified === r.sent, summary: `${r.verified}/${r.sent} echo requests verified${r.unanswered ? `, ${r.unanswered} unanswered` : ''}` };
  },
});
