// Failure paths of the addon: clear, typed errors (code, errno, syscall) or "would block" results — never a
// crashed process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { errorCode, type NativeError } from '../../engine/transport/vhost-user/native';
import { native, openFdCount } from './native-fixture';

const n = native();

/** Asserts `fn` throws a system error with `code`, naming the syscall in its message. */
function throwsErrno(fn: () => unknown, code: string, syscall: string): void {
  assert.throws(fn, (e: unknown) => {
    const err = e as NativeError;
    assert.equal(errorCode(e), code);
    assert.equal(err.syscall, syscall);
    assert.equal(typeof err.errno, 'number');
    assert.ok(err.errno < 0);
    assert.match(err.message, new RegExp(`^${syscall} failed: .+ \\(${code}\\)`));
    return true;
  });
}

/** An fd number that is certainly closed right now. */
function closedFd(): number {
  const fd = n.eventfd();
  n.close(fd);
  return fd;
}

describe('addon errors', () => {
  test('closed fds give EBADF from every call that takes one', () => {
    const bad = closedFd();
    throwsErrno(() => n.recvMsg(bad, 12), 'EBADF', 'recvmsg');
    throwsErrno(() => n.sendMsg(bad, Buffer.from('x')), 'EBADF', 'sendmsg');
    throwsErrno(() => n.socketAccept(bad), 'EBADF', 'accept');
    throwsErrno(() => n.eventfdRead(bad), 'EBADF', 'eventfd read');
    throwsErrno(() => n.eventfdWrite(bad), 'EBADF', 'eventfd write');
    throwsErrno(() => n.setNonBlocking(bad), 'EBADF', 'fcntl');
    throwsErrno(() => n.close(bad), 'EBADF', 'close');
    throwsErrno(() => n.watch(bad, () => undefined), 'EBADF', 'poll');
  });

  test('nothing to read or accept is a result, not an error', () => {
    const [a, b] = n.socketPair();
    const ev = n.eventfd();
    const dir = mkdtempSync(join(tmpdir(), 'vd-native-'));
    const listener = n.socketListen(join(dir, 's'));
    try {
      assert.equal(n.recvMsg(a, 12), null);
      assert.equal(n.eventfdRead(ev), 0);
      assert.equal(n.socketAccept(listener), null);
    } finally {
      for (const fd of [a, b, ev, listener]) n.close(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a full socket buffer makes sendMsg return null (EAGAIN), not block', () => {
    const [a, b] = n.socketPair();
    try {
      const chunk = Buffer.alloc(65536);
      let sent = 0;
      let result: number | null = 0;
      for (let i = 0; i < 10000 && result !== null; i++) {
        result = n.sendMsg(a, chunk);
        if (result !== null) sent += result;
      }
      assert.equal(result, null);
      assert.ok(sent > 0);
    } finally {
      n.close(a);
      n.close(b);
    }
  });

  test('an eventfd counter that would overflow makes eventfdWrite return false', () => {
    const ev = n.eventfd();
    try {
      let ok = true;
      let writes = 0;
      // The counter holds at most 2^64 - 2; each write adds 2^53 - 1, so about 2048 writes fill it.
      while (ok && writes < 5000) {
        ok = n.eventfdWrite(ev, Number.MAX_SAFE_INTEGER);
        writes++;
      }
      assert.equal(ok, false);
      assert.ok(writes > 2000 && writes < 2100, `${writes} writes`);
    } finally {
      n.close(ev);
    }
  });

  test('socket paths: in use, too long, missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vd-native-'));
    const path = join(dir, 'in-use.sock');
    const listener = n.socketListen(path);
    try {
      throwsErrno(() => n.socketListen(path), 'EADDRINUSE', 'bind');
      throwsErrno(() => n.socketListen(join(dir, 'x'.repeat(120))), 'ENAMETOOLONG', 'socket path');
      throwsErrno(() => n.socketConnect(join(dir, 'nobody-listens')), 'ENOENT', 'connect');
      assert.throws(() => n.socketListen(path), /in-use\.sock/, 'the message names the path');
    } finally {
      n.close(listener);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('watching: a second watch on one fd is EEXIST, a regular file is EPERM', () => {
    const ev = n.eventfd();
    const dir = mkdtempSync(join(tmpdir(), 'vd-native-'));
    writeFileSync(join(dir, 'f'), 'x');
    const file = openSync(join(dir, 'f'), 'r');
    const w = n.watch(ev, () => undefined);
    try {
      throwsErrno(() => n.watch(ev, () => undefined), 'EEXIST', 'poll');
      throwsErrno(() => n.watch(file, () => undefined), 'EPERM', 'poll');
    } finally {
      w.stop();
      n.close(ev);
      closeSync(file);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('sending a closed fd fails with EBADF and sends nothing', () => {
    const [a, b] = n.socketPair();
    try {
      throwsErrno(() => n.sendMsg(a, Buffer.from('hdr'), [closedFd()]), 'EBADF', 'sendmsg');
      assert.equal(n.recvMsg(b, 16), null);
    } finally {
      n.close(a);
      n.close(b);
    }
  });

  test('bad arguments are TypeError/RangeError before any system call', () => {
    const raw = n as unknown as Record<string, (...args: unknown[]) => unknown>;
    assert.throws(() => raw.recvMsg?.(-1, 12), RangeError);
    assert.throws(() => raw.recvMsg?.('3', 12), TypeError);
    assert.throws(() => raw.recvMsg?.(0, 0), RangeError);
    assert.throws(() => raw.recvMsg?.(0, 12, 1000), RangeError);
    assert.throws(() => raw.sendMsg?.(0, 'text'), TypeError);
    assert.throws(() => raw.sendMsg?.(0, Buffer.from('x'), [1.5]), RangeError);
    assert.throws(() => raw.sendMsg?.(0, Buffer.alloc(0)), RangeError);
    assert.throws(() => raw.eventfdWrite?.(0, 0), RangeError);
    assert.throws(() => raw.memfdCreate?.('m', -1), RangeError);
    assert.throws(() => raw.watch?.(0, 'not a function'), TypeError);
    assert.throws(() => raw.socketListen?.(42), TypeError);
  });

  test('fds are not leaked by the failure paths', () => {
    const before = openFdCount();
    const dir = mkdtempSync(join(tmpdir(), 'vd-native-'));
    for (let i = 0; i < 50; i++) {
      assert.throws(() => n.socketConnect(join(dir, 'none')));
      assert.throws(() => n.socketListen(join(dir, 'missing-dir', 's')));
    }
    rmSync(dir, { recursive: true, force: true });
    assert.equal(openFdCount(), before);
  });

  test('an exception thrown by a watch callback reaches uncaughtException; the process lives on', () => {
    // In a child process: the test runner would (rightly) fail this test on an uncaught exception.
    const script = `
      const n = require(${JSON.stringify(n.path)});
      const ev = n.eventfd();
      let calls = 0;
      process.on('uncaughtException', (e) => {
        console.log('caught', e.message);
        if (calls === 2) { w.stop(); n.close(ev); console.log('alive'); }
      });
      const w = new n.FdPoll(ev, () => { calls++; throw new Error('boom ' + calls); });
      n.eventfdWrite(ev, 1);
    `;
    const res = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10000 });
    assert.equal(res.status, 0, res.stderr);
    assert.equal(res.stdout, 'caught boom 1\ncaught boom 2\nalive\n');
  });
});
