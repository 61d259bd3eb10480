// The header-only values of a blk chain for breakpoint conditions (adapter/runtime/kinds/blk-condition.ts) are
// exactly the values of the Chain scope's decode (kinds/blk.ts decodeChain, the engine's decodeBlkRequest): every
// request type with and without the legacy BARRIER bit, sectors past 2^53, readable parts from 0 to past the
// 64 KiB the decode copies, headers split over segments, and segments outside guest memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ArrayBufferBacking, BLK_REQUEST_TYPES, BLK_T_BARRIER, BLK_TYPE, type Chain, GuestMemory, openBlockBackend, type Segment, Trace, type VirtioDevice,
} from '../../engine';
import { decodeChainLayers } from '../../adapter/runtime/chain-decode';
import { blkConditionValues } from '../../adapter/runtime/kinds/blk-condition';
import { chainValues } from '../../adapter/runtime/chain-values';
import { ThreadTable } from '../../adapter/runtime/threads';

const RAM = 1 << 20;

async function blkDevice() {
  const mem = new GuestMemory([{ gpa: 0, size: RAM, backing: new ArrayBufferBacking(RAM), offset: 0 }]);
  const backend = await openBlockBackend({ memorySize: 1 << 20 });
  const device = BLK_TYPE.create({ id: 'blk0', mem, trace: new Trace(), inProcess: true }, { backend, queues: 1, queueSize: 8 });
  const threads = new ThreadTable();
  threads.add(device);
  return { mem, device, thread: threads.all()[0]! };
}

function chainOf(readable: Segment[], writable: Segment[] = [{ addr: 0xf0000, len: 1 }]): Chain {
  const sum = (s: Segment[]) => s.reduce((n, x) => n + x.len, 0);
  return { id: 0, head: 0, descriptors: [], readable, writable, readableBytes: sum(readable), writableBytes: sum(writable), ringSlots: readable.length + writable.length, position: 0 };
}

/** The values the Chain scope's decode gives (what conditions saw before the shortcut). */
function decodedValues(device: VirtioDevice, chain: Chain): Map<string, unknown> {
  return new Map(decodeChainLayers(device, device.queues[0]!, chain).flatMap((l) => Object.entries(l.values)));
}

test('blk condition values from the header equal the decoded values, or defer to the decode', async () => {
  const { mem, device } = await blkDevice();
  const rawTypes = [...BLK_REQUEST_TYPES.map((t) => t.value), 3, 6, 7, 9, 12, 99, 0xffff];
  const sectors = [0n, 1n, 2048n, 0xffff_ffffn, 0x1_0000_0000n, (1n << 53n) - 1n, 1n << 53n, (1n << 64n) - 1n];
  const lengths = [16, 17, 512, 4096 + 16, 65536, 65536 + 16, 1 << 19];
  let quick = 0;
  let deferred = 0;
  mem.write(0x1000, new Uint8Array(RAM - 0x2000).fill(0xa5));
  for (const raw of rawTypes) {
    for (const barrier of [false, true]) {
      for (const sector of sectors) {
        for (const len of lengths) {
          for (const split of [0, 5, 16]) {
            const type = barrier ? raw + BLK_T_BARRIER : raw;
            const hdr = new Uint8Array(16);
            const dv = new DataView(hdr.buffer);
            dv.setUint32(0, type, true);
            dv.setUint32(4, 0x5a5a5a5a, true);
            dv.setBigUint64(8, sector, true);
            mem.write(0x1000, hdr);
            // The readable part as one segment, or cut `split` bytes in (the header over two descriptors).
            const readable: Segment[] = split && split < len ? [{ addr: 0x1000, len: split }, { addr: 0x1000 + split, len: len - split }] : [{ addr: 0x1000, len }];
            const chain = chainOf(readable);
            const expected = decodedValues(device, chain);
            const got = blkConditionValues(mem, chain);
            if (got === undefined) {
              deferred++;
              continue;
            }
            quick++;
            assert.deepEqual(new Map([...got].sort()), new Map([...expected].sort()), `type ${type} sector ${sector} len ${len} split ${split}`);
          }
        }
      }
    }
  }
  // Reads, writes and flushes take the shortcut; segment types and unknown types are decoded.
  assert.ok(quick > 1000 && deferred > 100, `quick ${quick}, deferred ${deferred}`);
  for (const short of ['DISCARD', 'WRITE_ZEROES', 'SECURE_ERASE']) {
    const value = BLK_REQUEST_TYPES.find((t) => t.short === short)!.value;
    mem.write(0x1000, Uint8Array.of(value, 0, 0, 0));
    assert.equal(blkConditionValues(mem, chainOf([{ addr: 0x1000, len: 32 }])), undefined, short);
  }
});

test('blk condition values: short headers and unmapped buffers defer to the decode, whose values conditions see', async () => {
  const { mem, device, thread } = await blkDevice();
  mem.write(0x1000, Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0, 0, 0, 0, 0, 0));
  for (const readable of [[{ addr: 0x1000, len: 15 }], [{ addr: 0x1000, len: 8 }, { addr: RAM + 0x1000, len: 8 }], [{ addr: RAM - 8, len: 16 }], []]) {
    const chain = chainOf(readable);
    assert.equal(blkConditionValues(mem, chain), undefined, JSON.stringify(readable));
    const lookup = chainValues(thread, chain);
    const expected = decodedValues(device, chain);
    for (const name of ['req.type', 'req.sector', 'req.len', 'req.type_value', 'req.barrier']) assert.equal(lookup(name), expected.get(name), `${name} of ${JSON.stringify(readable)}`);
  }
  // A write of 1 MiB: the header alone is read, and the condition sees what the Chain scope shows.
  const chain = chainOf([{ addr: 0x1000, len: 16 }, { addr: 0x2000, len: 0x80000 }]);
  const lookup = chainValues(thread, chain);
  assert.equal(lookup('req.type'), 'OUT');
  assert.equal(lookup('req.sector'), 64);
  assert.equal(lookup('req.len'), decodedValues(device, chain).get('req.len'));
  assert.equal(lookup('chain.readable'), 16 + 0x80000);
});
