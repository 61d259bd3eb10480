// Fuzz: the vhost-user session's handlers. Sequences of random requests (known request numbers with random
// payloads and flags, unknown numbers, oversized ones) go into a real VhostUserSession in front of a blk and a
// net device; nothing throws out of it, no request is answered twice, and a request that has a reply body
// (GET_*) is always answered — the stream stays in step whatever the front end sends.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { VhostUserRequest as R } from '../../engine/transport/vhost-user/messages';
import { type VirtioDevice } from '../../engine/device-core/device';
import { GuestMemory } from '../../engine/memory';
import { Trace } from '../../engine/trace';
import { decodeHeader, encodeU64, encodeVringState, requestInfo } from '../../engine/transport/vhost-user/codec';
import { VhostUserSession } from '../../engine/transport/vhost-user/session';
import { blkDevice, netDevice } from '../engine/transport/vhost-user/harness';
import { native } from '../native/native-fixture';
import { fuzzAsync } from './support/fuzz';

const n = native();
const KNOWN = Object.values(R);

const payload = fc.oneof(
  fc.uint8Array({ maxLength: 80 }),
  fc.tuple(fc.nat({ max: 40 }), fc.nat({ max: 70000 })).map(([i, num]) => encodeVringState({ index: i, num })),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((v) => encodeU64(v)),
);
const message = fc.record({
  request: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...KNOWN) }, { weight: 1, arbitrary: fc.nat({ max: 200 }) }),
  flags: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(1, 1 | 8) }, { weight: 1, arbitrary: fc.nat({ max: 0xffff }) }),
  payload,
  oversized: fc.integer({ min: 0, max: 19 }).map((k) => k === 0),
});

interface Sent {
  request: number;
}

async function runSequence(device: VirtioDevice, msgs: { request: number; flags: number; payload: Uint8Array; oversized: boolean }[]): Promise<void> {
  const replies: Sent[] = [];
  const session = new VhostUserSession(device, n, { send: (data) => replies.push({ request: decodeHeader(data).request }) });
  for (const m of msgs) session.enqueue({ ...m, size: m.payload.length, fds: [], fdsTruncated: false, payload: m.oversized ? new Uint8Array(0) : m.payload });
  await session.idle();
  await session.shutdown();
  session.releaseMemory();
  await session.resetDevice();
  // Each request with a reply body is answered exactly once, in order.
  const withBody = msgs.filter((m) => {
    const info = requestInfo(m.request);
    return info !== undefined && info.reply !== 'ack';
  });
  const bodies = replies.filter((r) => {
    const info = requestInfo(r.request);
    return info !== undefined && info.reply !== 'ack';
  });
  assert.deepEqual(
    bodies.map((r) => r.request),
    withBody.map((m) => m.request),
  );
}

describe('fuzz: vhost-user session handlers', () => {
  const blk = blkDevice(new GuestMemory(), new Trace({ capacity: 0 }));
  const net = netDevice(new GuestMemory(), new Trace({ capacity: 0 })).device;

  for (const [name, device] of [
    ['blk', blk],
    ['net', net],
  ] as const) {
    test(`random request sequences to a ${name} session`, async (t) => {
      await fuzzAsync(t, 4000, fc.array(message, { minLength: 1, maxLength: 12 }), (s) => runSequence(device, s));
    });
  }
});
