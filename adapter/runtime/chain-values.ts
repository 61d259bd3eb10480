/**
 * The values a breakpoint condition can test for one chain: `chain.*` and `queue.*` for every queue, plus
 * the decoded request (`req.*` for virtio-blk), frame (`pkt.*` for virtio-net transmit) or control
 * command (`ctrl.*`), from the engine's decoders.
 */
import { type Chain } from '../../engine/queue/types';
import { type Lookup, type Value } from '../expr/evaluate';
import { decodeChainLayers } from './chain-decode';
import { type QueueThread } from './threads';

export function chainValues(thread: QueueThread, chain: Chain): Lookup {
  const values = new Map<string, Value>([
    ['chain.id', chain.id],
    ['chain.head', chain.head],
    ['chain.descs', chain.descriptors.length],
    ['chain.bytes', chain.readableBytes + chain.writableBytes],
    ['chain.readable', chain.readableBytes],
    ['chain.writable', chain.writableBytes],
    ['chain.indirect', chain.indirectTable !== undefined],
    ['queue.name', thread.queue.name],
    ['queue.index', thread.queue.index],
    ['queue.device', thread.device.id],
  ]);
  let decoded = false;
  return (path) => {
    if (!decoded && !values.has(path)) {
      decoded = true;
      for (const layer of decodeChainLayers(thread.device, thread.queue, chain)) {
        for (const [k, v] of Object.entries(layer.values)) values.set(k, v);
      }
    }
    return values.get(path);
  };
}
