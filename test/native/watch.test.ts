// uv_poll_t watches through the addon: callbacks on readability, clean stop, one watch per fd, and a
// watch that lives on its own (no JS reference) until stopped.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { POLL_DISCONNECT, POLL_READABLE, type FdWatch } from '../../engine/transport/vhost-user/native';
import { native, settle, within } from './native-fixture';

const n = native();
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('watch (uv_poll_t)', () => {
  test('fires when a kick eventfd becomes readable, with the counter readable in the callback', async () => {
    const kick = n.eventfd();
    const seen: number[] = [];
    let w: FdWatch | undefined;
    try {
      const first = within<number>(2000, 'a kick', (done) => {
        w = n.watch(kick, (err, events) => {
          assert.equal(err, null);
          assert.ok(events & POLL_READABLE);
          const count = n.eventfdRead(kick);
          seen.push(count);
          done(count);
        });
      });
      await settle(); // nothing signalled yet: no callback
      assert.deepEqual(seen, []);
      n.eventfdWrite(kick, 2);
      assert.equal(await first, 2);
      assert.equal(w?.active, true);
      assert.equal(w?.fd, kick);
    } finally {
      w?.stop();
      n.close(kick);
    }
  });

  test('level-triggered: an undrained fd fires again; stop() ends it and is idempotent', async () => {
    const kick = n.eventfd();
    let calls = 0;
    const w = n.watch(kick, () => {
      calls++;
      if (calls === 3) w.stop(); // never read: readiness persists until stopped
    });
    n.eventfdWrite(kick);
    await settle(50);
    assert.equal(calls, 3);
    assert.equal(w.active, false);
    w.stop();
    n.eventfdWrite(kick);
    await settle(50);
    assert.equal(calls, 3, 'no callback after stop');
    assert.equal(n.eventfdRead(kick), 2);
    n.close(kick);
  });

  test('a stopped fd can be watched again', async () => {
    const kick = n.eventfd();
    const w1 = n.watch(kick, () => undefined);
    w1.stop();
    const fired = within<boolean>(2000, 'the second watch', (done) => {
      const w2 = n.watch(kick, () => {
        n.eventfdRead(kick);
        w2.stop();
        done(true);
      });
    });
    n.eventfdWrite(kick);
    assert.equal(await fired, true);
    n.close(kick);
  });

  test('an unreferenced watch object keeps firing until stopped (it is not garbage collected)', async () => {
    const kick = n.eventfd();
    let count = 0;
    const done = within<void>(3000, 'ten kicks', (finish) => {
      n.watch(kick, function (this: FdWatch) {
        count += n.eventfdRead(kick);
        if (count >= 10) {
          this.stop();
          finish();
        }
      });
    });
    for (let i = 0; i < 10; i++) {
      gc();
      n.eventfdWrite(kick);
      await settle(2);
    }
    await done;
    assert.equal(count, 10);
    n.close(kick);
  });

  test('a socket peer hanging up is reported, and the final read is EOF', async () => {
    const [a, b] = n.socketPair();
    const events = await within<number>(2000, 'hang-up', (done) => {
      const w = n.watch(b, (_err, ev) => {
        w.stop();
        done(ev);
      });
      n.close(a);
    });
    assert.ok(events & POLL_READABLE);
    assert.ok(events & POLL_DISCONNECT);
    assert.equal(n.recvMsg(b, 16)?.bytes.length, 0);
    n.close(b);
  });

  test('closing a watched fd through the addon stops its watch first', async () => {
    const kick = n.eventfd();
    let calls = 0;
    const w = n.watch(kick, () => {
      calls++;
    });
    n.close(kick);
    assert.equal(w.active, false);
    // A new fd likely reuses the number: it must not be polled by the old watch.
    const again = n.eventfd(1);
    await settle();
    assert.equal(calls, 0);
    n.close(again);
  });

  test('promises resolved in the callback run right after it (microtasks drain)', async () => {
    const kick = n.eventfd();
    const order: string[] = [];
    const done = within<void>(2000, 'the microtask', (finish) => {
      const w = n.watch(kick, () => {
        n.eventfdRead(kick);
        w.stop();
        order.push('callback');
        void Promise.resolve().then(() => {
          order.push('microtask');
          finish();
        });
      });
    });
    n.eventfdWrite(kick);
    await done;
    assert.deepEqual(order, ['callback', 'microtask']);
    n.close(kick);
  });

  test('worker threads with busy watches terminate cleanly (handles closed before their loop goes away)', () => {
    // In a child process: a crash here must fail this test, not take the test runner down.
    const worker = [
      'const n = require(process.env.VD_ADDON);',
      'const e = n.eventfd();',
      "new n.FdPoll(e, () => { n.eventfdRead(e); require('node:worker_threads').parentPort.postMessage(1); });",
      'setInterval(() => n.eventfdWrite(e, 1), 2);',
      'new n.FdPoll(n.eventfd(), () => {}).stop();',
    ].join('\n');
    const main = [
      "const { Worker } = require('node:worker_threads');",
      'let kicks = 0;',
      'const ws = [1, 2, 3].map(() => new Worker(process.env.VD_WORKER, { eval: true }).on("message", () => kicks++));',
      // Terminate once the watches are busy (worker start-up is slow on a loaded machine), or give up.
      'const started = Date.now();',
      'const poll = setInterval(async () => {',
      '  if (kicks < 3 && Date.now() - started < 15000) return;',
      '  clearInterval(poll);',
      '  for (const w of ws) await w.terminate();',
      '  console.log(kicks > 0 ? "terminated after kicks" : "no kicks");',
      '}, 50);',
    ].join('\n');
    const res = spawnSync(process.execPath, ['-e', main], {
      encoding: 'utf8',
      timeout: 20000,
      env: { ...process.env, VD_ADDON: n.path, VD_WORKER: worker },
    });
    assert.equal(res.signal, null, `child died by ${res.signal}: ${res.stderr}`);
    assert.equal(res.status, 0, res.stderr);
    assert.equal(res.stdout, 'terminated after kicks\n');
  });
});
