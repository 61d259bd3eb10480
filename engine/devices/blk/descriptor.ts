/** virtio-blk's engine descriptor (VIRTIO 1.2 §5.2): registered in engine/devices/registry.ts. */
import { BLK_RULES } from '../../rules/blk';
import { BLK_CONFIG, BLK_SECTOR_SIZE } from '../../spec-tables';
import { DEVICE_FEATURE_TABLE } from '../../spec-tables';
import { defineDeviceType } from '../descriptor';
import { BLK_DEVICE_ID, BlkDevice, type BlkDeviceOptions } from './blk-device';
import { offeredFeatures, resolveSettings } from './options';

export type BlkOptions = Omit<BlkDeviceOptions, 'id' | 'mem' | 'trace' | 'inProcess'>;

export const BLK_TYPE = defineDeviceType<BlkOptions, BlkDevice>({
  type: 'blk',
  name: 'virtio-blk',
  deviceId: BLK_DEVICE_ID,
  featureTable: DEVICE_FEATURE_TABLE.blk,
  offered: (o) =>
    offeredFeatures(resolveSettings(o, { capacity: BigInt(Math.floor(o.backend.size / BLK_SECTOR_SIZE)), backendReadOnly: o.backend.readOnly, id: 'blk' })),
  config: BLK_CONFIG,
  rules: BLK_RULES,
  queueNames: (o) => Array.from({ length: o.queues ?? 1 }, (_, i) => `requestq${i + 1}`),
  create: (ctx, o) => new BlkDevice({ ...o, ...ctx }),
});
