/**
 * Custom LSP methods of the Virtio Debug language server. Every custom method is declared here once (like
 * rust-analyzer's lsp_ext.ts); the extension sends them through vscode-languageclient, the server in
 * language/ handles them. Types only, no logic.
 */
import { type DeviceTypeName } from './device-type';

/**
 * Client → server notification: the live state of the devices of the running debug session. Sent on every
 * stop and whenever features or status change; `devices: []` means no session runs (hovers drop live state).
 */
export const LIVE_STATE_METHOD = 'virtio/liveState' as const;

/** Which device a live state belongs to, as in the launch configuration (`"type": "blk"`). */
export type LiveDeviceType = DeviceTypeName;

/** One device of the running session. Feature words are hex strings (`"0x130000020"`): bits go past 64. */
export interface LiveDeviceState {
  /** Device id from the launch configuration: `blk0`, `net0`. */
  id: string;
  type: LiveDeviceType;
  /** Features the device offers (device_feature). */
  offered: string;
  /** Features the driver has written (driver_feature); absent before the driver writes any. */
  accepted?: string;
  /** Device status byte (§2.1). Features are negotiated once FEATURES_OK is set and the device kept it. */
  status: number;
}

export interface LiveStateParams {
  /** Debug session name, shown in hovers; absent when no session runs. */
  session?: string;
  devices: LiveDeviceState[];
}
