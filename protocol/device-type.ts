/**
 * The device types, declared once (issue 10): launch configurations (`"type": "rng"`), snapshots, the live
 * state sent to the language server and the engine's devices all use this name. Each has one engine-side
 * descriptor (`engine/devices/registry.ts`) and one adapter-side kind (`adapter/runtime/kinds/registry.ts`).
 */
export const DEVICE_TYPE_NAMES = ['blk', 'net', 'rng', 'echo'] as const;

/** `blk`, `net`, `rng`, or `echo` (the minimal test device, not a spec device type). */
export type DeviceTypeName = (typeof DEVICE_TYPE_NAMES)[number];

export function isDeviceTypeName(s: unknown): s is DeviceTypeName {
  return typeof s === 'string' && (DEVICE_TYPE_NAMES as readonly string[]).includes(s);
}
