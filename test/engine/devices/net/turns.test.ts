// A transmit ring refilled faster than the device empties it (DPDK testpmd) is served one turn's worth at a
// time, so what a turn causes (the responder's replies for the receive ring) goes out before the next turn;
// kicks that arrive while a continuation is due add no turn of their own (issue 13, figure 4 io).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TURN_BUDGET } from '../../../../engine/device-core/queue-service';
import { DEVICE_MAC, frameTo, netRig, settle } from './harness';

const PEER = Uint8Array.of(0x02, 0, 0, 0, 0, 0x22);

test('a burst larger than one turn is served a turn at a time; kicks meanwhile add no turn; nothing is lost', async () => {
  const rig = await netRig({ queueSize: 256 });
  const burst = TURN_BUDGET * 3 + 5;
  const sent = rig.client.transmitMany(Array.from({ length: burst }, (_, i) => ({ frame: frameTo(PEER, 60, i, DEVICE_MAC) })));
  // The kick ran synchronously: one turn's worth went out, the rest waits for the next turns.
  assert.equal(rig.port.frames.length, TURN_BUDGET);
  const tx = rig.dev.queues[1]!;
  rig.dev.notify(tx.index); // a kick while the continuation is scheduled
  assert.equal(rig.port.frames.length, TURN_BUDGET, 'a kick while a continuation is due must not start a second turn');
  await settle(1);
  assert.equal(rig.port.frames.length, 2 * TURN_BUDGET);
  await Promise.all(sent);
  assert.equal(rig.port.frames.length, burst);
  rig.port.frames.forEach((f, i) => assert.equal(f[14], (14 * 31 + i * 7) & 0xff, `frame ${i} out of order`));
  // Only the kick made by hand above is named: EVENT_IDX did not ask for it.
  assert.deepEqual(rig.rules(), ['split-notify-suppressed']);
});
