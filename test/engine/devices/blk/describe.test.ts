// The trace summary of a blk chain (describeBlkChain) is the decoder's summary of the request, whether it comes
// from the header alone (every type but the segment ones) or from the decoder: every request type with and
// without BARRIER, sectors past 2^53, readable and writable parts of many sizes (past the bytes the decoder's
// path copies), headers split over segments, and buffers outside guest memory (both paths throw).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBlkRequest, summarizeBlk } from '../../../../engine/decode';
import { describeBlkChain } from '../../../../engine/devices/blk/describe';
import { ArrayBufferBacking, GuestMemory } from '../../../../engine/memory';
import { readChain } from '../../../../engine/queue/chain-io';
import { type Chain, type Segment } from '../../../../engine/queue/types';
import { BLK_REQUEST_TYPES, BLK_T_BARRIER } from '../../../../engine/spec-tables';

const RAM = 1 << 20;

function chainOf(readable: Segment[], writable: Segment[]): Chain {
  const sum = (s: Segment[]) => s.reduce((n, x) => n + x.len, 0);
  return { id: 0, head: 0, descriptors: [], readable, writable, readableBytes: sum(readable), writableBytes: sum(writable), ringSlots: readable.length + writable.length, position: 0 };
}

/** The decoder's summary of the whole request before completion (what the trace printed before the header path). */
function decoded(mem: GuestMemory, chain: Chain): string {
  return summarizeBlk(decodeBlkRequest(readChain(mem, chain), new Uint8Array(chain.writableBytes), { completed: false }));
}

test('blk trace summaries from the header equal the decoder summaries', () => {
  const mem = new GuestMemory([{ gpa: 0, size: RAM, backing: new ArrayBufferBacking(RAM), offset: 0 }]);
  // Segment-shaped bytes after the header, so that the segment types have something to decode.
  const body = new Uint8Array(RAM - 0x2000);
  const dv = new DataView(body.buffer);
  for (let o = 0; o + 16 <= body.length; o += 16) {
    dv.setBigUint64(o, BigInt(o * 3), true);
    dv.setUint32(o + 8, 8, true);
    dv.setUint32(o + 12, o & 16 ? 1 : 0, true);
  }
  mem.write(0x1000, body);
  const rawTypes = [...BLK_REQUEST_TYPES.map((t) => t.value), 6, 99];
  const sectors = [0n, 2048n, 0xffff_ffffn, (1n << 53n) - 1n, 1n << 53n, (1n << 64n) - 1n];
  const readables = [16, 17, 32, 48, 512 + 16, 4096 + 16, 65536 + 16];
  const writables = [[], [1], [513], [4097], [4096, 1]];
  let n = 0;
  for (const raw of rawTypes) {
    for (const barrier of [false, true]) {
      for (const sector of sectors) {
        for (const len of readables) {
          for (const wlens of writables) {
            for (const split of [0, 7]) {
              const hdr = new Uint8Array(16);
              const h = new DataView(hdr.buffer);
              h.setUint32(0, barrier ? raw + BLK_T_BARRIER : raw, true);
              h.setBigUint64(8, sector, true);
              mem.write(0x1000, hdr);
              const readable: Segment[] = split && split < len ? [{ addr: 0x1000, len: split }, { addr: 0x1000 + split, len: len - split }] : [{ addr: 0x1000, len }];
              let w = 0xe0000;
              const writable = wlens.map((l) => ({ addr: (w += 0x2000), len: l }));
              const chain = chainOf(readable, writable);
              assert.equal(describeBlkChain(mem, chain), decoded(mem, chain), `type ${raw}${barrier ? '|BARRIER' : ''} sector ${sector} readable ${len} writable ${wlens} split ${split}`);
              n++;
            }
          }
        }
      }
    }
  }
  assert.ok(n > 10_000);
});

test('blk trace summaries of chains cut short or outside guest memory are the decoder path', () => {
  const mem = new GuestMemory([{ gpa: 0, size: RAM, backing: new ArrayBufferBacking(RAM), offset: 0 }]);
  mem.write(0x1000, Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0, 0, 0, 0, 0, 0));
  // A header of 15 bytes: the decoder reports the truncation.
  assert.equal(describeBlkChain(mem, chainOf([{ addr: 0x1000, len: 15 }], [{ addr: 0x9000, len: 1 }])), decoded(mem, chainOf([{ addr: 0x1000, len: 15 }], [{ addr: 0x9000, len: 1 }])));
  assert.match(describeBlkChain(mem, chainOf([{ addr: 0x1000, len: 15 }], [])), /truncated/);
  // Data outside guest memory within the bytes the decoder's path reads: it throws, as before.
  assert.throws(() => describeBlkChain(mem, chainOf([{ addr: 0x1000, len: 16 }, { addr: RAM + 0x1000, len: 512 }], [{ addr: 0x9000, len: 1 }])), /not in guest memory/);
  // Past those bytes nothing is read: the header is enough.
  assert.equal(describeBlkChain(mem, chainOf([{ addr: 0x1000, len: 16 }, { addr: 0x2000, len: 1024 }, { addr: RAM + 0x1000, len: 512 }], [{ addr: 0x9000, len: 1 }])), 'OUT sector 64 len 1536');
});
