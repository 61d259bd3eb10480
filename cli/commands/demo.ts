/**
 * `virtio-debug demo [kind ...]` (default: blk and net): the reference driver exchanges buffers with a device over both ring
 * layouts while the trace is printed as it happens; a final run commits one deliberate violation so the
 * user sees what the debugger reports (rule id, spec section, explanation, fix).
 */
import { type RingLayout, type ViolationEvent } from '../../protocol/trace';
import { JsonlTraceWriter, Trace } from '../../engine';
import { UsageError, parseArgs } from '../args';
import { DEFAULT_DEMOS, DEMOS } from '../demos';
import { removeTempDirsOnSignal } from '../temp-dirs';
import { formatEvent } from '../trace-format';

export async function runDemo(argv: string[]): Promise<number> {
  const { positionals, flags } = parseArgs(
    argv,
    { packed: { type: 'boolean' }, count: { type: 'integer', min: 1, max: 100000 }, trace: { type: 'string' }, quiet: { type: 'boolean' } },
    3,
  );
  // Without a name the demo shows the two real device types; any scenario can be named.
  const names = positionals.length ? positionals : DEFAULT_DEMOS;
  const scenarios = names.map((kind) => {
    const s = DEMOS.find((d) => d.name === kind);
    if (!s) throw new UsageError(`unknown demo "${kind}" (available: ${DEMOS.map((d) => d.name).join(', ')})`);
    return s;
  });
  const count = (flags.count as number | undefined) ?? 6;
  const layouts: RingLayout[] = flags.packed ? ['packed'] : ['split', 'packed'];

  const trace = new Trace({ capacity: 0 });
  let writer: JsonlTraceWriter | undefined;
  if (flags.trace) {
    try {
      writer = new JsonlTraceWriter(trace, flags.trace as string, { onError: (m) => process.stderr.write(`virtio-debug: ${m}\n`) });
    } catch (e) {
      process.stderr.write(`virtio-debug: cannot write the trace file ${flags.trace as string}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      return 2;
    }
  }
  // Ctrl-C in the middle of a run must not leave the demo's disk image behind.
  removeTempDirsOnSignal();
  const color = process.stdout.isTTY === true;
  const t0 = performance.timeOrigin + performance.now();
  const violations: ViolationEvent[] = [];
  trace.on((e) => {
    if (e.type === 'violation') violations.push(e);
    if (!flags.quiet) for (const l of formatEvent(e, { t0, color })) process.stdout.write(l + '\n');
  });
  const print = (line: string) => process.stdout.write(`-- ${line}\n`);

  let failed = false;
  const caughtFaults: string[] = [];
  for (const scenario of scenarios) {
    for (const layout of layouts) {
      process.stdout.write(`\n== ${scenario.title}, ${layout} ring, ${count} requests ==\n`);
      const before = violations.length;
      const r = await scenario.run({ layout, count, trace, print });
      print(r.summary);
      if (!r.ok || violations.length > before) failed = true;
    }
    const fault = scenario.demoFault(layouts[0]!);
    process.stdout.write(`\n== ${scenario.title}, ${layouts[0]} ring, with a deliberate violation: ${fault.rule} ==\n`);
    const before = violations.length;
    const r = await scenario.run({ layout: layouts[0]!, count: 4, trace, print, fault });
    print(r.summary);
    if (violations.slice(before).some((v) => v.rule === fault.rule)) caughtFaults.push(fault.rule);
    else failed = true;
  }
  writer?.close();

  process.stdout.write(`\n== summary ==\n`);
  for (const v of violations) process.stdout.write(`violation ${v.rule} (§${v.section}) on ${v.device}${v.queueName ? '.' + v.queueName : ''}: ${v.message}\n`);
  process.stdout.write(
    failed
      ? 'demo FAILED\n'
      : `demo ok: ${scenarios.map((x) => x.name).join(', ')} over ${layouts.join(' and ')} ring${layouts.length > 1 ? 's' : ''}; the injected violation${caughtFaults.length > 1 ? 's' : ''} ${caughtFaults.join(', ')} ${caughtFaults.length > 1 ? 'were' : 'was'} caught\n`,
  );
  return failed ? 1 : 0;
}
