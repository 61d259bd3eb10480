/**
 * A `driver: "builtin"` session: every device gets its own in-process machine (guest RAM, virtio-mmio
 * window, reference driver); the driver initialises it and runs the launch configuration's workload.
 * The session ends when every workload has finished.
 */
import { createInProcessMachine, type FaultPlan, type InProcessMachine } from '../../engine';
import { type ValidLaunch } from '../launch/validate';
import { deviceKind, type PreparedDevice } from './kinds';
import { type SessionRuntime } from './session-runtime';

export class BuiltinSession {
  readonly machines: InProcessMachine[] = [];
  private readonly prepared: PreparedDevice[] = [];
  private closed = false;

  constructor(
    private readonly runtime: SessionRuntime,
    private readonly launch: ValidLaunch,
    private readonly log: (line: string) => void,
  ) {}

  /** Creates the devices (opening backends) and initialises the drivers; throws with a clear message. */
  async start(): Promise<void> {
    const w = this.launch.workload;
    const fault: FaultPlan | undefined = w.violation ? { rule: w.violation, atChain: 2 } : undefined;
    for (const cfg of this.launch.devices) {
      const prep = await deviceKind(cfg.type).builtin.prepare(cfg);
      this.prepared.push(prep);
      const machine = createInProcessMachine({
        trace: this.runtime.trace,
        device: (mem, trace) => prep.create(mem, trace),
        memorySize: 64 * 1024 * 1024,
        driver: { layout: w.layout, ...(fault ? { faults: [fault] } : {}) },
      });
      await prep.attach?.(machine.device);
      this.machines.push(machine);
      this.runtime.addDevice(machine.device);
    }
  }

  /** Brings every device to DRIVER_OK (the driver's init sequence). */
  initDrivers(): void {
    const w = this.launch.workload;
    const faults: FaultPlan[] = w.violation ? [{ rule: w.violation, atChain: 2 }] : [];
    this.machines.forEach((m, i) => {
      const kind = deviceKind(this.launch.devices[i]!.type).builtin;
      try {
        if (kind.init) kind.init(m, faults);
        else m.driver.init();
      } catch (e) {
        this.log(`${m.device.id}: driver initialisation stopped: ${(e as Error).message}`);
      }
    });
  }

  /** Runs every device's workload; resolves when all are done (true when all succeeded). */
  async runWorkloads(): Promise<boolean> {
    const w = this.launch.workload;
    const fault: FaultPlan | undefined = w.violation ? { rule: w.violation, atChain: 2 } : undefined;
    const results = await Promise.all(
      this.machines.map(async (machine, i) => {
        const cfg = this.launch.devices[i]!;
        try {
          const r = await deviceKind(cfg.type).builtin.run({ machine, workload: w, log: this.log, ...(fault ? { fault } : {}) });
          this.log(`${cfg.id}: ${r.summary}`);
          return r.ok;
        } catch (e) {
          this.log(`${cfg.id}: workload failed: ${(e as Error).message}`);
          return false;
        }
      }),
    );
    return results.every(Boolean);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.prepared) await p.close().catch(() => {});
  }
}
