/**
 * The reference driver: the driver side of virtio written like a kernel driver against the virtio-mmio
 * registers (§4.2.3): reset, ACKNOWLEDGE, DRIVER, feature negotiation, FEATURES_OK (re-read), queue
 * set-up, DRIVER_OK; then add buffers, notify, and harvest used buffers from the interrupt handler.
 * With FaultPlans it breaks chosen rules on purpose, to demonstrate and test the debugger.
 */
import { type RingLayout } from '../../protocol/trace';
import { F, STATUS, bit, has } from '../device-core/bits';
import { type GuestMemory } from '../memory';
import { REG } from '../transport/mmio/registers';
import { type GuestAllocator } from './allocator';
import { DriverFaults } from './driver-faults';
import { PackedDriverRing } from './packed-ring';
import {
  type AddOptions,
  type DeviceErrorReporter,
  type DriverBuffer,
  type DriverRing,
  type FaultPlan,
  type UsedBuffer,
} from './ring-types';
import { SplitDriverRing } from './split-ring';

/** What the driver sees of the device: a register window and an interrupt line. */
export interface RegisterBus {
  read(offset: number, width?: 1 | 2 | 4 | 8): number;
  write(offset: number, value: number, width?: 1 | 2 | 4 | 8): void;
  onInterrupt: (() => void) | undefined;
}

export interface ReferenceDriverOptions {
  bus: RegisterBus;
  mem: GuestMemory;
  alloc: GuestAllocator;
  /** Features the driver would like; it accepts wanted ∩ offered (plus VERSION_1). */
  wanted: bigint;
  layout?: RingLayout;
  queueSize?: number;
  /** Number of queues to set up (default: every queue the device has). */
  queues?: number;
  faults?: FaultPlan[];
  /** Start ring indices here (exercises the 16-bit wrap quickly). */
  initialIndex?: number;
  onDeviceError?: DeviceErrorReporter;
  /** Called after each publish (and the kick, when one was due): where an in-process machine looks for a missing kick. */
  afterPublish?: (queue: number) => void;
}

export class DriverInitError extends Error {}

interface DriverQueue {
  index: number;
  ring: DriverRing;
  waiters: Map<number, (u: UsedBuffer) => void>;
  /** Requests waiting for free descriptors; each returns true once it got into the ring. */
  backlog: (() => boolean)[];
}

export class ReferenceDriver {
  readonly queues: DriverQueue[] = [];
  offered = 0n;
  accepted = 0n;
  private readonly faults: DriverFaults;
  private readonly configListeners = new Set<() => void>();
  private interrupts = 0;

  constructor(readonly o: ReferenceDriverOptions) {
    this.faults = new DriverFaults(o.faults ?? []);
  }

  get layout(): RingLayout {
    return has(this.accepted, F.RING_PACKED) ? 'packed' : 'split';
  }

  get interruptCount(): number {
    return this.interrupts;
  }

  private r(offset: number): number {
    return this.o.bus.read(offset);
  }
  private w(offset: number, value: number): void {
    this.o.bus.write(offset, value);
  }
  private status(): number {
    return this.r(REG.Status);
  }

  /** Device initialisation, §3.1.1 (with the faults the plan asks for). */
  init(): void {
    const f = this.faults;
    this.w(REG.Status, 0);
    if (this.status() !== 0) throw new DriverInitError('device did not reset');
    if (this.r(REG.MagicValue) !== 0x74726976) throw new DriverInitError('no virtio-mmio device (bad magic)');
    if (this.r(REG.Version) !== 2) throw new DriverInitError('not a virtio-mmio version 2 device');
    f.commitRegisterFaults(this.o.bus);

    if (f.take('features-before-driver')) this.writeFeatures(0n);
    if (f.take('status-order')) this.w(REG.Status, STATUS.DRIVER);
    else {
      this.w(REG.Status, STATUS.ACKNOWLEDGE);
      this.w(REG.Status, STATUS.ACKNOWLEDGE | STATUS.DRIVER);
    }
    let st = STATUS.ACKNOWLEDGE | STATUS.DRIVER;
    if (f.take('status-bit-cleared')) this.w(REG.Status, STATUS.DRIVER);
    if (f.take('status-device-bit-written')) this.w(REG.Status, st | STATUS.DEVICE_NEEDS_RESET);
    if (f.take('status-after-failed')) {
      this.w(REG.Status, st | STATUS.FAILED);
      st |= STATUS.FAILED;
    }

    this.offered = this.readFeatures();
    let accepted = this.o.wanted & this.offered;
    accepted |= this.offered & bit(F.VERSION_1);
    if (this.o.layout === 'packed') accepted |= this.offered & bit(F.RING_PACKED);
    else accepted &= ~bit(F.RING_PACKED);
    accepted = f.adjustFeatures(accepted, this.offered);
    this.accepted = accepted;
    if (f.take('queue-setup-before-features-ok')) this.setupQueue(0);
    if (f.take('config-write-before-features-ok')) this.o.bus.write(REG.Config + f.writableConfigOffset, 1, 1);
    this.writeFeatures(accepted);

    this.w(REG.Status, st | STATUS.FEATURES_OK);
    st |= STATUS.FEATURES_OK;
    if (f.take('features-written-after-features-ok')) this.writeFeatures(accepted);
    const skipCheck = f.take('status-features-ok-not-checked') || f.take('status-features-ok-refused-ignored');
    if (!skipCheck && !(this.status() & STATUS.FEATURES_OK)) {
      this.w(REG.Status, st | STATUS.FAILED);
      throw new DriverInitError('the device refused FEATURES_OK (features rejected)');
    }

    const count = Math.min(this.o.queues ?? Infinity, this.deviceQueueCount());
    for (let i = 0; i < count; i++) if (!this.queues[i]) this.setupQueue(i);
    f.commitQueueFaults(this.o.bus, this.queues.length);
    if (f.take('notify-before-driver-ok')) this.w(REG.QueueNotify, 0);

    this.o.bus.onInterrupt = () => this.handleInterrupt();
    this.w(REG.Status, st | STATUS.DRIVER_OK);
    if (f.take('notify-invalid-queue')) this.w(REG.QueueNotify, 999);
    if (f.take('queue-reset-not-negotiated')) {
      this.w(REG.QueueSel, 0);
      this.w(REG.QueueReset, 1);
    }
    if (f.take('config-write-readonly')) this.o.bus.write(REG.Config, 0x1234, 4);
    if (f.take('config-field-not-offered')) this.o.bus.read(REG.Config + f.gatedConfigOffset, 4);
    if (f.take('config-out-of-range')) this.o.bus.read(REG.Config + 0x1000, 4);
    for (const plan of f.ringFaults()) this.queues[0]?.ring.injectFault(plan);
  }

  private deviceQueueCount(): number {
    let n = 0;
    for (; n < 1024; n++) {
      this.w(REG.QueueSel, n);
      if (this.r(REG.QueueNumMax) === 0) break;
    }
    return n;
  }

  private readFeatures(): bigint {
    let v = 0n;
    for (let sel = 0; sel < 4; sel++) {
      this.w(REG.DeviceFeaturesSel, sel);
      v |= BigInt(this.r(REG.DeviceFeatures) >>> 0) << BigInt(32 * sel);
    }
    return v;
  }

  private writeFeatures(v: bigint): void {
    for (let sel = 0; sel < 4; sel++) {
      this.w(REG.DriverFeaturesSel, sel);
      this.w(REG.DriverFeatures, Number((v >> BigInt(32 * sel)) & 0xffff_ffffn));
    }
  }

  private setupQueue(index: number): void {
    const f = this.faults;
    this.w(REG.QueueSel, index);
    const max = this.r(REG.QueueNumMax);
    if (max === 0) return;
    let size = Math.min(this.o.queueSize ?? max, max);
    const sizeFault = f.queueSizeFault(index, max);
    const ringSize = sizeFault ?? size;
    if (sizeFault !== undefined) size = sizeFault;
    const features = {
      indirect: has(this.accepted, F.INDIRECT_DESC),
      eventIdx: has(this.accepted, F.EVENT_IDX),
      inOrder: has(this.accepted, F.IN_ORDER),
      notificationData: has(this.accepted, F.NOTIFICATION_DATA),
      ringReset: has(this.accepted, F.RING_RESET),
    };
    const report: DeviceErrorReporter = this.o.onDeviceError ?? (() => {});
    const ringOpts = {
      ...(this.o.initialIndex !== undefined ? { initialIndex: this.o.initialIndex } : {}),
      ...(index === 0 && f.placementFault(this.layout) ? { fault: f.placementFault(this.layout)! } : {}),
    };
    const Ring = this.layout === 'packed' ? PackedDriverRing : SplitDriverRing;
    const ring: DriverRing = new Ring(this.o.mem, this.o.alloc, Math.max(1, ringSize || 1), features, report, ringOpts);
    this.w(REG.QueueNum, size);
    const lo = (a: number) => a % 0x1_0000_0000;
    const hi = (a: number) => Math.floor(a / 0x1_0000_0000);
    const skipDesc = index === 0 && f.take('queue-enabled-incomplete');
    if (!skipDesc) {
      this.w(REG.QueueDescLow, lo(ring.descAddr));
      this.w(REG.QueueDescHigh, hi(ring.descAddr));
    }
    this.w(REG.QueueDriverLow, lo(ring.driverAddr));
    this.w(REG.QueueDriverHigh, hi(ring.driverAddr));
    this.w(REG.QueueDeviceLow, lo(ring.deviceAddr));
    this.w(REG.QueueDeviceHigh, hi(ring.deviceAddr));
    this.w(REG.QueueReady, 1);
    if (index === 0 && f.take('queue-changed-while-enabled')) this.w(REG.QueueNum, size);
    this.queues[index] = { index, ring, waiters: new Map(), backlog: [] };
  }

  /** Adds one chain to a queue and notifies the device if needed; resolves when the device returned it. */
  submit(queue: number, buffers: DriverBuffer[], options?: AddOptions): Promise<UsedBuffer> {
    return this.submitMany(queue, [{ buffers, ...(options ? { options } : {}) }])[0]!;
  }

  /** Adds several chains, publishes them together and notifies once (as drivers batch under a lock). */
  submitMany(queue: number, requests: { buffers: DriverBuffer[]; options?: AddOptions }[]): Promise<UsedBuffer>[] {
    const q = this.queues[queue];
    if (!q) return requests.map(() => Promise.reject(new Error(`queue ${queue} is not set up`)));
    let added = 0;
    const promises: Promise<UsedBuffer>[] = [];
    for (const req of requests) {
      // The ring has room (the usual case): one promise, its resolver waiting on the token, no closure to retry.
      let token: number | null;
      try {
        token = q.backlog.length === 0 ? q.ring.add(req.buffers, req.options) : null;
      } catch (e) {
        // As before: a request the ring refuses (no buffers...) rejects its own promise, the others go on.
        promises.push(Promise.reject(e instanceof Error ? e : new Error(String(e))));
        continue;
      }
      if (token !== null) {
        added++;
        promises.push(new Promise<UsedBuffer>((resolve) => q.waiters.set(token, resolve)));
        continue;
      }
      promises.push(
        new Promise<UsedBuffer>((resolve) => {
          // Like a driver under memory pressure: wait for used buffers to free descriptors.
          q.backlog.push(() => {
            const t = q.ring.add(req.buffers, req.options);
            if (t === null) return false;
            q.waiters.set(t, resolve);
            return true;
          });
        }),
      );
    }
    if (added) this.publishAndKick(q);
    return promises;
  }

  private publishAndKick(q: DriverQueue): void {
    q.ring.publish();
    if (q.ring.needsNotify()) this.kick(q);
    this.o.afterPublish?.(q.index);
  }

  /** Writes QueueNotify (with NOTIFICATION_DATA when negotiated, §4.2.3.3). */
  kick(q: DriverQueue): void {
    const value = q.ring.features.notificationData ? ((q.ring.notificationData() << 16) | q.index) >>> 0 : q.index;
    this.w(REG.QueueNotify, value);
  }

  /** The interrupt handler: read and acknowledge InterruptStatus, harvest every queue. */
  handleInterrupt(): void {
    this.interrupts++;
    const st = this.r(REG.InterruptStatus);
    if (!this.faults.has('mmio-interrupt-not-acked')) this.w(REG.InterruptACK, st);
    if (st & 1) this.poll();
    if (st & 2) for (const l of this.configListeners) l();
  }

  /** Harvests used buffers of every queue (also usable without interrupts). Returns how many. */
  poll(): number {
    let n = 0;
    for (const q of this.queues) {
      if (!q) continue;
      for (const u of q.ring.harvest()) {
        n++;
        const w = q.waiters.get(u.token);
        q.waiters.delete(u.token);
        w?.(u);
      }
      q.ring.setInterrupts(true);
      let added = 0;
      while (q.backlog.length && q.backlog[0]!()) {
        q.backlog.shift();
        added++;
      }
      if (added) this.publishAndKick(q);
    }
    return n;
  }

  onConfigChange(listener: () => void): () => void {
    this.configListeners.add(listener);
    return () => this.configListeners.delete(listener);
  }

  /** Reads a config field with the generation-counter loop of §2.5.1. */
  readConfig(offset: number, width: 1 | 2 | 4 | 8): number {
    for (let tries = 0; tries < 100; tries++) {
      const g1 = this.r(REG.ConfigGeneration);
      const v = this.o.bus.read(REG.Config + offset, width);
      if (this.r(REG.ConfigGeneration) === g1) return v;
    }
    throw new Error('config generation kept changing');
  }

  writeConfig(offset: number, value: number, width: 1 | 2 | 4): void {
    this.o.bus.write(REG.Config + offset, value, width);
  }

  /** Chains added and not yet returned, over all queues. */
  get outstanding(): number {
    return this.queues.reduce((n, q) => n + (q ? q.ring.outstanding : 0), 0);
  }

  reset(): void {
    this.w(REG.Status, 0);
    this.queues.length = 0;
  }
}
