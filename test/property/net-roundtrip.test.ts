/**
 * Property: random frames (14..MTU+14 bytes, random header offload fields within what was negotiated)
 * survive transmit → wire → receive byte for byte through a loopback cable, over both ring layouts, with
 * and without mergeable receive buffers of random sizes. A frame sent with NEEDS_CSUM comes back with the
 * checksum the spec defines (ones' complement sum from csum_start to the end, stored at csum_start +
 * csum_offset), recomputed here independently; every other byte is unchanged. No violation is reported.
 *
 * Runs: NET_PROPERTY_RUNS (default 250) machines, each sending up to 12 frames.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEVICE_MAC, netRig, until } from '../engine/devices/net/harness';

const RUNS = Math.max(1, Number(process.env.NET_PROPERTY_RUNS ?? 250));
const MTU = 1500;

interface FrameCase {
  bytes: Uint8Array;
  /** NEEDS_CSUM with these offsets (fractions of the room left), when CSUM is negotiated. */
  partial: { start: number; offset: number } | undefined;
  hdrLen: number;
}

const frameArb: fc.Arbitrary<FrameCase> = fc.record({
  bytes: fc.integer({ min: 14, max: MTU + 14 }).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
  partial: fc.option(fc.record({ start: fc.double({ min: 0, max: 1, noNaN: true }), offset: fc.double({ min: 0, max: 1, noNaN: true }) }), { nil: undefined }),
  hdrLen: fc.integer({ min: 0, max: 200 }),
});

const configArb = fc.record({
  layout: fc.constantFrom('split' as const, 'packed' as const),
  mergeable: fc.boolean(),
  csum: fc.boolean(),
  rxBufferSize: fc.integer({ min: 64, max: 2048 }),
  frames: fc.array(frameArb, { minLength: 1, maxLength: 12 }),
});

/** RFC 1071 checksum of bytes [start, end), written out plainly (independent of the engine's helper). */
function expectedChecksum(b: Uint8Array, start: number): number {
  let sum = 0;
  for (let i = start; i < b.length; i += 2) sum += (b[i]! << 8) | (i + 1 < b.length ? b[i + 1]! : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const c = ~sum & 0xffff;
  return c === 0 ? 0xffff : c;
}

test('random frames survive transmit → loopback → receive byte for byte', async () => {
  await fc.assert(
    fc.asyncProperty(configArb, async (cfg) => {
      const r = await netRig({
        layout: cfg.layout,
        without: [...(cfg.mergeable ? [] : (['MRG_RXBUF'] as const)), ...(cfg.csum ? [] : (['CSUM', 'HOST_TSO4', 'HOST_TSO6', 'HOST_ECN', 'HOST_UFO', 'HOST_USO'] as const))],
        client: { rxBuffers: 48, ...(cfg.mergeable ? { rxBufferSize: cfg.rxBufferSize } : {}) },
      });
      r.port.loopback = true;
      // Random destination MACs and VLAN tags must not be filtered away.
      assert.equal(await r.client.commandByName('RX', 'PROMISC', [1]), 0);
      const expected: Uint8Array[] = [];
      for (const f of cfg.frames) {
        const frame = Uint8Array.from(f.bytes);
        frame.set(DEVICE_MAC, 0);
        const want = Uint8Array.from(frame);
        let hdr = { hdrLen: f.hdrLen };
        if (cfg.csum && f.partial && frame.length >= 2) {
          const start = Math.floor(f.partial.start * (frame.length - 2));
          const offset = Math.floor(f.partial.offset * (frame.length - 2 - start));
          hdr = { ...hdr, ...{ flags: 1, csumStart: start, csumOffset: offset } };
          const c = expectedChecksum(frame, start);
          want[start + offset] = c >> 8;
          want[start + offset + 1] = c & 0xff;
        }
        expected.push(want);
        await r.client.transmit(frame, hdr);
      }
      assert.ok(await until(() => r.client.receivedCount === expected.length, 2000), `received ${r.client.receivedCount}/${expected.length}`);
      r.client.received.forEach((p, i) => assert.deepEqual(p.frame, expected[i], `frame ${i}`));
      if (cfg.mergeable) {
        for (const p of r.client.received) assert.equal(p.numBuffers, Math.max(1, Math.ceil((12 + p.frame.length) / cfg.rxBufferSize)));
      }
      assert.deepEqual(r.rules(), []);
      r.client.stop();
    }),
    { numRuns: RUNS },
  );
});

test('hostile transmit headers never break the device: every buffer comes back, nothing throws', async () => {
  const u16 = fc.integer({ min: 0, max: 0xffff });
  const hdrArb = fc.record({ flags: fc.integer({ min: 0, max: 255 }), gsoType: fc.integer({ min: 0, max: 255 }), hdrLen: u16, gsoSize: u16, csumStart: u16, csumOffset: u16, numBuffers: u16 });
  const caseArb = fc.record({ layout: fc.constantFrom('split' as const, 'packed' as const), sends: fc.array(fc.tuple(hdrArb, fc.integer({ min: 0, max: 3000 })), { minLength: 1, maxLength: 8 }) });
  await fc.assert(
    fc.asyncProperty(caseArb, async (c) => {
      const r = await netRig({ layout: c.layout });
      r.port.loopback = true;
      for (const [hdr, size] of c.sends) {
        const frame = Uint8Array.from({ length: size }, (_, i) => (i * 7) & 0xff);
        const used = await r.client.transmit(frame, hdr);
        assert.equal(used.len, 0);
      }
      assert.deepEqual(r.events.filter((e) => e.type === 'note' && /error|failed/.test(e.message)), []);
      assert.equal(r.dev.status & 64, 0, 'no DEVICE_NEEDS_RESET');
      r.client.stop();
    }),
    { numRuns: Math.max(1, Math.round(RUNS / 5)) },
  );
});
