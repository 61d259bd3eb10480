/**
 * Turns the adapter's `virtio/snapshot` into the language server's `virtio/liveState` payload: the feature
 * words and status of every spec device (blk, net, rng), nothing else. Pure (no vscode), so it is unit-tested directly.
 */
import { type LiveDeviceState, type LiveStateParams } from '../protocol/lsp';
import { type SessionSnapshot } from '../protocol/snapshot';

/** The live state of one debug session (`session` is its name, shown in hovers). */
export function liveStateFromSnapshot(session: string, snapshot: SessionSnapshot): LiveStateParams {
  const devices: LiveDeviceState[] = [];
  for (const d of snapshot.devices ?? []) {
    // The echo test device has no driver sources to hover in; every spec device type is kept.
    if (d.type === 'echo') continue;
    devices.push({ id: d.id, type: d.type, offered: d.offered, accepted: d.driverFeatures, status: d.status });
  }
  return { session, devices };
}

/** The payload that tells the language server no session runs (hovers drop their live lines). */
export const NO_LIVE_STATE: LiveStateParams = { devices: [] };
