// The hostile-driver suite against `virtio-debug serve rng` (one process, a fixed seed): every scenario over a
// fresh front end, one after the other.
import { after, before, describe, test } from 'node:test';
import { RNG_SCENARIOS } from './rng-scenarios';
import { runScenario, nextFrontEndServed } from './support/scenario';
import { ServeProcess } from './support/serve-process';
import { checkedStop } from './support/suite';

describe('hostile driver: serve rng', () => {
  let p: ServeProcess;
  before(async () => {
    p = await ServeProcess.start('rng');
  });
  after(() => checkedStop(p));

  for (const s of RNG_SCENARIOS) {
    test(`${s.rule}: ${s.name}`, async () => {
      await runScenario(p, s);
      await nextFrontEndServed(p);
    });
  }
});
