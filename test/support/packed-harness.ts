/**
 * A packed ring with both sides wired together on one guest memory: the reference driver ring
 * (engine/driver/packed-ring) and the device queue (engine/queue/packed), plus helpers to allocate
 * data buffers and to read what each side reported.
 */
import { GuestAllocator } from '../../engine/driver/allocator';
import { PackedDriverRing, type PackedDriverRingOptions } from '../../engine/driver/packed-ring';
import { type DriverBuffer } from '../../engine/driver/ring-types';
import { ArrayBufferBacking, GuestMemory, type MemoryBacking } from '../../engine/memory';
import { PackedQueue } from '../../engine/queue/packed';
import { type QueueConfig, type RingFeatures } from '../../engine/queue/types';
import { type RuleId } from '../../engine/rules';

export const RAM_BASE = 0x4000_0000;

export const NO_FEATURES: RingFeatures = { indirect: false, eventIdx: false, inOrder: false, notificationData: false, ringReset: false };

export function features(f: Partial<RingFeatures> = {}): RingFeatures {
  return { ...NO_FEATURES, ...f };
}

export interface Reported {
  rule: RuleId;
  message: string;
  index?: number;
}

export interface PackedPairOptions extends PackedDriverRingOptions {
  size: number;
  features?: Partial<RingFeatures>;
  memorySize?: number;
  synchronousNotify?: boolean;
  watchWrites?: boolean;
  /** Every violation stops the queue (serve --strict). */
  strict?: boolean;
  /** Wraps the RAM backing (e.g. to count reads). */
  backing?: (b: MemoryBacking) => MemoryBacking;
}

export interface PackedPair {
  mem: GuestMemory;
  alloc: GuestAllocator;
  driver: PackedDriverRing;
  device: PackedQueue;
  config: QueueConfig;
  /** Violations the device reported. */
  violations: Reported[];
  /** Device errors the driver reported. */
  deviceErrors: Reported[];
  /** A data buffer of `len` bytes (readable unless `write`). */
  buffer(len: number, write?: boolean): DriverBuffer;
  /** add() + publish(); fails the test when the ring is full. */
  submit(buffers: DriverBuffer[], indirect?: boolean): number;
  rules(): RuleId[];
}

export function packedPair(o: PackedPairOptions): PackedPair {
  const memorySize = o.memorySize ?? 4 * 1024 * 1024;
  const raw = new ArrayBufferBacking(memorySize);
  const backing = o.backing ? o.backing(raw) : raw;
  const mem = new GuestMemory([{ gpa: RAM_BASE, size: memorySize, backing, offset: 0, name: 'ram' }]);
  const alloc = new GuestAllocator(RAM_BASE, memorySize);
  const f = features(o.features);
  const deviceErrors: Reported[] = [];
  const violations: Reported[] = [];
  const driver = new PackedDriverRing(mem, alloc, o.size, f, (rule, message) => deviceErrors.push({ rule, message }), {
    ...(o.initialIndex !== undefined ? { initialIndex: o.initialIndex } : {}),
    ...(o.fault ? { fault: o.fault } : {}),
  });
  const config: QueueConfig = {
    index: 0,
    name: 'requestq1',
    size: o.size,
    desc: driver.descAddr,
    driver: driver.driverAddr,
    device: driver.deviceAddr,
    features: f,
    synchronousNotify: o.synchronousNotify ?? false,
    watchWrites: o.watchWrites ?? false,
    strict: o.strict ?? false,
  };
  const device = new PackedQueue(
    { mem, violation: (rule, message, index) => violations.push(index === undefined ? { rule, message } : { rule, message, index }) },
    config,
  );
  if (o.initialIndex !== undefined) device.setBase(o.initialIndex);
  return {
    mem,
    alloc,
    driver,
    device,
    config,
    violations,
    deviceErrors,
    buffer: (len, write = false) => ({ addr: alloc.alloc(len, 8), len, write }),
    submit(buffers, indirect = false) {
      const token = driver.add(buffers, { indirect });
      if (token === null) throw new Error('ring full');
      driver.publish();
      return token;
    },
    rules: () => violations.map((v) => v.rule),
  };
}
