/**
 * Ring throughput of the engine on the in-process transport: chains per second through virtio-echo for
 * both layouts, first bare (the reference), then with the debugger's gate attached and a breakpoint on a
 * queue that never matches (what a session costs when nothing stops). Prints figures and the ratio
 * against the reference measured in the same run.
 */
import { EchoDevice } from '../engine/devices/echo/echo-device';
import { createInProcessMachine } from '../engine/machine/in-process';
import { Trace } from '../engine/trace';
import { SessionRuntime } from '../adapter/runtime/session-runtime';

interface Result {
  chainsPerSec: number;
  mibPerSec: number;
}

async function measure(layout: 'split' | 'packed', withDebugger: boolean, seconds: number): Promise<Result> {
  const trace = new Trace({ capacity: 0 });
  const m = createInProcessMachine({
    trace,
    device: (mem, tr) => new EchoDevice({ mem, trace: tr, queueSize: 256 }),
    driver: { layout, queueSize: 256 },
    memorySize: 32 << 20,
  });
  if (withDebugger) {
    const rt = new SessionRuntime(trace);
    rt.addDevice(m.device);
    rt.setFunctionBreakpoints([{ name: 'echo0.requestq1', condition: 'chain.bytes > 1000000' }]);
  }
  m.driver.init();
  const size = 512;
  const batch = 64;
  const bufs = Array.from({ length: batch }, () => ({ out: m.alloc.alloc(size, 8), inp: m.alloc.alloc(size, 8) }));
  let chains = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const done = m.driver.submitMany(
      0,
      bufs.map((b) => ({
        buffers: [
          { addr: b.out, len: size, write: false },
          { addr: b.inp, len: size, write: true },
        ],
      })),
    );
    await Promise.all(done);
    chains += batch;
  }
  return { chainsPerSec: chains / seconds, mibPerSec: (chains * size) / seconds / (1 << 20) };
}

async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 2);
  console.log(`ring throughput, virtio-echo, 512-byte chains (2 descriptors), batches of 64, median of 3 alternating ${seconds} s runs`);
  const median = (xs: Result[]) => xs.sort((a, b) => a.chainsPerSec - b.chainsPerSec)[Math.floor(xs.length / 2)]!;
  for (const layout of ['split', 'packed'] as const) {
    await measure(layout, false, 0.3); // warm-up
    // Alternate reference and debugger runs so a busy machine hurts both alike; report medians.
    const refs: Result[] = [];
    const dbgs: Result[] = [];
    for (let round = 0; round < 3; round++) {
      refs.push(await measure(layout, false, seconds));
      dbgs.push(await measure(layout, true, seconds));
    }
    const ref = median(refs);
    const dbg = median(dbgs);
    console.log(
      `${layout.padEnd(6)} reference ${ref.chainsPerSec.toFixed(0).padStart(8)} chains/s (${ref.mibPerSec.toFixed(1)} MiB/s)  ` +
        `with debugger ${dbg.chainsPerSec.toFixed(0).padStart(8)} chains/s  ratio ${(dbg.chainsPerSec / ref.chainsPerSec).toFixed(3)}`,
    );
  }
}

void main();
