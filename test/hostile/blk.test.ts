// The hostile-driver suite against `virtio-debug serve blk` (one process; a read-only one for the rules that
// need it): every scenario over a fresh front end, one after the other.
import { after, before, describe, test } from 'node:test';
import { BLK_LAID_SCENARIOS, BLK_SCENARIOS } from './blk-scenarios';
import { RING_SCENARIOS } from './ring-scenarios';
import { VHOST_USER_SCENARIOS } from './vhost-user-scenarios';
import { runScenario, nextFrontEndServed } from './support/scenario';
import { ServeProcess } from './support/serve-process';
import { checkedStop } from './support/suite';

const scenarios = [...BLK_SCENARIOS, ...BLK_LAID_SCENARIOS, ...[...VHOST_USER_SCENARIOS, ...RING_SCENARIOS].filter((s) => s.device === 'blk')];

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

  for (const s of scenarios) {
    test(`${s.rule}: ${s.name}`, async () => {
      const p = s.process === 'readonly' ? readonly : plain;
      await runScenario(p, s);
      await nextFrontEndServed(p);
    });
  }
});
