/**
 * A split ring with both sides wired together on one guest memory: the reference driver ring
 * (engine/driver/split-ring) and the device queue (engine/queue/split), plus helpers to allocate data
 * buffers, to submit/notify like a driver does, and to read what each side reported.
 */
import { GuestAllocator } from '../../engine/driver/allocator';
import { type DriverBuffer } from '../../engine/driver/ring-types';
import { SplitDriverRing, type SplitDriverRingOptions } from '../../engine/driver/split-ring';
import { ArrayBufferBacking, GuestMemory, type MemoryBacking } from '../../engine/memory';
import { SplitQueue } from '../../engine/queue/split';
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

export interface SplitPairOptions extends SplitDriverRingOptions {
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

export interface SplitPair {
  mem: GuestMemory;
  alloc: GuestAllocator;
  driver: SplitDriverRing;
  device: SplitQueue;
  config: QueueConfig;
  /** Violations the device reported. */
  violations: Reported[];
  /** Device errors the driver reported. */
  deviceErrors: Reported[];
  /** A data buffer of `len` bytes (readable unless `write`). */
  buffer(len: number, write?: boolean): DriverBuffer;
  /** add() + publish(); fails the test when the ring is full. */
  submit(buffers: DriverBuffer[], indirect?: boolean): number;
  /** submit() then notify the device if the driver decides it must (with notification data when negotiated). */
  submitAndKick(buffers: DriverBuffer[], indirect?: boolean): { token: number; kicked: boolean };
  rules(): RuleId[];
}

export function splitPair(o: SplitPairOptions): SplitPair {
  const memorySize = o.memorySize ?? 4 * 1024 * 1024;
  const raw = new ArrayBufferBacking(memorySize);
  const backing = o.backing ? o.backing(raw) : raw;
  const mem = new GuestMemory([{ gpa: RAM_BASE, size: memorySize, backing, offset: 0, name: 'ram' }]);
  const alloc = new GuestAllocator(RAM_BASE, memorySize);
  const f = features(o.features);
  const deviceErrors: Reported[] = [];
  const violations: Reported[] = [];
  const driver = new SplitDriverRing(mem, alloc, o.size, f, (rule, message) => deviceErrors.push({ rule, message }), {
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
  const device = new SplitQueue(
    { mem, violation: (rule, message, index) => violations.push(index === undefined ? { rule, message } : { rule, message, index }) },
    config,
  );
  if (o.initialIndex !== undefined) device.setBase(o.initialIndex);
  const submit = (buffers: DriverBuffer[], indirect = false): number => {
    const token = driver.add(buffers, { indirect });
    if (token === null) throw new Error('ring full');
    driver.publish();
    return token;
  };
  return {
    mem,
    alloc,
    driver,
    device,
    config,
    violations,
    deviceErrors,
    buffer: (len, write = false) => ({ addr: alloc.alloc(len, 8), len, write }),
    submit,
    submitAndKick(buffers, indirect = false) {
      const token = submit(buffers, indirect);
      const kicked = driver.needsNotify();
      if (kicked) device.onNotify(f.notificationData ? driver.notificationData() : undefined);
      return { token, kicked };
    },
    rules: () => violations.map((v) => v.rule),
  };
}

/** A memory backing that counts every read call (to bound the work of a walk). */
export class CountingBacking implements MemoryBacking {
  reads = 0;
  constructor(private readonly inner: MemoryBacking) {}
  get size(): number {
    return this.inner.size;
  }
  get kind(): MemoryBacking['kind'] {
    return this.inner.kind;
  }
  readU8(o: number): number {
    this.reads++;
    return this.inner.readU8(o);
  }
  readU16(o: number): number {
    this.reads++;
    return this.inner.readU16(o);
  }
  readU32(o: number): number {
    this.reads++;
    return this.inner.readU32(o);
  }
  readU64(o: number): number {
    this.reads++;
    return this.inner.readU64(o);
  }
  readU64Big(o: number): bigint {
    this.reads++;
    return this.inner.readU64Big(o);
  }
  read(o: number, dst: Uint8Array): void {
    this.reads++;
    this.inner.read(o, dst);
  }
  writeU8(o: number, v: number): void {
    this.inner.writeU8(o, v);
  }
  writeU16(o: number, v: number): void {
    this.inner.writeU16(o, v);
  }
  writeU32(o: number, v: number): void {
    this.inner.writeU32(o, v);
  }
  writeU64(o: number, v: number | bigint): void {
    this.inner.writeU64(o, v);
  }
  write(o: number, src: Uint8Array): void {
    this.inner.write(o, src);
  }
  fill(o: number, length: number, value: number): void {
    this.inner.fill(o, length, value);
  }
}
