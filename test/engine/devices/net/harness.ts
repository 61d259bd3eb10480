/** Test set-up for virtio-net: a device on the in-process transport, the reference driver, a wire port that records frames. */
import { type RingLayout, type TraceEvent, type ViolationEvent } from '../../../../protocol/trace';
import { F, bit } from '../../../../engine/device-core/bits';
import { NetDevice, type NetDeviceOptions } from '../../../../engine/devices/net/net-device';
import { NET_F, defaultNetOffered } from '../../../../engine/devices/net/net-features';
import { type EthernetPort, connect, dropFrame } from '../../../../engine/devices/net/ethernet-port';
import { type FaultPlan } from '../../../../engine/driver/ring-types';
import { type NetClient, type NetClientOptions, startNetClient } from '../../../../engine/driver/workloads/net';
import { type InProcessMachine, createInProcessMachine } from '../../../../engine/machine/in-process';

export const LAYOUTS: RingLayout[] = ['split', 'packed'];

/** A peer that records what the device sends and can inject frames into it. */
export class TestPort implements EthernetPort {
  readonly frames: Uint8Array[] = [];
  transmit: (frame: Uint8Array) => void = dropFrame;
  /** When set, every frame is sent straight back (a loopback cable). */
  loopback = false;
  receive(frame: Uint8Array): void {
    this.frames.push(Uint8Array.from(frame));
    if (this.loopback) this.transmit(Uint8Array.from(frame));
  }
  inject(frame: Uint8Array): void {
    this.transmit(frame);
  }
}

export interface NetRig {
  m: InProcessMachine;
  dev: NetDevice;
  port: TestPort;
  client: NetClient;
  events: TraceEvent[];
  violations: () => ViolationEvent[];
  rules: () => string[];
  configInterrupts: () => number;
}

export interface RigOptions {
  layout?: RingLayout;
  /** Device options (mem and trace are filled in). */
  device?: Omit<NetDeviceOptions, 'mem' | 'trace'>;
  /** Features the driver accepts (∩ offered); default everything offered. */
  wanted?: bigint;
  /** Feature names removed from `wanted` (e.g. 'MRG_RXBUF'). */
  without?: (keyof typeof NET_F)[];
  client?: NetClientOptions;
  faults?: FaultPlan[];
  queueSize?: number;
}

export function netBits(...names: (keyof typeof NET_F)[]): bigint {
  return names.reduce((v, n) => v | bit(NET_F[n]), 0n);
}

/** Transport bits every test device offers. */
export const TRANSPORT = bit(F.VERSION_1) | bit(F.INDIRECT_DESC) | bit(F.EVENT_IDX) | bit(F.RING_PACKED);

export async function netRig(o: RigOptions = {}): Promise<NetRig> {
  const events: TraceEvent[] = [];
  const queueSize = o.queueSize ?? 64;
  const m = createInProcessMachine({
    device: (mem, trace) => new NetDevice({ mem, trace, queueSize, ...o.device }),
    driver: {
      layout: o.layout ?? 'split',
      queueSize,
      ...(o.faults ? { faults: o.faults.filter((f) => !f.rule.startsWith('net-')) } : {}),
      ...(o.wanted !== undefined || o.without ? { wanted: (o.wanted ?? ~0n) & ~netBits(...(o.without ?? [])) } : {}),
    },
  });
  m.trace.on((e) => events.push(e));
  const dev = m.device as NetDevice;
  const port = new TestPort();
  connect(dev.port, port);
  m.driver.init();
  const client = await startNetClient(m.driver, m.mem, m.alloc, { rxBuffers: 8, ...o.client, faults: (o.faults ?? []).filter((f) => f.rule.startsWith('net-')) });
  const violations = () => events.filter((e): e is ViolationEvent => e.type === 'violation');
  return {
    m,
    dev,
    port,
    client,
    events,
    violations,
    rules: () => violations().map((v) => v.rule),
    configInterrupts: () => events.filter((e) => e.type === 'interrupt' && e.kind === 'config').length,
  };
}

/** Lets interrupts, microtasks and setImmediate replies run. */
export async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

/** Polls `cond` every event-loop turn until it holds or `ms` pass. */
export async function until(cond: () => boolean, ms = 1000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setImmediate(r));
  }
  return true;
}

export { defaultNetOffered, NET_F };

/** A unicast frame to `dst` of `size` bytes with a recognisable payload (experimental EtherType 0x88b5). */
export function frameTo(dst: Uint8Array, size: number, seed = 1, src = Uint8Array.of(0x02, 0, 0, 0, 0, 0x99)): Uint8Array {
  const f = new Uint8Array(size);
  f.set(dst, 0);
  f.set(src, 6);
  f[12] = 0x88;
  f[13] = 0xb5;
  for (let i = 14; i < size; i++) f[i] = (i * 31 + seed * 7) & 0xff;
  return f;
}

export const DEVICE_MAC = Uint8Array.of(0x52, 0x54, 0x00, 0x12, 0x34, 0x56);
export const BROADCAST = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
