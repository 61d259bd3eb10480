// The missing-kick detector: a pure function of what the queue reports and the clock the caller passes (no
// timers here); the vhost-user timer around it is exercised by the hostile suite (split/packed-notify-missing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KickStallDetector } from '../../../engine/queue/stall';
import { splitPair } from '../../support/split-harness';
import { packedPair } from '../../support/packed-harness';

const work = { at: 3, detail: 'avail.idx moved from 2 to 3 while used.flags asked for notifications' };

test('a stall is reported once, after the deadline, with the queue, the avail idx and the time waited', () => {
  const d = new KickStallDetector(1000, 'split', 'requestq1');
  assert.equal(d.check(work, 0), undefined, 'first seen: the clock starts');
  assert.equal(d.check(work, 999), undefined, 'before the deadline');
  const s = d.check(work, 1250);
  assert.ok(s);
  assert.equal(s.rule, 'split-notify-missing');
  assert.equal(s.index, 3);
  assert.match(s.message, /^requestq1: no notification 1250 ms after the driver made buffers available \(avail\.idx moved from 2 to 3/);
  assert.match(s.message, /deadline 1000 ms/);
  assert.match(s.message, /does not serve them/);
  assert.equal(d.check(work, 5000), undefined, 'once per stall');
  assert.equal(d.check({ ...work, at: 4 }, 6000), undefined, 'more work without a kick is the same stall');
});

test('a notification, or the work going away, ends the stall and restarts the clock', () => {
  const d = new KickStallDetector(100, 'split', 'q');
  d.check(work, 0);
  d.reset();
  assert.equal(d.check(work, 150), undefined, 'the clock restarted at the kick');
  assert.ok(d.check(work, 250));
  assert.equal(d.check(undefined, 300), undefined, 'the device took the work');
  assert.equal(d.check(work, 310), undefined);
  assert.ok(d.check(work, 410), 'a new stall is reported again');
});

test('packed: the rule is packed-notify-missing and the index the next descriptor slot', () => {
  const d = new KickStallDetector(10, 'packed', 'transmitq1');
  d.check({ at: 5 | 0x8000, detail: 'x' }, 0);
  const s = d.check({ at: 5 | 0x8000, detail: 'x' }, 10);
  assert.equal(s?.rule, 'packed-notify-missing');
  assert.equal(s?.index, 5);
});

test('split unnotified(): owed only when the suppression state asked for a notification, never reported by itself', () => {
  const p = splitPair({ size: 8 });
  p.driver.injectFault({ rule: 'split-notify-missing' });
  assert.equal(p.submitAndKick([p.buffer(4)]).kicked, false);
  assert.deepEqual(p.device.unnotified(), { at: 1, detail: 'avail.idx moved from 0 to 1 while used.flags asked for notifications' });
  assert.deepEqual(p.violations, []);
  p.device.setNotifications(false);
  assert.equal(p.submitAndKick([p.buffer(4)]).kicked, false);
  p.device.setNotifications(true);
  assert.equal(p.device.unnotified(), undefined, 'published while the device suppressed notifications: nothing owed');

  const e = splitPair({ size: 8, features: { eventIdx: true } });
  e.device.setNotifications(true);
  e.driver.injectFault({ rule: 'split-notify-missing' });
  e.submitAndKick([e.buffer(4)]);
  assert.match(e.device.unnotified()?.detail ?? '', /past avail_event 0/);
});

test('packed unnotified(): nothing while the device disabled notifications', () => {
  const p = packedPair({ size: 8 });
  p.device.setNotifications(false);
  p.submit([p.buffer(8)]);
  assert.equal(p.device.unnotified(), undefined);
});
