/**
 * virtio-echo: a minimal test device (not a spec device type) with one request queue. It copies the
 * readable part of every chain into its writable part. It exists so the engine core, the reference
 * driver and the property tests can run before (and independently of) virtio-blk and virtio-net.
 */
import { VirtioDevice } from '../../device-core/device';
import { F, bit } from '../../device-core/bits';
import { type QueueRuntime } from '../../device-core/queue-runtime';
import { type GuestMemory } from '../../memory';
import { readChain, writeChain } from '../../queue/chain-io';
import { type Chain } from '../../queue/types';
import { featureByBit } from '../../spec-tables';
import { type Trace } from '../../trace';

export const ECHO_DEVICE_ID = 0xffff;
/** Device feature bits of virtio-echo. */
export const ECHO_F_EXTRA = 0; // gates config field "extra"; never offered, to exercise gating
export const ECHO_F_MODE = 1; // config field "mode" is driver-writable

const DEVICE_FEATURE_NAMES: Record<number, string> = { [ECHO_F_EXTRA]: 'EXTRA', [ECHO_F_MODE]: 'MODE' };

export const ECHO_CONFIG_FIELDS = [
  { name: 'max_len', offset: 0, size: 4, description: 'largest chain the device echoes', section: '-' },
  { name: 'extra', offset: 4, size: 4, features: ['EXTRA'], description: 'gated by EXTRA (never offered)', section: '-' },
  { name: 'mode', offset: 8, size: 1, features: ['MODE'], driverWritable: true, description: 'driver-writable', section: '-' },
] as const;

export const ECHO_OFFERED =
  bit(F.VERSION_1) |
  bit(F.INDIRECT_DESC) |
  bit(F.EVENT_IDX) |
  bit(F.RING_PACKED) |
  bit(F.IN_ORDER) |
  bit(F.NOTIFICATION_DATA) |
  bit(F.RING_RESET) |
  bit(ECHO_F_MODE);

export interface EchoDeviceOptions {
  id?: string;
  mem: GuestMemory;
  trace: Trace;
  queueSize?: number;
  offered?: bigint;
  inProcess?: boolean;
  /** Makes every completion asynchronous (to exercise in-flight handling). */
  asyncCompletion?: boolean;
}

export class EchoDevice extends VirtioDevice {
  readonly deviceType = 'echo' as const;
  private readonly asyncCompletion: boolean;

  constructor(o: EchoDeviceOptions) {
    super({
      id: o.id ?? 'echo0',
      deviceId: ECHO_DEVICE_ID,
      offered: o.offered ?? ECHO_OFFERED,
      queues: [{ name: 'requestq1', maxSize: o.queueSize ?? 256, mode: 'on-notify' }],
      configFields: ECHO_CONFIG_FIELDS,
      configSize: 12,
      mem: o.mem,
      trace: o.trace,
      inProcess: o.inProcess ?? true,
      featureShortName: (b) => DEVICE_FEATURE_NAMES[b] ?? (b >= 24 ? featureByBit('transport', b)?.short : undefined),
    });
    this.asyncCompletion = o.asyncCompletion ?? false;
    this.config.set('max_len', 1 << 20);
  }

  processChain(_q: QueueRuntime, chain: Chain): number | Promise<number> {
    const data = readChain(this.mem, chain);
    const n = writeChain(this.mem, chain, data);
    return this.asyncCompletion ? new Promise((r) => setImmediate(() => r(n))) : n;
  }

  override describeChain(_q: QueueRuntime, chain: Chain): string {
    return `echo ${chain.readableBytes} B into ${chain.writableBytes} B`;
  }
}
