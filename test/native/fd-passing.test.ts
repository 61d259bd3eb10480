// SCM_RIGHTS through the addon with real fds: a memfd and an eventfd cross a socket and the received fds
// refer to the same memory and the same counter.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { type RecvResult } from '../../engine/transport/vhost-user/native';
import { native, openFdCount, within } from './native-fixture';

const n = native();

function readAt(fd: number, pos: number, len: number): Buffer {
  const buf = Buffer.alloc(len);
  assert.equal(readSync(fd, buf, 0, len, pos), len);
  return buf;
}

describe('fd passing over AF_UNIX', () => {
  test('a memfd and an eventfd sent over a socketpair are the same memory and the same counter', () => {
    const [a, b] = n.socketPair();
    const mem = n.memfdCreate('guest-ram', 1 << 20);
    const kick = n.eventfd();
    try {
      const header = Buffer.from([5, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]); // SET_MEM_TABLE-like header
      assert.equal(n.sendMsg(a, header, [mem, kick]), header.length);
      const got = n.recvMsg(b, 12);
      assert.ok(got !== null);
      assert.deepEqual([...got.bytes], [...header]);
      assert.equal(got.fds.length, 2);
      assert.equal(got.truncated, false);
      const [mem2, kick2] = got.fds as [number, number];
      assert.notEqual(mem2, mem, 'the receiver gets new fd numbers');

      // Memory: write through one fd at a position, read it back through the other (both directions).
      writeSync(mem, Buffer.from('virtqueue'), 0, 9, 0x8_1234);
      assert.equal(readAt(mem2, 0x8_1234, 9).toString(), 'virtqueue');
      writeSync(mem2, Buffer.from([0xde, 0xad, 0xbe, 0xef]), 0, 4, (1 << 20) - 4);
      assert.deepEqual([...readAt(mem, (1 << 20) - 4, 4)], [0xde, 0xad, 0xbe, 0xef]);

      // Counter: writes on either fd add up; one read takes (and resets) the sum.
      assert.equal(n.eventfdWrite(kick, 3), true);
      assert.equal(n.eventfdWrite(kick2, 4), true);
      assert.equal(n.eventfdRead(kick2), 7);
      assert.equal(n.eventfdRead(kick), 0);
      for (const fd of got.fds) n.close(fd);
    } finally {
      for (const fd of [a, b, mem, kick]) n.close(fd);
    }
  });

  test('over a listening socket at a path: accept on readiness, receive the fds with the header', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vd-native-'));
    const path = join(dir, 'blk0.sock');
    const listener = n.socketListen(path);
    const mem = n.memfdCreate('region0', 4096);
    const call = n.eventfd();
    let server = -1;
    let client = -1;
    try {
      const accepted = within<number>(2000, 'a connection', (done) => {
        const w = n.watch(listener, () => {
          const fd = n.socketAccept(listener);
          if (fd === null) return;
          w.stop();
          done(fd);
        });
      });
      client = n.socketConnect(path);
      server = await accepted;

      const message = within<RecvResult>(2000, 'a message', (done) => {
        const w = n.watch(server, () => {
          const m = n.recvMsg(server, 12);
          if (m === null) return;
          w.stop();
          done(m);
        });
      });
      const header = Buffer.alloc(12);
      header.writeUInt32LE(13, 0); // SET_VRING_CALL
      header.writeUInt32LE(1, 4);
      header.writeUInt32LE(8, 8);
      const payload = Buffer.alloc(8); // u64 vring index 0
      assert.equal(n.sendMsg(client, Buffer.concat([header, payload]), [mem, call]), 20);
      const got = await message;
      assert.equal(got.bytes.readUInt32LE(0), 13);
      assert.equal(got.fds.length, 2);
      // The payload is still queued, without fds.
      const rest = n.recvMsg(server, 64);
      assert.ok(rest !== null);
      assert.equal(rest.bytes.length, 8);
      assert.deepEqual(rest.fds, []);

      const [mem2, call2] = got.fds as [number, number];
      writeSync(mem2, Buffer.from('used ring'), 0, 9, 100);
      assert.equal(readAt(mem, 100, 9).toString(), 'used ring');
      assert.equal(n.eventfdWrite(call2, 1), true); // the back end signals the front end
      assert.equal(n.eventfdRead(call), 1);
      n.close(mem2);
      n.close(call2);
    } finally {
      for (const fd of [server, client, listener, mem, call]) if (fd >= 0) n.close(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('eventfdRead(fd, true) on an O_NONBLOCK fd reads without polling: 0 when empty, the counter, 0 at end of file', () => {
    const ev = n.eventfd();
    const [a, b] = n.socketPair();
    try {
      assert.equal(n.eventfdRead(ev, true), 0, 'nothing signalled: EAGAIN is 0');
      assert.equal(n.eventfdWrite(ev, 2), true);
      assert.equal(n.eventfdWrite(ev, 3), true);
      assert.equal(n.eventfdRead(ev, true), 5);
      assert.equal(n.eventfdRead(ev, true), 0, 'the read reset the counter');
      // A kick fd whose writer went away (a socket or pipe at end of file): 0, as the polling read says.
      n.setNonBlocking(a, true);
      n.close(b);
      assert.equal(n.eventfdRead(a, true), 0);
      assert.throws(() => n.eventfdRead(ev, 'yes' as unknown as boolean), /nonBlocking must be a boolean/);
    } finally {
      n.close(ev);
      n.close(a);
    }
  });

  test('replies go the other way, fds included; received fds are close-on-exec', () => {
    const [a, b] = n.socketPair();
    const ev = n.eventfd(5);
    try {
      assert.equal(n.sendMsg(b, new Uint8Array([1, 2, 3]), [ev]), 3);
      const got = n.recvMsg(a, 100);
      assert.ok(got !== null);
      assert.deepEqual([...got.bytes], [1, 2, 3]);
      const [ev2] = got.fds as [number];
      assert.equal(n.eventfdRead(ev2), 5);
      // /proc/self/fdinfo shows the fd flags in octal; O_CLOEXEC is 02000000.
      const info = readFdInfo(ev2);
      assert.ok((info & 0o2000000) !== 0, `flags ${info.toString(8)} lack O_CLOEXEC`);
      n.close(ev2);
    } finally {
      for (const fd of [a, b, ev]) n.close(fd);
    }
  });

  test('more fds than maxFds: truncated is reported, the extra fds are not leaked', () => {
    const [a, b] = n.socketPair();
    const evs = [n.eventfd(), n.eventfd(), n.eventfd()];
    try {
      const before = openFdCount();
      assert.equal(n.sendMsg(a, Buffer.from('x'), evs), 1);
      const got = n.recvMsg(b, 1, 1);
      assert.ok(got !== null);
      assert.equal(got.truncated, true);
      assert.equal(got.fds.length, 1);
      n.close(got.fds[0] as number);
      assert.equal(openFdCount(), before);
    } finally {
      for (const fd of [a, b, ...evs]) n.close(fd);
    }
  });

  test('a message larger than maxBytes arrives in pieces, fds with the first', () => {
    const [a, b] = n.socketPair();
    const ev = n.eventfd();
    try {
      const data = Buffer.alloc(300, 0xab);
      assert.equal(n.sendMsg(a, data, [ev]), 300);
      const first = n.recvMsg(b, 12);
      const second = n.recvMsg(b, 1000);
      assert.ok(first !== null && second !== null);
      assert.equal(first.bytes.length, 12);
      assert.equal(first.fds.length, 1);
      assert.equal(second.bytes.length, 288);
      assert.deepEqual(second.fds, []);
      n.close(first.fds[0] as number);
    } finally {
      for (const fd of [a, b, ev]) n.close(fd);
    }
  });

  test('the peer closing shows as an empty read', () => {
    const [a, b] = n.socketPair();
    n.close(a);
    const got = n.recvMsg(b, 16);
    assert.ok(got !== null);
    assert.equal(got.bytes.length, 0);
    assert.deepEqual(got.fds, []);
    n.close(b);
  });

  test('socketPeer names the process on the other end; null for an fd that is not a socket', () => {
    const [a, b] = n.socketPair();
    try {
      assert.deepEqual(n.socketPeer(a), { pid: process.pid, uid: process.getuid?.(), gid: process.getgid?.() });
      const ev = n.eventfd();
      assert.equal(n.socketPeer(ev), null);
      n.close(ev);
    } finally {
      n.close(a);
      n.close(b);
    }
  });
});

function readFdInfo(fd: number): number {
  const m = /flags:\s+([0-7]+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
  assert.ok(m, 'fdinfo has flags');
  return parseInt(m[1] as string, 8);
}
