// The hostile-driver suite against `virtio-debug serve net` (one process, peer responder): every scenario over
// a fresh front end, one after the other.
import { after, before, describe, test } from 'node:test';
import { NET_SCENARIOS } from './net-scenarios';
import { RING_SCENARIOS } from './ring-scenarios';
import { VHOST_USER_SCENARIOS } from './vhost-user-scenarios';
import { runScenario, nextFrontEndServed } from './support/scenario';
import { ServeProcess } from './support/serve-process';
import { checkedStop } from './support/suite';

const scenarios = [...NET_SCENARIOS, ...[...RING_SCENARIOS, ...VHOST_USER_SCENARIOS].filter((s) => s.device === 'net')];

describe('hostile driver: serve net', () => {
  let p: ServeProcess;
  before(async () => {
    p = await ServeProcess.start('net');
  });
  after(() => checkedStop(p));

  for (const s of scenarios) {
    test(`${s.rule}: ${s.name}`, async () => {
      await runScenario(p, s);
      await nextFrontEndServed(p);
    });
  }
});
