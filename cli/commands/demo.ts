/**
 * `virtio-debug demo`: the reference driver exchanges buffers with a device over both ring layouts, the
 * trace is printed as it happens, and a final run commits one deliberate violation so the user sees what
 * the debugger reports (rule id, spec section, explanation, fix).
 */
import { type RingLayout, type TraceEvent } from '../../protocol/trace';
import { EchoDevice } from '../../engine/devices/echo/echo-device';
import { type FaultPlan } from '../../engine/driver/ring-types';
import { runEchoWorkload } from '../../engine/driver/workloads/echo';
import { createInProcessMachine } from '../../engine/machine/in-process';
import { JsonlTraceWriter, Trace } from '../../engine/trace';
import { parseArgs } from '../args';
import { formatEvent } from '../trace-format';

interface DemoRun {
  layout: RingLayout;
  fault?: FaultPlan;
}

export async function runDemo(argv: string[]): Promise<number> {
  const { positionals, flags } = parseArgs(
    argv,
    { packed: { type: 'boolean' }, count: { type: 'integer', min: 1, max: 100000 }, trace: { type: 'string' }, quiet: { type: 'boolean' } },
    1,
  );
  const kind = positionals[0] ?? 'echo';
  if (kind !== 'echo') {
    process.stderr.write(`virtio-debug: demo "${kind}" is not available yet (available: echo)\n`);
    return 2;
  }
  const count = (flags.count as number | undefined) ?? 6;
  const layouts: RingLayout[] = flags.packed ? ['packed'] : ['split', 'packed'];
  const runs: DemoRun[] = [...layouts.map((layout) => ({ layout })), { layout: layouts[0]!, fault: { rule: `${layouts[0]}-desc-zero-length`, atChain: 2 } }];

  const trace = new Trace({ capacity: 0 });
  const writer = flags.trace ? new JsonlTraceWriter(trace, flags.trace as string) : undefined;
  const color = process.stdout.isTTY === true;
  const t0 = performance.timeOrigin + performance.now();
  const violations: TraceEvent[] = [];
  trace.on((e) => {
    if (e.type === 'violation') violations.push(e);
    if (!flags.quiet) for (const l of formatEvent(e, { t0, color })) process.stdout.write(l + '\n');
  });

  let failed = false;
  for (const run of runs) {
    const title = run.fault
      ? `virtio-echo, ${run.layout} ring, with a deliberate violation: ${run.fault.rule} at chain ${run.fault.atChain}`
      : `virtio-echo, ${run.layout} ring, ${count} requests`;
    process.stdout.write(`\n== ${title} ==\n`);
    const m = createInProcessMachine({
      trace,
      device: (mem, tr) => new EchoDevice({ id: 'echo0', mem, trace: tr, queueSize: 64 }),
      driver: { layout: run.layout, queueSize: 64, ...(run.fault ? { faults: [run.fault] } : {}) },
    });
    m.driver.init();
    const r = await runEchoWorkload(m.driver, m.mem, m.alloc, { count: run.fault ? 4 : count, timeoutMs: run.fault ? 100 : 2000 });
    process.stdout.write(
      `-- ${r.verified}/${r.sent} echoed buffers verified byte for byte` +
        (r.unanswered ? `, ${r.unanswered} never returned (device status ${m.device.status & 64 ? 'DEVICE_NEEDS_RESET' : m.device.status})` : '') +
        '\n',
    );
    for (const mm of r.mismatches) process.stdout.write(`   mismatch: ${mm}\n`);
    if (!run.fault && (r.verified !== r.sent || violations.length)) failed = true;
    if (run.fault && !violations.some((v) => v.type === 'violation' && v.rule === run.fault!.rule)) failed = true;
  }
  writer?.close();
  process.stdout.write(`\n== summary ==\n`);
  for (const v of violations) if (v.type === 'violation') process.stdout.write(`violation ${v.rule} (§${v.section}) on ${v.device}.${v.queueName ?? ''}: ${v.message}\n`);
  process.stdout.write(failed ? 'demo FAILED\n' : 'demo ok: both ring layouts exchanged buffers; the injected violation was caught\n');
  return failed ? 1 : 0;
}
