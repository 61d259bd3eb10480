/** The echo test device's engine descriptor (not a spec device type): registered in engine/devices/registry.ts. */
import { DEVICE_FEATURE_TABLE } from '../../spec-tables';
import { defineDeviceType } from '../descriptor';
import { ECHO_CONFIG_FIELDS, ECHO_DEVICE_ID, ECHO_OFFERED, EchoDevice, type EchoDeviceOptions } from './echo-device';

export type EchoOptions = Omit<EchoDeviceOptions, 'id' | 'mem' | 'trace' | 'inProcess'>;

export const ECHO_TYPE = defineDeviceType<EchoOptions, EchoDevice>({
  type: 'echo',
  name: 'virtio-echo (test device)',
  deviceId: ECHO_DEVICE_ID,
  featureTable: DEVICE_FEATURE_TABLE.echo,
  offered: (o) => o.offered ?? ECHO_OFFERED,
  config: ECHO_CONFIG_FIELDS,
  rules: [],
  queueNames: () => ['requestq1'],
  create: (ctx, o) => new EchoDevice({ ...o, ...ctx }),
});
