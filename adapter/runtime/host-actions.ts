/**
 * Things the debugger can do to a device from the host side (REPL commands, setVariable on writable
 * config): change link status, resize a disk, inject a frame, start a capture. Device types register the
 * actions they support; the REPL and setVariable look them up.
 */
import type { VirtioDevice } from '../../engine';

export interface HostActions {
  /** setVariable on a config field: returns the new display value, or throws with a clear refusal. */
  setConfig?(device: VirtioDevice, field: string, value: string): string | Promise<string>;
  link?(device: VirtioDevice, up: boolean): void;
  injectFrame?(device: VirtioDevice, frame: Uint8Array): void;
  pcapStart?(device: VirtioDevice, path: string): void;
  pcapStop?(device: VirtioDevice): void;
}

const registry = new Map<string, HostActions>();

export function registerHostActions(deviceType: string, actions: HostActions): void {
  registry.set(deviceType, { ...registry.get(deviceType), ...actions });
}

export function hostActions(device: VirtioDevice): HostActions {
  return registry.get(device.deviceType) ?? {};
}
