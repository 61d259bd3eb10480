/**
 * Decodes a chain's payload with the engine's decoders, by device type and queue: what the Variables view
 * shows under "Chain › payload" and what breakpoint conditions test.
 */
import type { Chain, DecodedLayer, QueueRuntime, VirtioDevice } from '../../engine';

export type DecodedLayerLike = DecodedLayer;

export type ChainDecoder = (device: VirtioDevice, q: QueueRuntime, chain: Chain) => DecodedLayerLike[];

const decoders = new Map<string, ChainDecoder>();

/** Device types register how their chains decode (blk requests, net frames, control commands). */
export function registerChainDecoder(deviceType: string, decoder: ChainDecoder): void {
  decoders.set(deviceType, decoder);
}

export function decodeChainLayers(device: VirtioDevice, q: QueueRuntime, chain: Chain): DecodedLayerLike[] {
  const d = decoders.get(device.deviceType);
  if (!d) return [];
  try {
    return d(device, q, chain);
  } catch (e) {
    return [{ protocol: 'error', fields: [], values: {}, error: `decoder failed: ${(e as Error).message}` }];
  }
}
