import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  type DecodedLayer, decodeArp, decodeBlkRequest, decodeEthernet, decodeIcmp, decodeIpv4, decodeIpv6, decodeNetCtrl, decodeNetHeader,
  decodePacket, decodeTcp, decodeUdp, summarize,
} from '../../../engine/decode';
import { ARP_REQUEST, ICMP6_ECHO, ICMP_ECHO_REQUEST, NEIGHBOR_SOLICITATION, TCP_SYN, UDP_DATAGRAM, VLAN_UDP } from './fixtures';

/** Every field lies inside [0, limit); values are primitives. */
function wellFormed(layers: readonly DecodedLayer[], limit: number): void {
  for (const l of layers) {
    const check = (fields: DecodedLayer['fields']): void => {
      for (const f of fields) {
        assert.ok(f.offset >= 0 && f.size >= 0 && f.offset + f.size <= limit, `${l.protocol}.${f.label} [${f.offset}+${f.size}] beyond ${limit}`);
        if (f.children) check(f.children);
      }
    };
    check(l.fields);
    for (const v of Object.values(l.values)) assert.ok(['string', 'number', 'boolean'].includes(typeof v));
  }
}

const bytes = fc.uint8Array({ maxLength: 200 });
const headerSize = fc.constantFrom(0, 10, 12, 20, 24, 32);
const ip4 = { version: 4 as const, src: Uint8Array.of(10, 0, 2, 15), dst: Uint8Array.of(10, 0, 2, 2), protocol: 17, complete: true };
const ip6 = { version: 6 as const, src: new Uint8Array(16), dst: new Uint8Array(16), protocol: 58, complete: true };

/** A valid fixture with a few bytes overwritten at random: reaches the deep layers that random bytes never do. */
const mutated = fc
  .tuple(fc.constantFrom(ARP_REQUEST, ICMP_ECHO_REQUEST, UDP_DATAGRAM, TCP_SYN, ICMP6_ECHO, NEIGHBOR_SOLICITATION, VLAN_UDP),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat())
  .map(([frame, edits, cut]) => {
    const b = Uint8Array.from(frame);
    for (const [i, v] of edits) b[i % b.length] = v;
    return b.subarray(0, b.length - (cut % 8));
  });

describe('decoders never throw', () => {
  test('decodePacket on random bytes', () => {
    fc.assert(fc.property(bytes, headerSize, (b, h) => {
      const layers = decodePacket(b, { headerSize: h });
      wellFormed(layers, b.length);
      assert.equal(typeof summarize(layers), 'string');
    }), { numRuns: 2000 });
  });

  test('decodePacket on mutated valid frames', () => {
    fc.assert(fc.property(mutated, (b) => {
      const layers = decodePacket(b);
      wellFormed(layers, b.length);
      assert.equal(typeof summarize(layers), 'string');
    }), { numRuns: 3000 });
  });

  test('every layer decoder at any offset', () => {
    fc.assert(fc.property(bytes, fc.nat({ max: 220 }), (b, at) => {
      const results = [
        decodeNetHeader(b, 12, at), decodeEthernet(b, at).layer, decodeArp(b, at).layer, decodeIpv4(b, at).layer, decodeIpv6(b, at).layer,
        decodeIcmp(b, at).layer, decodeIcmp(b, at, b.length, ip6).layer, decodeUdp(b, at, b.length, ip4).layer, decodeTcp(b, at, b.length, ip4).layer,
      ];
      wellFormed(results, b.length);
    }), { numRuns: 2000 });
  });

  test('blk requests and control commands', () => {
    fc.assert(fc.property(bytes, fc.uint8Array({ maxLength: 40 }), fc.boolean(), (r, w, completed) => {
      const blk = decodeBlkRequest(r, w, { completed });
      wellFormed([blk], r.length + w.length);
      const ctrl = decodeNetCtrl(r, w, { completed });
      wellFormed([ctrl], r.length + w.length);
      assert.equal(typeof summarize([blk]), 'string');
      assert.equal(typeof summarize([ctrl]), 'string');
    }), { numRuns: 2000 });
  });

  test('control commands with a valid class and command but random data', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 5 }), bytes, (c, m, data) => {
      const l = decodeNetCtrl(Uint8Array.from([c, m, ...data]));
      wellFormed([l], data.length + 2);
    }), { numRuns: 3000 });
  });

  test('blk requests with a valid type but random data', () => {
    fc.assert(fc.property(fc.constantFrom(0, 1, 4, 8, 10, 11, 13, 14, 15, 16), bytes, fc.uint8Array({ maxLength: 40 }), (t, data, w) => {
      const r = Uint8Array.from([t, 0, 0, 0, ...data]);
      wellFormed([decodeBlkRequest(r, w, { completed: true })], r.length + w.length);
    }), { numRuns: 2000 });
  });
});
