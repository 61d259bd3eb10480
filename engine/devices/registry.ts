/**
 * Every device type the engine has, registered once (issue 10). A new type adds its folder under
 * engine/devices/ with a `descriptor.ts`, and one line here.
 */
import { type DeviceTypeName } from '../../protocol/device-type';
import { type VirtioDevice } from '../device-core/device';
import { BLK_TYPE } from './blk/descriptor';
import { type DeviceTypeDescriptor } from './descriptor';
import { ECHO_TYPE } from './echo/descriptor';
import { NET_TYPE } from './net/descriptor';
import { RNG_TYPE } from './rng/descriptor';

export { type DeviceCreateContext, type DeviceTypeDescriptor, defineDeviceType } from './descriptor';

/** By type name; the `satisfies` clause makes a missing or extra type a compile error. */
export const DEVICE_TYPES = { blk: BLK_TYPE, net: NET_TYPE, rng: RNG_TYPE, echo: ECHO_TYPE } as const satisfies Record<DeviceTypeName, DeviceTypeDescriptor<never, VirtioDevice>>;

export function deviceType<T extends DeviceTypeName>(type: T): (typeof DEVICE_TYPES)[T] {
  return DEVICE_TYPES[type];
}

/** Every descriptor (for tables, the language server and tests). */
export function allDeviceTypes(): readonly DeviceTypeDescriptor<never, VirtioDevice>[] {
  return Object.values(DEVICE_TYPES);
}
