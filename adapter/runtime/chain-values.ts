/**
 * The values a breakpoint condition can test for one chain: `chain.*` and `queue.*` for every queue, plus
 * the decoded request (`req.*` for virtio-blk), frame (`pkt.*` for virtio-net transmit) or control
 * command (`ctrl.*`), from the engine's decoders. Runs for every chain of a queue with a conditional
 * breakpoint, so nothing is built until a name is asked for, and the payload is decoded at most once.
 */
import type { Chain } from '../../engine';
import { type Lookup, type Value } from '../expr/evaluate';
import { decodeChainLayers } from './chain-decode';
import { type QueueThread } from './threads';

function chainField(thread: QueueThread, chain: Chain, path: string): Value | null {
  switch (path) {
    case 'chain.id':
      return chain.id;
    case 'chain.head':
      return chain.head;
    case 'chain.descs':
      return chain.descriptors.length;
    case 'chain.bytes':
      return chain.readableBytes + chain.writableBytes;
    case 'chain.readable':
      return chain.readableBytes;
    case 'chain.writable':
      return chain.writableBytes;
    case 'chain.indirect':
      return chain.indirectTable !== undefined;
    case 'queue.name':
      return thread.queue.name;
    case 'queue.index':
      return thread.queue.index;
    case 'queue.device':
      return thread.device.id;
    default:
      return null;
  }
}

export function chainValues(thread: QueueThread, chain: Chain): Lookup {
  let decoded: Map<string, Value> | undefined;
  return (path) => {
    const direct = chainField(thread, chain, path);
    if (direct !== null) return direct;
    if (!decoded) {
      decoded = new Map();
      for (const layer of decodeChainLayers(thread.device, thread.queue, chain)) {
        for (const [k, v] of Object.entries(layer.values)) decoded.set(k, v);
      }
    }
    return decoded.get(path);
  };
}
