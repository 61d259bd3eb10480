// Fuzz: the vhost-user message codec and the payload decoders. Random bytes never throw (a malformed payload
// is a Decoded error), and what the encoders write decodes back to the same value.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  decodeConfig, decodeHeader, decodeMemRegion, decodeMemTable, decodeU64, decodeVringAddr, decodeVringState,
  encodeMemTable, encodeMessage, encodeVringAddr, encodeVringState, requestName,
} from '../../engine/transport/vhost-user/codec';
import { decodeBlkRequest, decodeNetCtrl, decodePacket, summarize } from '../../engine/decode';
import { fuzz } from './support/fuzz';

const bytes = fc.uint8Array({ maxLength: 300 });
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

const DECODERS = [decodeU64, decodeVringState, decodeVringAddr, decodeMemTable, decodeMemRegion, decodeConfig];

describe('fuzz: vhost-user codec', () => {
  test('payload decoders on random bytes: a value or an error, never a throw', (t) => {
    fuzz(t, 250_000, fc.tuple(fc.nat({ max: DECODERS.length - 1 }), bytes), ([i, b]) => {
      const r = DECODERS[i]!(b);
      assert.equal(typeof r.ok, 'boolean');
      if (!r.ok) assert.ok(r.error.length > 0, 'an error says why');
    });
  });

  test('header decoding and request names on random bytes', (t) => {
    fuzz(t, 150_000, fc.uint8Array({ minLength: 12, maxLength: 12 }), (b) => {
      const h = decodeHeader(b);
      assert.ok(Number.isInteger(h.request) && Number.isInteger(h.flags) && Number.isInteger(h.size));
      assert.equal(typeof requestName(h.request), 'string');
    });
  });

  test('encode then decode: messages, vring state and address, memory tables', (t) => {
    const region = fc.record({ guestPhysAddr: u64, memorySize: u64, userspaceAddr: u64, mmapOffset: u64 }).map((r) => ({ ...r }));
    fuzz(
      t,
      100_000,
      fc.record({ req: u32, flags: u32, payload: fc.uint8Array({ maxLength: 64 }), index: u32, num: u32, addr: fc.tuple(u64, u64, u64, u64), regions: fc.array(region, { minLength: 1, maxLength: 8 }) }),
      (c) => {
        const m = encodeMessage(c.req, c.flags, c.payload);
        assert.deepEqual(decodeHeader(m), { request: c.req, flags: c.flags, size: c.payload.length });
        assert.deepEqual(decodeVringState(encodeVringState({ index: c.index, num: c.num })), { ok: true, value: { index: c.index, num: c.num } });
        const a = { index: c.index, flags: c.num, desc: c.addr[0], used: c.addr[1], avail: c.addr[2], log: c.addr[3] };
        assert.deepEqual(decodeVringAddr(encodeVringAddr(a)), { ok: true, value: a });
        assert.deepEqual(decodeMemTable(encodeMemTable(c.regions)), { ok: true, value: c.regions });
      },
    );
  });
});

describe('fuzz: payload decoders', () => {
  test('decodePacket, decodeBlkRequest, decodeNetCtrl never throw and summarize', (t) => {
    fuzz(t, 200_000, fc.tuple(fc.nat({ max: 2 }), bytes, fc.uint8Array({ maxLength: 40 }), fc.constantFrom(0, 10, 12, 20)), ([k, r, w, h]) => {
      if (k === 0) assert.equal(typeof summarize(decodePacket(r, { headerSize: h })), 'string');
      else if (k === 1) assert.equal(typeof decodeBlkRequest(r, w).protocol, 'string');
      else assert.equal(typeof decodeNetCtrl(r, w).protocol, 'string');
    });
  });
});
