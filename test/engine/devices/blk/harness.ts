/** Builds an in-process machine with a virtio-blk device, a BlkClient and a violation log, for the blk tests. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RingLayout, type ViolationEvent } from '../../../../protocol/trace';
import { type BlockBackend } from '../../../../engine/devices/blk/backend';
import { BlkDevice } from '../../../../engine/devices/blk/blk-device';
import { MemoryBackend } from '../../../../engine/devices/blk/memory-backend';
import { type BlkSettings } from '../../../../engine/devices/blk/options';
import { type FaultPlan } from '../../../../engine/driver/ring-types';
import { BlkClient, initBlkDriver } from '../../../../engine/driver/workloads/blk';
import { createInProcessMachine, type InProcessMachine } from '../../../../engine/machine/in-process';

export const LAYOUTS: RingLayout[] = ['split', 'packed'];

export interface BlkMachine extends InProcessMachine {
  dev: BlkDevice;
  client: BlkClient;
  violations: ViolationEvent[];
  /** Rule ids seen so far. */
  rules(): string[];
}

export interface BlkMachineOptions {
  layout?: RingLayout;
  backend?: BlockBackend;
  settings?: BlkSettings;
  wanted?: bigint;
  queueSize?: number;
  faults?: FaultPlan[];
  /** Skip driver initialisation (the test drives it). */
  noInit?: boolean;
  /** Guest RAM size (default 16 MiB). */
  memorySize?: number;
}

export function blkMachine(o: BlkMachineOptions = {}): BlkMachine {
  const backend = o.backend ?? new MemoryBackend({ size: 1 << 20 });
  let dev: BlkDevice | undefined;
  const m = createInProcessMachine({
    ...(o.memorySize ? { memorySize: o.memorySize } : {}),
    device: (mem, trace) => (dev = new BlkDevice({ mem, trace, backend, queueSize: 64, ...o.settings })),
    driver: {
      layout: o.layout ?? 'split',
      queueSize: o.queueSize ?? 64,
      ...(o.wanted !== undefined ? { wanted: o.wanted } : {}),
      ...(o.faults ? { faults: o.faults } : {}),
    },
  });
  const violations: ViolationEvent[] = [];
  m.trace.on((e) => {
    if (e.type === 'violation') violations.push(e);
  });
  if (!o.noInit) initBlkDriver(m.driver, o.faults ?? []);
  const client = new BlkClient(m.driver, m.mem, m.alloc, { ...(o.faults ? { faults: o.faults } : {}) });
  return { ...m, dev: dev!, client, violations, rules: () => violations.map((v) => v.rule) };
}

/** A temporary directory removed by the returned cleanup. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'virtio-blk-test-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes an image file of `sectors` sectors filled with a per-sector pattern; returns its contents. */
export async function makeImage(path: string, sectors: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(sectors * 512);
  for (let i = 0; i < bytes.length; i++) bytes[i] = ((i >> 9) * 13 + (i & 511)) & 0xff;
  await writeFile(path, bytes);
  return bytes;
}

/** `n` bytes of a pattern seeded by `seed`. */
export function pattern(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (seed * 29 + i * 7 + (i >> 9)) & 0xff);
}

export const S = { OK: 0, IOERR: 1, UNSUPP: 2 } as const;
