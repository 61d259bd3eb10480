// preadvNowait: one preadv2(RWF_NOWAIT) into several buffers — the bytes the page cache holds, 0 at the end
// of the file, typed errors for bad arguments and fds (the blk device's cached large reads rely on it).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { errorCode } from '../../engine/transport/vhost-user/native';
import { native } from './native-fixture';

const n = native();

describe('addon preadvNowait', () => {
  test('reads a just-written file into scattered buffers; 0 at the end; bad arguments and fds throw', () => {
    const read = n.preadvNowait;
    assert.ok(read, 'the addon exports preadvNowait (rebuild it: node native/build.mjs)');
    const dir = mkdtempSync(join(tmpdir(), 'vd-nowait-'));
    const path = join(dir, 'f');
    const data = randomBytes(300_000);
    writeFileSync(path, data);
    const fd = openSync(path, 'r');
    try {
      const bufs = [new Uint8Array(4096), new Uint8Array(200_000).subarray(7, 150_007), new Uint8Array(10)];
      const got = read(fd, bufs, 1000);
      assert.equal(got, 4096 + 150_000 + 10, 'all of it: the file is in the page cache');
      assert.deepEqual(Buffer.concat(bufs), data.subarray(1000, 1000 + got));
      // Short at the end of the file, then 0.
      assert.equal(read(fd, [new Uint8Array(8192)], data.length - 100), 100);
      assert.equal(read(fd, [new Uint8Array(8192)], data.length), 0);
      assert.equal(read(fd, [], 0), 0);
      assert.throws(() => read(fd, [new Uint16Array(4) as unknown as Uint8Array], 0), TypeError);
      assert.throws(() => read(fd, Array.from({ length: 1025 }, () => new Uint8Array(1)), 0), RangeError);
      assert.throws(() => read(fd, [new Uint8Array(1)], -1), RangeError);
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
    const bad = n.eventfd();
    n.close(bad);
    assert.throws(() => read(bad, [new Uint8Array(8)], 0), (e: unknown) => errorCode(e) === 'EBADF');
  });
});
