// A front end that floods requests and closes without reading the replies (issue 12): the report its ring
// caused before is kept, the disconnect reason says what happened (not "EBADF"), and the next one is served.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { VhostUserRequest as R } from '../../engine/transport/vhost-user/messages';
import { until } from '../engine/transport/vhost-user/front-end';
import { HostileFront } from './support/front';
import { nextFrontEndServed } from './support/scenario';
import { ServeProcess } from './support/serve-process';
import { checkedStop } from './support/suite';

let p: ServeProcess;
before(async () => {
  p = await ServeProcess.start('blk');
});
after(() => checkedStop(p));

test('a front end that closes without reading its replies', async () => {
  const mark = p.mark();
  const f = await HostileFront.open(p.socket, 'blk');
  const h = Buffer.alloc(16);
  h.writeUInt32LE(0xff, 0);
  void f.submit(0, f.buffers([{ len: 16, write: false, bytes: h }, { len: 1, write: true }]));
  await p.violation('blk-type-unknown', mark);
  for (let i = 0; i < 20000; i++) {
    try {
      f.fe.send(R.GET_FEATURES);
    } catch {
      break; // the socket buffer is full: enough unread replies
    }
  }
  f.close();
  await until(() => /front end disconnected/.test(p.stdout.split('blk-type-unknown')[1] ?? ''), 'the disconnect', 10_000);
  const line = p.stdout.split('\n').filter((l) => l.includes('front end disconnected')).pop()!;
  assert.doesNotMatch(line, /EBADF/, line);
  assert.match(line, /reset the connection|closed the connection|disconnected/);
  assert.equal(p.violationsSince(mark).filter((v) => v.rule === 'blk-type-unknown').length, 1, 'the report is kept');
  await nextFrontEndServed(p);
});
