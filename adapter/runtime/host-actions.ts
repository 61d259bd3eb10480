/**
 * Things the debugger can do to a device from the host side (REPL commands, setVariable on writable
 * config): change link status, resize a disk, inject a frame, start a capture. Each device kind declares
 * the actions it supports (adapter/runtime/kinds); the REPL and setVariable look them up here.
 */
import type { VirtioDevice } from '../../engine';
import { deviceKind, type HostActions } from './kinds';

export type { HostActions } from './kinds';

export function hostActions(device: VirtioDevice): HostActions {
  return deviceKind(device.deviceType).hostActions ?? {};
}
