/** virtio-rng's engine descriptor (VIRTIO 1.3 §5.4): registered in engine/devices/registry.ts. */
import { RNG_RULES } from '../../rules/rng';
import { DEVICE_FEATURE_TABLE } from '../../spec-tables';
import { defineDeviceType } from '../descriptor';
import { RNG_DEVICE_ID, RNG_OFFERED, RngDevice, type RngDeviceOptions } from './rng-device';

export type RngOptions = Omit<RngDeviceOptions, 'id' | 'mem' | 'trace' | 'inProcess'>;

export const RNG_TYPE = defineDeviceType<RngOptions, RngDevice>({
  type: 'rng',
  name: 'virtio-rng',
  deviceId: RNG_DEVICE_ID,
  featureTable: DEVICE_FEATURE_TABLE.rng,
  offered: (o) => o.offered ?? RNG_OFFERED,
  config: [],
  rules: RNG_RULES,
  queueNames: () => ['requestq'],
  create: (ctx, o) => new RngDevice({ ...o, ...ctx }),
});
