// The hostile-driver suite against `virtio-debug serve blk` (one process; a read-only one for the rules that
// need it): every scenario over a fresh front end, one after the other.
import { after, before, describe, test } from 'node:test';
import { BLK_LAID_SCENARIOS, BLK_SCENARIOS } from './blk-scenarios';
import { RING_SCENARIOS } from './ring-scenarios';
import { STATUS_SCENARIOS, qemuStyleStart } from './status-scenarios';
import { VHOST_USER_SCENARIOS } from './vhost-user-scenarios';
import assert from 'node:assert/strict';
import { encodeU64 } from '../../engine/transport/vhost-user/codec';
import { VhostUserRequest as R } from '../../engine/transport/vhost-user/messages';
import { until } from '../engine/transport/vhost-user/front-end';
import { HostileFront } from './support/front';
import { goodRequest, runScenario, nextFrontEndServed } from './support/scenario';
import { ServeProcess } from './support/serve-process';
import { checkedStop } from './support/suite';

const scenarios = [...BLK_SCENARIOS, ...BLK_LAID_SCENARIOS, ...STATUS_SCENARIOS, ...[...VHOST_USER_SCENARIOS, ...RING_SCENARIOS].filter((s) => s.device === 'blk')];

describe('hostile driver: serve blk', () => {
  let plain: ServeProcess;
  let readonly: ServeProcess;
  before(async () => {
    plain = await ServeProcess.start('blk');
    readonly = await ServeProcess.start('blk', ['--readonly']);
  });
  after(async () => {
    await checkedStop(plain);
    await checkedStop(readonly);
  });

  test('QEMU-style status summary (FEATURES_OK alone, then the rest at start): no violation', async () => {
    const mark = plain.mark();
    const f = await HostileFront.open(plain.socket, 'blk', { upTo: 'owner' });
    try {
      await qemuStyleStart(f);
      assert.equal(await goodRequest(f), true, 'the ring serves');
      // QEMU's stop: the ring stopped, then SET_STATUS 0.
      await f.stopRing(0);
      f.fe.send(R.SET_STATUS, encodeU64(0));
      assert.equal(await f.status(), 0, 'status 0 after the stop');
    } finally {
      f.close();
    }
    // The trace says once how the front end is judged; the good request came after every status write.
    const summary = (e: { type: string; message?: unknown }) => e.type === 'note' && /^vhost-user: front end reports a status summary of its own/.test(String(e.message));
    await until(() => plain.since(mark).some(summary), 'the trace note on the status style');
    await until(() => plain.since(mark).some((e) => e.type === 'transport' && e.name === 'GET_VRING_BASE'), 'the ring stop traced');
    assert.equal(plain.since(mark).filter(summary).length, 1, 'one note per connection');
    assert.deepEqual(plain.violationsSince(mark).map((v) => v.rule), [], 'QEMU\'s own status writes break no rule');
  });

  for (const s of scenarios) {
    test(`${s.rule}: ${s.name}`, async () => {
      const p = s.process === 'readonly' ? readonly : plain;
      await runScenario(p, s);
      await nextFrontEndServed(p);
    });
  }
});
