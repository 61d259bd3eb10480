/** virtio-net's engine descriptor (VIRTIO 1.2 §5.1): registered in engine/devices/registry.ts. */
import { NET_RULES } from '../../rules/net';
import { NET_CONFIG } from '../../spec-tables';
import { DEVICE_FEATURE_TABLE } from '../../spec-tables';
import { defineDeviceType } from '../descriptor';
import { offeredQueueSpecs } from './net-config';
import { NET_DEVICE_ID, NetDevice, type NetDeviceOptions } from './net-device';
import { defaultNetOffered } from './net-features';

export type NetOptions = Omit<NetDeviceOptions, 'id' | 'mem' | 'trace' | 'inProcess'>;

export const NET_TYPE = defineDeviceType<NetOptions, NetDevice>({
  type: 'net',
  name: 'virtio-net',
  deviceId: NET_DEVICE_ID,
  featureTable: DEVICE_FEATURE_TABLE.net,
  offered: (o) => o.offered ?? defaultNetOffered(o.queuePairs ?? 1),
  config: NET_CONFIG,
  rules: NET_RULES,
  queueNames: (o) => offeredQueueSpecs(o.offered ?? defaultNetOffered(o.queuePairs ?? 1), o.queuePairs ?? 1, o.queueSize ?? 256).map((s) => s.name),
  create: (ctx, o) => new NetDevice({ ...o, ...ctx }),
});
