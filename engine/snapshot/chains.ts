/**
 * The chains of a queue as the ring panel shows them: pending (available), taken (in flight) and the one
 * the debugger holds, each with its descriptors, the first bytes of every buffer and the decoded payload.
 * Side-effect free: pending chains come from peek(), buffers from GuestMemory.peek().
 */
import { type ChainDescriptorDto, type ChainDto, type ChainState, type DecodedFieldDto, type DecodedLayerDto } from '../../protocol/snapshot';
import { type DecodedField, type DecodedLayer } from '../decode';
import { type VirtioDevice } from '../device-core/device';
import { type QueueRuntime } from '../device-core/queue-runtime';
import { type Chain } from '../queue/types';
import { packedFlagNames } from '../queue/packed/layout';
import { flagNames } from '../spec-tables';

/** Decodes a chain's payload by device type (the adapter registers the blk and net decoders). */
export type ChainDecodeHook = (device: VirtioDevice, q: QueueRuntime, chain: Chain) => DecodedLayer[];

export interface ChainSnapshotOptions {
  /** Most chains to include (pending ones are cut first); 0 or absent: none. */
  chains?: number;
  /** Bytes of each buffer to include as hex; default 256. */
  bytesLimit?: number;
  decode?: ChainDecodeHook;
}

const hex = (v: number) => '0x' + v.toString(16);

function hexBytes(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

function fieldDto(f: DecodedField): DecodedFieldDto {
  return { label: f.label, value: f.value, offset: f.offset, size: f.size, ...(f.children?.length ? { children: f.children.map(fieldDto) } : {}) };
}

export function layerDto(l: DecodedLayer): DecodedLayerDto {
  return { protocol: l.protocol, fields: l.fields.map(fieldDto), ...(l.error ? { error: l.error } : {}) };
}

/** Ring entries a chain occupies: split table indices (indirect pointer, not its table), packed ring slots. */
function ringSlots(q: QueueRuntime, c: Chain): number[] {
  if (q.layout === 'packed') {
    const n = Math.max(1, c.ringSlots);
    return Array.from({ length: Math.min(n, q.size) }, (_, i) => (c.head + i) % q.size);
  }
  const slots = c.descriptors.filter((d) => !d.indirect).map((d) => d.index);
  if (c.indirectTable) slots.push(c.indirectTable.index);
  return slots;
}

function chainDto(device: VirtioDevice, q: QueueRuntime, c: Chain, state: ChainState, o: ChainSnapshotOptions): ChainDto {
  const limit = Math.max(0, o.bytesLimit ?? 256);
  const descriptors: ChainDescriptorDto[] = c.descriptors.map((d) => {
    const bytes = limit > 0 && d.len > 0 ? device.mem.peek(d.addr, Math.min(d.len, limit)) : undefined;
    return {
      index: d.index,
      addr: hex(d.addr),
      len: d.len,
      flags: d.flags,
      flagNames: q.layout === 'packed' ? packedFlagNames(d.flags) : flagNames('desc', d.flags),
      indirect: d.indirect,
      ...(bytes ? { bytes: hexBytes(bytes) } : {}),
    };
  });
  let summary: string | undefined;
  let layers: DecodedLayerDto[] | undefined;
  try {
    summary = device.describeChain(q, c);
  } catch {
    summary = undefined;
  }
  if (o.decode) {
    try {
      layers = o.decode(device, q, c).map(layerDto);
    } catch (e) {
      layers = [{ protocol: 'error', fields: [], error: `decoder failed: ${(e as Error).message}` }];
    }
  }
  return {
    id: c.id,
    head: c.head,
    state,
    position: c.position,
    ringSlots: ringSlots(q, c),
    descriptors,
    readableBytes: c.readableBytes,
    writableBytes: c.writableBytes,
    ...(c.indirectTable ? { indirectTable: { addr: hex(c.indirectTable.addr), len: c.indirectTable.len, index: c.indirectTable.index } } : {}),
    ...(summary ? { summary } : {}),
    ...(layers?.length ? { layers } : {}),
  };
}

/** In flight (oldest first), then the held chain, then pending chains (next first), at most `o.chains`. */
export function chainsSnapshot(device: VirtioDevice, q: QueueRuntime, o: ChainSnapshotOptions): ChainDto[] {
  const max = Math.max(0, Math.floor(o.chains ?? 0));
  const ring = q.view;
  if (!max || !ring) return [];
  const out: ChainDto[] = [];
  for (const p of q.pending) {
    if (out.length >= max) return out;
    out.push(chainDto(device, q, p.chain, 'inflight', o));
  }
  if (q.held && out.length < max) out.push(chainDto(device, q, q.held, 'held', o));
  const left = max - out.length;
  if (left > 0 && !ring.broken) {
    for (const c of ring.peek(left).chains) out.push(chainDto(device, q, c, 'available', o));
  }
  return out;
}
