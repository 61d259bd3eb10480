/**
 * An in-process machine: guest RAM in an ArrayBuffer, one device behind a virtio-mmio window, and the
 * reference driver. This is the embedded default: the demo, the tests, the benchmarks and the debugger's
 * `driver: "builtin"` sessions all run on it, no VM needed.
 */
import { type RingLayout } from '../../protocol/trace';
import { type VirtioDevice } from '../device-core/device';
import { GuestAllocator } from '../driver/allocator';
import { ReferenceDriver, type ReferenceDriverOptions } from '../driver/driver';
import { type DeviceErrorReporter, type FaultPlan } from '../driver/ring-types';
import { ArrayBufferBacking, GuestMemory } from '../memory';
import { Trace } from '../trace';
import { MmioTransport } from '../transport/mmio/mmio-transport';

/** Guest RAM starts at 2 GiB so that a driver passing small virtual or zero addresses is caught. */
export const GUEST_RAM_BASE = 0x8000_0000;

export interface InProcessMachineOptions {
  /** Builds the device on the machine's memory and trace. */
  device: (mem: GuestMemory, trace: Trace) => VirtioDevice;
  memorySize?: number;
  trace?: Trace;
  /** Driver settings; `wanted` defaults to every feature the device offers. */
  driver?: Partial<Pick<ReferenceDriverOptions, 'wanted' | 'queueSize' | 'queues' | 'initialIndex'>> & {
    layout?: RingLayout;
    faults?: FaultPlan[];
    onDeviceError?: DeviceErrorReporter;
  };
}

export interface InProcessMachine {
  mem: GuestMemory;
  alloc: GuestAllocator;
  trace: Trace;
  device: VirtioDevice;
  transport: MmioTransport;
  driver: ReferenceDriver;
}

export function createInProcessMachine(o: InProcessMachineOptions): InProcessMachine {
  const size = o.memorySize ?? 16 * 1024 * 1024;
  const mem = new GuestMemory([{ gpa: GUEST_RAM_BASE, size, backing: new ArrayBufferBacking(size), offset: 0, name: 'ram' }]);
  const alloc = new GuestAllocator(GUEST_RAM_BASE, size);
  const trace = o.trace ?? new Trace();
  const device = o.device(mem, trace);
  const transport = new MmioTransport(device);
  const d = o.driver ?? {};
  const driver = new ReferenceDriver({
    bus: transport,
    mem,
    alloc,
    wanted: d.wanted ?? device.offered,
    ...(d.layout ? { layout: d.layout } : {}),
    ...(d.queueSize !== undefined ? { queueSize: d.queueSize } : {}),
    ...(d.queues !== undefined ? { queues: d.queues } : {}),
    ...(d.initialIndex !== undefined ? { initialIndex: d.initialIndex } : {}),
    ...(d.faults ? { faults: d.faults } : {}),
    // The driver runs on this thread, so the machine knows when it has finished publishing: the device looks at
    // the ring then (the exact, clock-free form of serve's kick deadline: split/packed-notify-missing).
    afterPublish: (queue) => void device.queue(queue)?.vq?.missedNotification(),
    onDeviceError:
      d.onDeviceError ?? ((rule, message) => trace.violation(device.id, rule, `device error seen by the driver: ${message}`)),
  });
  return { mem, alloc, trace, device, transport, driver };
}
