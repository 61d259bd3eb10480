/**
 * Builds the descriptors of one chain the way Linux virtqueue_add_split does (direct descriptors linked
 * through desc.next, or one INDIRECT descriptor pointing to a table whose entries link 0 → 1 → …),
 * and bends them when a chain fault is due.
 */
import { type RawDesc } from '../../queue/split/layout';
import { DESC_F_INDIRECT, DESC_F_NEXT, DESC_F_WRITE } from '../../queue/types';
import { type DriverBuffer } from '../ring-types';

/** Chain faults that change descriptor contents. */
export interface ChainBends {
  zeroLength?: boolean;
  outOfMemory?: number; // address outside guest memory
  loop?: boolean;
  nextOutOfRange?: boolean;
  tooLong?: boolean;
  nested?: boolean;
  withNext?: boolean;
  badLength?: boolean;
}

export interface BuiltChain {
  /** Descriptor-table entries, in chain order. */
  ring: { index: number; desc: RawDesc }[];
  /** Indirect tables to allocate and fill (the first is the one the ring points to). */
  tables: { entries: RawDesc[]; bytes: number }[];
  writableBytes: number;
}

/** S3 broken on purpose: a device-readable descriptor after the writable ones. */
export function readableAfterWritable(bufs: DriverBuffer[]): DriverBuffer[] {
  const out = bufs.map((b) => ({ ...b }));
  if (!out.some((b) => b.write)) out[out.length - 1]!.write = true;
  out.push({ addr: bufs[0]!.addr, len: 1, write: false });
  return out;
}

function dataEntries(bufs: DriverBuffer[], bends: ChainBends): RawDesc[] {
  const data = bufs.map((b) => ({ addr: b.addr, len: b.len, flags: b.write ? DESC_F_WRITE : 0, next: 0 }));
  if (bends.zeroLength) data[0]!.len = 0;
  if (bends.outOfMemory !== undefined) data[0]!.addr = bends.outOfMemory;
  return data;
}

/** Links entries k → k+1 inside an indirect table. */
function linkTable(entries: RawDesc[]): void {
  for (let k = 0; k < entries.length - 1; k++) {
    entries[k]!.flags |= DESC_F_NEXT;
    entries[k]!.next = k + 1;
  }
}

/**
 * `indices`: descriptor-table entries the chain occupies, in order (one when indirect). `nextFree`
 * names a descriptor that is not part of the chain (used when a fault needs a valid next index).
 */
export function buildChain(bufs: DriverBuffer[], indirect: boolean, indices: number[], size: number, bends: ChainBends, nextFree: number): BuiltChain {
  const data = dataEntries(bufs, bends);
  const writableBytes = data.reduce((n, d) => n + (d.flags & DESC_F_WRITE ? d.len : 0), 0);
  if (!indirect) {
    for (let k = 0; k < data.length - 1; k++) {
      data[k]!.flags |= DESC_F_NEXT;
      data[k]!.next = indices[k + 1]!;
    }
    const last = data[data.length - 1]!;
    if (bends.loop) {
      last.flags |= DESC_F_NEXT;
      last.next = indices[0]!;
    } else if (bends.nextOutOfRange) {
      last.flags |= DESC_F_NEXT;
      last.next = size;
    }
    return { ring: data.map((desc, k) => ({ index: indices[k]!, desc })), tables: [], writableBytes };
  }

  let entries = data;
  if (bends.tooLong) {
    // One more descriptor than the queue size, all describing the first buffer.
    entries = Array.from({ length: size + 1 }, () => ({ ...data[0]!, next: 0 }));
  }
  linkTable(entries);
  const last = entries[entries.length - 1]!;
  if (bends.loop) {
    last.flags |= DESC_F_NEXT;
    last.next = 0;
  } else if (bends.nextOutOfRange) {
    last.flags |= DESC_F_NEXT;
    last.next = entries.length;
  }
  const tables: BuiltChain['tables'] = [];
  if (bends.nested) {
    // The outer table holds one INDIRECT entry; its address is filled in when the tables are allocated.
    tables.push({ entries: [{ addr: 0, len: entries.length * 16, flags: DESC_F_INDIRECT, next: 0 }], bytes: 16 });
  }
  const tableBytes = entries.length * 16;
  tables.push({ entries, bytes: bends.badLength ? tableBytes + 16 : tableBytes });
  const pointer: RawDesc = {
    addr: 0, // the first table's address, filled in after allocation
    len: bends.badLength ? tableBytes + 8 : tables[0]!.entries.length * 16,
    flags: DESC_F_INDIRECT,
    next: 0,
  };
  if (bends.withNext) {
    pointer.flags |= DESC_F_NEXT;
    pointer.next = nextFree;
  }
  return { ring: [{ index: indices[0]!, desc: pointer }], tables, writableBytes };
}
