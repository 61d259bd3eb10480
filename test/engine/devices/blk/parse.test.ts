/**
 * parseBlkChain on hand-built chains: the request header read from one buffer (loads in place) and from a
 * header split over several buffers (copied) gives the same request and the same judgement, for sectors up
 * to 2^64 - 1; a header that ends in unmapped memory is a memory fault either way.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestMemory, ArrayBufferBacking, isMemoryFault } from '../../../../engine/memory';
import { parseBlkChain, type BlkRequestLimits } from '../../../../engine/devices/blk/request';
import { type Chain, type Segment } from '../../../../engine/queue/types';

const RAM = 1 << 16;
const HDR = 0x1000;
const DATA = 0x2000;
const STATUS = 0x3000;

function memory(size = RAM): GuestMemory {
  return new GuestMemory([{ gpa: 0, size, backing: new ArrayBufferBacking(size), offset: 0 }]);
}

function limits(capacity: bigint): BlkRequestLimits {
  return {
    capacity,
    negotiated: (short) => ['SEG_MAX', 'SIZE_MAX', 'FLUSH'].includes(short),
    readOnly: false,
    segMax: 126,
    sizeMax: 1 << 20,
    ranges: { DISCARD: { maxSectors: 0, maxSegments: 0 }, WRITE_ZEROES: { maxSectors: 0, maxSegments: 0 }, SECURE_ERASE: { maxSectors: 0, maxSegments: 0 } },
  };
}

function chain(readable: Segment[], writable: Segment[]): Chain {
  const sum = (s: Segment[]) => s.reduce((n, x) => n + x.len, 0);
  return { id: 0, head: 0, descriptors: [], readable, writable, readableBytes: sum(readable), writableBytes: sum(writable), ringSlots: 1, position: 0 };
}

function writeHeader(mem: GuestMemory, type: number, sector: bigint): void {
  mem.writeU32(HDR, type);
  mem.writeU32(HDR + 4, 0);
  mem.writeU64(HDR + 8, sector);
}

/** The header as one 16-byte buffer, or as 3 + 9 + 4 bytes (the copying path). */
const headers: Record<string, Segment[]> = {
  whole: [{ addr: HDR, len: 16 }],
  split: [
    { addr: HDR, len: 3 },
    { addr: HDR + 3, len: 9 },
    { addr: HDR + 12, len: 4 },
  ],
};

describe('parseBlkChain: the request header', () => {
  for (const [shape, header] of Object.entries(headers)) {
    test(`a READ's type and sector, sectors past 2^53 included (header ${shape})`, () => {
      const mem = memory();
      for (const sector of [0n, 7n, 0xffff_ffffn, 0x1_0000_0000n, (1n << 53n) - 8n, 1n << 53n, (1n << 64n) - 1n]) {
        writeHeader(mem, 0, sector);
        const p = parseBlkChain(mem, chain(header, [{ addr: DATA, len: 4096 }, { addr: STATUS, len: 1 }]), limits(1n << 64n));
        assert.equal(p.statusAddr, STATUS);
        if (sector + 8n <= 1n << 64n) {
          assert.equal(p.request?.sector, sector, `sector ${sector}`);
          assert.equal(p.request?.kind, 'IN');
          assert.deepEqual(p.request?.data, [{ addr: DATA, len: 4096 }]);
          assert.deepEqual(p.violations, []);
        } else {
          assert.equal(p.reject, 1);
          assert.deepEqual(
            p.violations.map((v) => v.message),
            [`IN of sectors ${sector}..${sector + 7n} beyond capacity ${1n << 64n}`],
          );
        }
      }
    });

    test(`a WRITE beyond the capacity is refused with the same message (header ${shape})`, () => {
      const mem = memory();
      const sector = (1n << 40n) + 3n;
      writeHeader(mem, 1, sector);
      const p = parseBlkChain(mem, chain([...header, { addr: DATA, len: 1024 }], [{ addr: STATUS, len: 1 }]), limits(1n << 40n));
      assert.equal(p.reject, 1);
      assert.deepEqual(p.violations, [{ rule: 'blk-sector-beyond-capacity', message: `OUT of sectors ${sector}..${sector + 1n} beyond capacity ${1n << 40n}` }]);
    });
  }

  test('a header that runs into unmapped memory is a memory fault, in one buffer or split', () => {
    const mem = memory(HDR + 12);
    for (const header of Object.values(headers)) {
      assert.throws(() => parseBlkChain(mem, chain(header, [{ addr: 0, len: 1 }]), limits(1n << 20n)), (e) => isMemoryFault(e));
    }
  });

  test('a data buffer after a 1-byte status is judged as before (status not last)', () => {
    const mem = memory();
    writeHeader(mem, 0, 0n);
    const p = parseBlkChain(mem, chain(headers.whole!, [{ addr: STATUS, len: 1 }, { addr: DATA, len: 4096 }]), limits(1n << 20n));
    assert.equal(p.statusAddr, DATA + 4095);
    assert.deepEqual(
      p.violations.map((v) => v.rule),
      ['blk-status-not-last'],
    );
  });
});
