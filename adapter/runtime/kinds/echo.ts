/** virtio-echo in built-in sessions (a minimal test device; useful to learn the debugger without a disk). */
import { ECHO_TYPE, runEchoWorkload } from '../../../engine';
import { defineDeviceKind } from './registry';

export interface EchoConfig {
  type: 'echo';
  id: string;
  queueSize: number;
}

export const ECHO_KIND = defineDeviceKind<EchoConfig>({
  engine: ECHO_TYPE,
  validate: ({ id, queueSize }) => ({ type: 'echo', id, queueSize }),
  builtin: {
    async prepare(cfg) {
      return {
        create: (mem, trace) => ECHO_TYPE.create({ id: cfg.id, mem, trace, inProcess: true }, { queueSize: cfg.queueSize }),
        close: async () => {},
      };
    },
    async run({ machine, workload }) {
      const r = await runEchoWorkload(machine.driver, machine.mem, machine.alloc, { count: workload.count, timeoutMs: Infinity });
      return { ok: r.verified === r.sent, summary: `${r.verified}/${r.sent} echo requests verified${r.unanswered ? `, ${r.unanswered} unanswered` : ''}` };
    },
  },
});
