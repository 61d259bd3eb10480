/**
 * The engine side of a device type (issue 10; docs/architecture.md, "How a device type is assembled"): what
 * the rest of the code needs to know about it, in one object per type, registered once in `registry.ts`.
 */
import { type DeviceTypeName } from '../../protocol/device-type';
import { type VirtioDevice } from '../device-core/device';
import { type ConfigFieldLike } from '../device-core/config-space';
import { type GuestMemory } from '../memory';
import { type SpecRule } from '../rules';
import { type FeatureDevice } from '../spec-tables';
import { type Trace } from '../trace';

/** What every device factory gets besides its type's own options. */
export interface DeviceCreateContext {
  id: string;
  mem: GuestMemory;
  trace: Trace;
  /** True behind the in-process mmio transport, false behind vhost-user. */
  inProcess: boolean;
}

export interface DeviceTypeDescriptor<Options = unknown, Device extends VirtioDevice = VirtioDevice> {
  readonly type: DeviceTypeName;
  /** Human name: "virtio-blk". */
  readonly name: string;
  /** VIRTIO device id (§5): 1 net, 2 blk, 4 rng; 0xffff for the echo test device. */
  readonly deviceId: number;
  /** The feature table its bits are judged and named with ('transport' when it has no device bits). */
  readonly featureTable: FeatureDevice;
  /** Offered feature bits for these options. */
  offered(options: Options): bigint;
  /** Config space layout. */
  readonly config: readonly ConfigFieldLike[];
  /** Its part of the rule catalogue (the ring, status and feature rules apply to every type). */
  readonly rules: readonly SpecRule[];
  /** Spec queue names in queue order (`requestq`, `receiveq1`, `transmitq1`, `controlq`). */
  queueNames(options: Options): string[];
  create(ctx: DeviceCreateContext, options: Options): Device;
}

/** Declares a descriptor with its options type checked (and erased for the registry). */
export function defineDeviceType<Options, Device extends VirtioDevice>(d: DeviceTypeDescriptor<Options, Device>): DeviceTypeDescriptor<Options, Device> {
  return d;
}
