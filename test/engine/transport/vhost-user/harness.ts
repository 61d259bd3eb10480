// Devices behind a VhostUserServer on a temporary socket, for the tests that play a front end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TraceEvent, type TransportEvent, type ViolationEvent } from '../../../../protocol/trace';
import { VhostUserProtocolFeature as PF, VhostUserRequest as R } from '../../../../engine/transport/vhost-user/messages';
import { F, bit } from '../../../../engine/device-core/bits';
import { type VirtioDevice } from '../../../../engine/device-core/device';
import { BlkDevice, MemoryBackend } from '../../../../engine/devices/blk';
import { NetDevice } from '../../../../engine/devices/net';
import { type EthernetPort } from '../../../../engine/devices/net';
import { GuestMemory } from '../../../../engine/memory';
import { Trace } from '../../../../engine/trace';
import { encodeU64 } from '../../../../engine/transport/vhost-user/codec';
import { VhostUserServer, type VhostUserServerOptions } from '../../../../engine/transport/vhost-user/server';
import { type TestFrontEnd, native } from './front-end';

export const pfBits = (...names: (keyof typeof PF)[]): bigint => names.reduce((v, n) => v | (1n << BigInt(PF[n])), 0n);
export const PROTOCOL_BIT = 1n << 30n;

export interface Served<D extends VirtioDevice> {
  dir: string;
  path: string;
  trace: Trace;
  events: TraceEvent[];
  device: D;
  server: VhostUserServer;
  disconnects: string[];
  close(): Promise<void>;
  violations(): ViolationEvent[];
  transport(): TransportEvent[];
}

export function serve<D extends VirtioDevice>(make: (mem: GuestMemory, trace: Trace) => D, o: Partial<VhostUserServerOptions> = {}): Served<D> {
  const dir = mkdtempSync(join(tmpdir(), 'vd-vhost-'));
  const path = join(dir, 'dev.sock');
  const trace = new Trace({ capacity: 0 });
  const events: TraceEvent[] = [];
  trace.on((e) => events.push(e));
  const device = make(new GuestMemory(), trace);
  const disconnects: string[] = [];
  const server = VhostUserServer.listen({
    path,
    device,
    native: native(),
    ...o,
    onDisconnect: async (reason) => {
      disconnects.push(reason);
      await o.onDisconnect?.(reason);
    },
  });
  return {
    dir,
    path,
    trace,
    events,
    device,
    server,
    disconnects,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
    violations: () => events.filter((e): e is ViolationEvent => e.type === 'violation'),
    transport: () => events.filter((e): e is TransportEvent => e.type === 'transport'),
  };
}

export const DISK_BYTES = 1 << 20;

export function blkDevice(mem: GuestMemory, trace: Trace, o: { queues?: number; contents?: Uint8Array; readonly?: boolean } = {}): BlkDevice {
  const backend = new MemoryBackend({ size: DISK_BYTES, ...(o.contents ? { contents: o.contents } : {}), readOnly: o.readonly ?? false });
  return new BlkDevice({ id: 'blk0', mem, trace, backend, inProcess: false, queueSize: 64, ...(o.queues ? { queues: o.queues } : {}) });
}

/** A wire end that records what the device transmits and can send frames to it. */
export class WirePeer implements EthernetPort {
  transmit: (frame: Uint8Array) => void = () => {};
  readonly received: Uint8Array[] = [];
  receive(frame: Uint8Array): void {
    this.received.push(Uint8Array.from(frame));
  }
}

export function netDevice(mem: GuestMemory, trace: Trace, o: { pairs?: number } = {}): { device: NetDevice; peer: WirePeer } {
  const device = new NetDevice({ id: 'net0', mem, trace, inProcess: false, queueSize: 64, ...(o.pairs ? { queuePairs: o.pairs } : {}) });
  const peer = new WirePeer();
  device.port.transmit = (f) => peer.receive(f);
  peer.transmit = (f) => device.port.receive(f);
  return { device, peer };
}

/** QEMU 7.2's device-creation messages (docs/architecture.md, "Measured facts"): features, protocol features, queue count, owner, call/err. */
export async function qemuInit(fe: TestFrontEnd, o: { protocol: bigint; rings: number; errFds: number[]; callFds: number[]; blk: boolean }): Promise<{ features: bigint; queueNum: bigint; config?: Buffer }> {
  const features = await fe.getU64(R.GET_FEATURES);
  const offered = await fe.getU64(R.GET_PROTOCOL_FEATURES);
  fe.send(R.SET_PROTOCOL_FEATURES, encodeU64(offered & o.protocol));
  const queueNum = await fe.getU64(R.GET_QUEUE_NUM);
  fe.send(R.SET_OWNER);
  await fe.getU64(R.GET_FEATURES);
  for (let i = 0; i < o.rings; i++) fe.send(R.SET_VRING_CALL, encodeU64(i), { fds: [o.callFds[i]!] });
  for (let i = 0; i < o.rings; i++) fe.send(R.SET_VRING_ERR, encodeU64(i), { fds: [o.errFds[i]!] });
  if (!o.blk) return { features, queueNum };
  const req = Buffer.alloc(12 + 60);
  req.writeUInt32LE(0, 0);
  req.writeUInt32LE(60, 4);
  const r = await fe.call(R.GET_CONFIG, req);
  return { features, queueNum, config: r.payload };
}

export const VERSION_1 = bit(F.VERSION_1);
export const RING_PACKED = bit(F.RING_PACKED);
export const EVENT_IDX = bit(F.EVENT_IDX);
