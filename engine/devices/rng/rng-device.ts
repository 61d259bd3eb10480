/**
 * virtio-rng (VIRTIO 1.3 §5.4): one request queue (`requestq`), no device feature bits, no config space.
 * The device fills the device-writable part of every chain with bytes of its entropy source and returns
 * the chain with the number of bytes written. A device-readable descriptor or a chain without a writable
 * byte is a violation (rng-* rules), served the way QEMU serves it.
 */
import { VirtioDevice } from '../../device-core/device';
import { F, bit } from '../../device-core/bits';
import { type QueueRuntime } from '../../device-core/queue-runtime';
import { type GuestMemory } from '../../memory';
import { writeChain } from '../../queue/chain-io';
import { type Chain } from '../../queue/types';
import { featureByBit } from '../../spec-tables';
import { type Trace } from '../../trace';
import { type EntropySource, openEntropy } from './entropy';

export const RNG_DEVICE_ID = 4;

/** Transport features the device offers (it has no device feature bits). */
export const RNG_OFFERED =
  bit(F.VERSION_1) | bit(F.INDIRECT_DESC) | bit(F.EVENT_IDX) | bit(F.RING_PACKED) | bit(F.IN_ORDER) | bit(F.RING_RESET);

/** Largest request filled at once: a bigger chain gets this many bytes (§5.4.6.2: the device MAY use less). */
export const RNG_MAX_FILL = 64 * 1024;

export interface RngDeviceOptions {
  id?: string;
  mem: GuestMemory;
  trace: Trace;
  queueSize?: number;
  /** `random` (default), `file:PATH` or `seed:N`, or an open source. */
  entropy?: string | EntropySource;
  offered?: bigint;
  inProcess?: boolean;
}

export class RngDevice extends VirtioDevice {
  readonly deviceType = 'rng' as const;
  readonly entropy: EntropySource;
  /** Bytes handed to the driver since the device was created. */
  bytesFilled = 0;
  requests = 0;

  constructor(o: RngDeviceOptions) {
    super({
      id: o.id ?? 'rng0',
      deviceId: RNG_DEVICE_ID,
      featureTable: 'transport',
      offered: o.offered ?? RNG_OFFERED,
      queues: [{ name: 'requestq', maxSize: o.queueSize ?? 256, mode: 'on-notify' }],
      configFields: [],
      configSize: 0,
      mem: o.mem,
      trace: o.trace,
      inProcess: o.inProcess ?? true,
      featureShortName: (b) => featureByBit('transport', b)?.short,
    });
    this.entropy = typeof o.entropy === 'object' ? o.entropy : openEntropy(o.entropy);
  }

  processChain(q: QueueRuntime, chain: Chain): number {
    this.requests++;
    if (chain.readableBytes > 0) {
      this.violation(
        'rng-buffer-device-readable',
        `chain ${chain.head} has ${chain.readableBytes} device-readable byte(s) in ${chain.readable.length} descriptor(s); only the ${chain.writableBytes} writable byte(s) are filled`,
        { queue: q, index: chain.head },
      );
    }
    if (chain.writableBytes === 0) {
      this.violation('rng-buffer-empty', `chain ${chain.head} has no device-writable byte: returned with used length 0`, { queue: q, index: chain.head });
      return 0;
    }
    const bytes = new Uint8Array(Math.min(chain.writableBytes, RNG_MAX_FILL));
    this.entropy.fill(bytes);
    const n = writeChain(this.mem, chain, bytes);
    this.bytesFilled += n;
    return n;
  }

  override describeChain(_q: QueueRuntime, chain: Chain): string {
    return `entropy request: ${chain.writableBytes} B writable${chain.readableBytes ? `, ${chain.readableBytes} B readable (not allowed)` : ''}`;
  }

  /** Closes the entropy file. */
  close(): void {
    this.entropy.close();
  }
}
