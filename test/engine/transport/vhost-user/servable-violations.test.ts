// Violations by severity through vhost-user (as a guest's own driver would commit them): a servable one
// ('error': an indirect table used without VIRTIO_F_INDIRECT_DESC, as QEMU and qemu-storage-daemon serve it)
// is reported and the request is served, the ring goes on; with `strict` (serve --strict) the same request
// stops the queue and the device asks for a reset; a fatal one ('fatal': a zero-length buffer) always does.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { VhostUserRequest as R } from '../../../../engine/transport/vhost-user/messages';
import { STATUS } from '../../../../engine/device-core/bits';
import { encodeU64 } from '../../../../engine/transport/vhost-user/codec';
import { FrontRing, GuestRam, TestFrontEnd, blkRequest, native, until } from './front-end';
import { PROTOCOL_BIT, VERSION_1, blkDevice, pfBits, serve } from './harness';

const n = native();

async function start(strict: boolean, rule: 'split-indirect-not-negotiated' | 'split-desc-zero-length') {
  const s = serve((mem, trace) => {
    const d = blkDevice(mem, trace);
    d.strict = strict;
    return d;
  });
  const ram = new GuestRam(n);
  const fe = TestFrontEnd.connect(n, s.path);
  const ring = new FrontRing(n, ram, 0, 'split', 16);
  const offered = await fe.getU64(R.GET_PROTOCOL_FEATURES);
  fe.send(R.SET_PROTOCOL_FEATURES, encodeU64(offered & pfBits('REPLY_ACK', 'MQ', 'CONFIG')));
  fe.send(R.SET_OWNER);
  // VIRTIO_F_INDIRECT_DESC is not negotiated.
  fe.send(R.SET_FEATURES, encodeU64(VERSION_1 | PROTOCOL_BIT));
  const t = ram.memTable();
  assert.equal(await fe.acked(R.SET_MEM_TABLE, t.payload, t.fds), 0n);
  ring.setUp(fe, 'qemu');
  assert.equal(ring.ring.injectFault({ rule, atChain: 1 }), true);
  const close = async () => {
    fe.close();
    ring.close();
    await s.close();
    ram.close();
  };
  return { s, ram, ring, close };
}

async function writeThenRead(ram: GuestRam, ring: FrontRing, sector: number): Promise<void> {
  const data = randomBytes(4096);
  const w = blkRequest(ram, 'out', sector, data);
  await ring.submitWithin(w.buffers);
  assert.equal(ram.mem.readU8(w.statusAddr), 0, 'write status OK');
  const r = blkRequest(ram, 'in', sector, 4096);
  await ring.submitWithin(r.buffers);
  assert.equal(ram.mem.readU8(r.statusAddr), 0, 'read status OK');
  assert.deepEqual(Buffer.from(ram.mem.read(r.dataAddr, 4096)), data);
}

describe('vhost-user: violations by severity', () => {
  test('servable (error): an indirect table without VIRTIO_F_INDIRECT_DESC is reported, served, and the ring goes on', async () => {
    const { s, ram, ring, close } = await start(false, 'split-indirect-not-negotiated');
    try {
      // Chain 0 is a plain write, chain 1 (the read) comes in an indirect table.
      await writeThenRead(ram, ring, 8);
      const v = s.violations();
      assert.deepEqual(v.map((e) => [e.rule, e.severity, e.queueName]), [['split-indirect-not-negotiated', 'error', 'requestq1']]);
      assert.equal(typeof v[0]!.index, 'number');
      assert.equal(s.device.status & STATUS.DEVICE_NEEDS_RESET, 0);
      await writeThenRead(ram, ring, 16);
    } finally {
      await close();
    }
  });

  test('strict: the same request stops the queue and sets DEVICE_NEEDS_RESET', async () => {
    const { s, ram, ring, close } = await start(true, 'split-indirect-not-negotiated');
    try {
      const data = randomBytes(4096);
      await ring.submitWithin(blkRequest(ram, 'out', 8, data).buffers);
      const r = blkRequest(ram, 'in', 8, 4096);
      void ring.submit(r.buffers);
      await until(() => s.violations().length > 0, 'the violation', 10_000);
      assert.deepEqual(s.violations().map((e) => [e.rule, e.severity]), [['split-indirect-not-negotiated', 'error']]);
      await until(() => (s.device.status & STATUS.DEVICE_NEEDS_RESET) !== 0, 'NEEDS_RESET', 10_000);
      assert.equal(s.device.queues[0]!.vq?.broken, 'split-indirect-not-negotiated');
    } finally {
      await close();
    }
  });

  test('fatal: a zero-length buffer stops the queue without strict', async () => {
    const { s, ram, ring, close } = await start(false, 'split-desc-zero-length');
    try {
      await ring.submitWithin(blkRequest(ram, 'out', 8, randomBytes(4096)).buffers);
      void ring.submit(blkRequest(ram, 'in', 8, 4096).buffers);
      await until(() => (s.device.status & STATUS.DEVICE_NEEDS_RESET) !== 0, 'NEEDS_RESET', 10_000);
      assert.deepEqual(s.violations().map((e) => [e.rule, e.severity]), [['split-desc-zero-length', 'fatal']]);
    } finally {
      await close();
    }
  });
});
