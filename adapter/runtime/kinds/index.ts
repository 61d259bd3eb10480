/**
 * Every device type the adapter supports, registered once (issue 10). A new type adds its kind file here
 * and one entry below; the sessions, launch validation, QEMU arguments, decoders, host actions, `serve` and
 * the launch schema find it through `deviceKind`.
 */
import { type DeviceTypeName } from '../../../protocol/device-type';
import { BLK_KIND, type BlkConfig } from './blk';
import { ECHO_KIND, type EchoConfig } from './echo';
import { NET_KIND, type NetConfig } from './net';
import { type AdapterDeviceKind } from './registry';
import { RNG_KIND, type RngConfig } from './rng';

export type { AdapterDeviceKind, BuiltinKind, ChainDecoder, HostActions, PreparedDevice, ServedDevice, WorkloadContext } from './registry';
export type { BlkConfig, EchoConfig, NetConfig, RngConfig };

/** A device entry of a launch configuration after validation: paths absolute, defaults filled. */
export type ValidDevice = BlkConfig | NetConfig | RngConfig | EchoConfig;

const KINDS: { readonly [T in DeviceTypeName]: AdapterDeviceKind<Extract<ValidDevice, { type: T }>> } = {
  blk: BLK_KIND,
  net: NET_KIND,
  rng: RNG_KIND,
  echo: ECHO_KIND,
};

/** The kind of a device type (keyed by the engine descriptor's name). */
export function deviceKind(type: DeviceTypeName): AdapterDeviceKind<ValidDevice> {
  return KINDS[type] as unknown as AdapterDeviceKind<ValidDevice>;
}

/** Every kind, in registration order (the launch schema lists them so). */
export function allDeviceKinds(): AdapterDeviceKind<ValidDevice>[] {
  return Object.values(KINDS) as unknown as AdapterDeviceKind<ValidDevice>[];
}
