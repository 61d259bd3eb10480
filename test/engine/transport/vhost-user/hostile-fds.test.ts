// File descriptors a hostile or broken front end passes, and a front end that never speaks: none of them may
// wedge the back end (it runs on Node's one thread), spin it, or keep the next front end waiting.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { VhostUserRequest as R } from '../../../../engine/transport/vhost-user/messages';
import { encodeU64, encodeVringState } from '../../../../engine/transport/vhost-user/codec';
import { FrontRing, GuestRam, TestFrontEnd, blkRequest, native, until } from './front-end';
import { PROTOCOL_BIT, VERSION_1, blkDevice, pfBits, serve } from './harness';

const n = native();

async function negotiate(fe: TestFrontEnd, ram: GuestRam): Promise<void> {
  const offered = await fe.getU64(R.GET_PROTOCOL_FEATURES);
  fe.send(R.SET_PROTOCOL_FEATURES, encodeU64(offered & pfBits('REPLY_ACK', 'MQ', 'CONFIG')));
  fe.send(R.SET_OWNER);
  fe.send(R.SET_FEATURES, encodeU64(VERSION_1 | PROTOCOL_BIT));
  const t = ram.memTable();
  assert.equal(await fe.acked(R.SET_MEM_TABLE, t.payload, t.fds), 0n);
}

const notes = (events: { type: string; message?: string }[]) => events.filter((e) => e.type === 'note').map((e) => e.message ?? '');

describe('vhost-user: hostile file descriptors and idle clients', () => {
  test('a front end that connects and never speaks is dropped; the next one is served', async () => {
    const s = serve((mem, trace) => blkDevice(mem, trace), { handshakeTimeoutMs: 300 });
    const idle = n.socketConnect(s.path);
    try {
      // Queued behind the idle client until it is dropped.
      const fe = TestFrontEnd.connect(n, s.path);
      try {
        assert.ok((await fe.getU64(R.GET_FEATURES)) & VERSION_1, 'the second front end gets an answer');
        // The note names the silent peer's process (SO_PEERCRED): here the test process itself.
        const who = `connection 1, pid ${process.pid} \\(\\S+\\), uid ${process.getuid?.()}`;
        assert.match(s.disconnects[0] ?? '', new RegExp(`${who} sent no message within 0\\.3 s`));
        assert.ok(notes(s.events).some((m) => new RegExp(`front end disconnected: ${who} sent no message`).test(m)));
      } finally {
        fe.close();
      }
    } finally {
      n.close(idle);
      await s.close();
    }
  });

  test('a call fd that is a blocking eventfd at its maximum count: a note, the back end keeps serving', async () => {
    const s = serve((mem, trace) => blkDevice(mem, trace));
    const ram = new GuestRam(n);
    const fe = TestFrontEnd.connect(n, s.path);
    const ring = new FrontRing(n, ram, 0, 'split', 16);
    const full = n.eventfd();
    try {
      await negotiate(fe, ram);
      // 2^64 - 2 is an eventfd's maximum: one more write blocks (a blocking fd) or fails with EAGAIN.
      n.setNonBlocking(full, false);
      writeSync(full, Buffer.from([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
      ring.setUp(fe, 'qemu');
      assert.equal(await fe.acked(R.SET_VRING_CALL, encodeU64(0), [full]), 0n, 'the call fd is in place before the kick');
      const r = blkRequest(ram, 'in', 0, 4096);
      ring.ring.add(r.buffers);
      ring.ring.publish();
      n.eventfdWrite(ring.kick, 1);
      // Before the fix the write blocked this very thread for good and nothing below ran.
      await until(() => notes(s.events).some((m) => /call fd \d+ is full/.test(m)), `the note (notes: ${notes(s.events).join(' / ')})`, 10_000);
      await until(() => ram.mem.readU8(r.statusAddr) === 0 && ring.ring.harvest().length === 1, 'the request completed', 10_000);
      assert.ok(await fe.getU64(R.GET_FEATURES), 'the session still answers');
    } finally {
      fe.close();
      ring.close();
      await s.close();
      ram.close();
      try {
        closeSync(full);
      } catch {
        // the back end's copy is its own; ours may already be closed
      }
    }
  });

  test('a kick fd that is a hung-up pipe: a note and a stopped ring, no busy loop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vd-fifo-'));
    const fifo = join(dir, 'kick');
    execFileSync('mkfifo', [fifo]);
    const readEnd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    closeSync(openSync(fifo, constants.O_WRONLY)); // the writer goes away: the read end is hung up
    const s = serve((mem, trace) => blkDevice(mem, trace));
    const ram = new GuestRam(n);
    const fe = TestFrontEnd.connect(n, s.path);
    const ring = new FrontRing(n, ram, 0, 'split', 16);
    try {
      await negotiate(fe, ram);
      fe.send(R.SET_VRING_NUM, encodeVringState({ index: 0, num: 16 }));
      fe.send(R.SET_VRING_BASE, encodeVringState({ index: 0, num: 0 }));
      ring.setUp(fe, 'qemu', { enable: false });
      fe.send(R.SET_VRING_KICK, encodeU64(0), { fds: [readEnd] });
      fe.send(R.SET_VRING_ENABLE, encodeVringState({ index: 0, num: 1 }));
      await until(() => notes(s.events).some((m) => /kick fd \d+ hung up/.test(m)), 'the hang-up note', 10_000);
      assert.equal(s.device.queues[0]!.vq, undefined, 'the ring is stopped');
      assert.equal(notes(s.events).filter((m) => /hung up/.test(m)).length, 1, 'reported once');
      assert.ok(await fe.getU64(R.GET_FEATURES), 'the session still answers');
    } finally {
      fe.close();
      ring.close();
      await s.close();
      ram.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
