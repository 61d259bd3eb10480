/**
 * Decodes a chain's payload with the engine's decoders, by device type and queue: what the Variables view
 * shows under "Chain › payload" and what breakpoint conditions test. Each device kind brings its decoder
 * (adapter/runtime/kinds).
 */
import type { Chain, DecodedLayer, QueueRuntime, VirtioDevice } from '../../engine';
import { deviceKind } from './kinds';

export type DecodedLayerLike = DecodedLayer;

export type { ChainDecoder } from './kinds';

export function decodeChainLayers(device: VirtioDevice, q: QueueRuntime, chain: Chain): DecodedLayerLike[] {
  const d = deviceKind(device.deviceType).decodeChain;
  if (!d) return [];
  try {
    return d(device, q, chain);
  } catch (e) {
    return [{ protocol: 'error', fields: [], values: {}, error: `decoder failed: ${(e as Error).message}` }];
  }
}
