/**
 * The values a breakpoint condition can test for one chain: `chain.*` and `queue.*` for every queue, plus
 * the decoded request (`req.*` for virtio-blk), frame (`pkt.*` for virtio-net transmit) or control
 * command (`ctrl.*`), from the engine's decoders. Runs for every chain of a queue with a conditional
 * breakpoint, so nothing is built until a name is asked for, the payload is decoded at most once, and a kind
 * that can give its values from the header alone (`conditionValues`, blk) does not decode the payload at all.
 */
import type { Chain } from '../../engine';
import { type Lookup, type Value } from '../expr/evaluate';
import { decodeChainLayers } from './chain-decode';
import { deviceKind } from './kinds';
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

/** The decoded values of a chain: the kind's shortcut (header fields alone) where it has one, else its layers'. */
function decodedValues(thread: QueueThread, chain: Chain): ReadonlyMap<string, Value> {
  const quick = deviceKind(thread.device.deviceType).conditionValues?.(thread.device, thread.queue, chain);
  if (quick) return quick;
  const decoded = new Map<string, Value>();
  for (const layer of decodeChainLayers(thread.device, thread.queue, chain)) {
    for (const [k, v] of Object.entries(layer.values)) decoded.set(k, v);
  }
  return decoded;
}

export function chainValues(thread: QueueThread, chain: Chain): Lookup {
  let decoded: ReadonlyMap<string, Value> | undefined;
  return (path) => {
    const direct = chainField(thread, chain, path);
    if (direct !== null) return direct;
    decoded ??= decodedValues(thread, chain);
    return decoded.get(path);
  };
}
