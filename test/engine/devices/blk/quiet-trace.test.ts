/**
 * A trace nobody reads per chain (`serve` without --trace: Trace.active false) gets no per-request events — no
 * notify, chain, used or interrupt — while violations and notes still reach its listeners and requests work.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBackend } from '../../../../engine/devices/blk/memory-backend';
import { type TraceEvent } from '../../../../protocol/trace';
import { S, blkMachine, pattern } from './harness';

test('an inactive trace: no per-request events, violations still reported', async () => {
  const backend = new MemoryBackend({ size: 1 << 20 });
  const m = blkMachine({ backend });
  const seen: TraceEvent[] = [];
  m.trace.on((e) => seen.push(e));
  Object.defineProperty(m.trace, 'active', { get: () => false });
  const data = pattern(4096, 3);
  assert.equal((await m.client.write(0, 8, data)).status, S.OK);
  const r = await m.client.read(0, 8, 8);
  assert.equal(r.status, S.OK);
  assert.deepEqual(r.data, data);
  const beyond = await m.client.read(0, (1 << 20) / 512, 1);
  assert.equal(beyond.status, S.IOERR);
  const types = new Set(seen.map((e) => e.type));
  for (const t of ['notify', 'chain', 'used', 'interrupt']) assert.ok(!types.has(t as TraceEvent['type']), `no ${t} events`);
  assert.deepEqual(m.rules(), ['blk-sector-beyond-capacity']);
  assert.ok(seen.some((e) => e.type === 'violation'), 'the violation reached the listener');
});
