// ByteBudget: the bytes of READs and WRITEs in flight on a queue stay under the limit (a single larger
// request still runs, alone), and waiting requests start in arrival order as bytes come back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteBudget } from '../../../../engine/devices/blk/budget';

test('in-flight bytes stay under the limit; an oversized request runs alone; waiters start in order', async () => {
  const b = new ByteBudget(100);
  const started: string[] = [];
  const take = (name: string, bytes: number) => {
    const w = b.acquire(bytes);
    if (!w) started.push(name);
    else void w.then(() => started.push(name));
  };
  take('a', 60);
  take('b', 40);
  take('c', 10); // 110 > 100: waits
  take('d', 1); // behind c, even though it would fit
  await Promise.resolve();
  assert.deepEqual(started, ['a', 'b']);
  assert.equal(b.inFlight, 100);
  b.release(60);
  await Promise.resolve();
  assert.deepEqual(started, ['a', 'b', 'c', 'd']);
  assert.equal(b.inFlight, 51);
  b.release(40);
  b.release(10);
  b.release(1);
  take('huge', 1000); // nothing in flight: a request larger than the budget may run, alone
  take('e', 1);
  await Promise.resolve();
  assert.deepEqual(started.slice(4), ['huge']);
  b.release(1000);
  await Promise.resolve();
  assert.deepEqual(started.slice(4), ['huge', 'e']);
});
