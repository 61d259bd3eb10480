// The driver's feature acceptance over vhost-user arrives with SET_FEATURES (there is no FEATURES_OK register):
// it is judged as at FEATURES_OK in process, and a refusal shows in GET_STATUS (FEATURES_OK cleared).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { VhostUserRequest as R } from '../../../../engine/transport/vhost-user/messages';
import { encodeU64 } from '../../../../engine/transport/vhost-user/codec';
import { featureBits } from '../../../../engine/spec-tables/features';
import { TestFrontEnd, native } from './front-end';
import { PROTOCOL_BIT, VERSION_1, blkDevice, netDevice, pfBits, serve } from './harness';

const n = native();
const FEATURES_OK = 8;
const RUNNING = 1 | 2 | FEATURES_OK | 4;

async function frontEnd(kind: 'blk' | 'net') {
  const s = kind === 'blk' ? serve((mem, trace) => blkDevice(mem, trace)) : serve((mem, trace) => netDevice(mem, trace, { pairs: 2 }).device);
  const fe = TestFrontEnd.connect(n, s.path);
  const offered = await fe.getU64(R.GET_PROTOCOL_FEATURES);
  fe.send(R.SET_PROTOCOL_FEATURES, encodeU64(offered & pfBits('REPLY_ACK', 'STATUS')));
  fe.send(R.SET_OWNER);
  /** QEMU's vhost_user_add_status: GET_STATUS, then SET_STATUS with the bits added unless they are there. */
  const addStatus = async (bits: number): Promise<void> => {
    const now = Number(await fe.getU64(R.GET_STATUS));
    if ((now & bits) !== bits) assert.equal(await fe.acked(R.SET_STATUS, encodeU64(BigInt(now | bits))), 0n);
  };
  /** As QEMU with F_STATUS: SET_FEATURES, FEATURES_OK added alone, then the rest at start; what GET_STATUS answers. */
  const accept = async (features: bigint): Promise<number> => {
    assert.equal(await fe.acked(R.SET_FEATURES, encodeU64(features | PROTOCOL_BIT)), 0n);
    await addStatus(FEATURES_OK);
    await addStatus(1 | 2 | 4);
    return Number(await fe.getU64(R.GET_STATUS));
  };
  const done = async () => {
    fe.close();
    await s.close();
  };
  return { s, accept, done, rules: () => s.violations().map((v) => v.rule) };
}

describe('vhost-user: feature acceptance judged at SET_FEATURES', () => {
  test('VERSION_1 not accepted: features-version1-not-accepted, FEATURES_OK refused in GET_STATUS', async () => {
    const t = await frontEnd('blk');
    try {
      const status = await t.accept(featureBits('blk', ['FLUSH']));
      assert.deepEqual(t.rules(), ['features-version1-not-accepted']);
      assert.equal(t.s.violations()[0]!.severity, 'error');
      assert.equal(status & FEATURES_OK, 0, 'GET_STATUS answers without FEATURES_OK');
      assert.equal(await t.accept(VERSION_1), RUNNING, 'accepted features: FEATURES_OK stays');
      assert.deepEqual(t.rules(), ['features-version1-not-accepted']);
    } finally {
      await t.done();
    }
  });

  test('a bit never offered: features-not-offered naming it, dropped, FEATURES_OK refused', async () => {
    const t = await frontEnd('blk');
    try {
      const status = await t.accept(VERSION_1 | (1n << 50n));
      assert.deepEqual(t.rules(), ['features-not-offered']);
      assert.match(t.s.violations()[0]!.message, /SET_FEATURES 0x[0-9a-f]+: the driver accepted features the device did not offer: .*0x4000000000000 ignored/);
      assert.equal(t.s.device.negotiated, VERSION_1, 'only offered bits are applied');
      assert.equal(status & FEATURES_OK, 0);
    } finally {
      await t.done();
    }
  });

  test('a dependency missing: features-dependency (GUEST_TSO4 without GUEST_CSUM)', async () => {
    const t = await frontEnd('net');
    try {
      const status = await t.accept(VERSION_1 | featureBits('net', ['GUEST_TSO4']));
      assert.deepEqual(t.rules(), ['features-dependency']);
      assert.match(t.s.violations()[0]!.message, /GUEST_TSO4 accepted without GUEST_CSUM/);
      assert.equal(status & FEATURES_OK, 0);
    } finally {
      await t.done();
    }
  });

  test('MQ and GUEST_ANNOUNCE without CTRL_VQ are QEMU\'s normal acceptance (it keeps the control queue): no violation', async () => {
    const t = await frontEnd('net');
    try {
      const status = await t.accept(VERSION_1 | featureBits('net', ['MQ', 'GUEST_ANNOUNCE', 'MRG_RXBUF']));
      assert.deepEqual(t.rules(), []);
      assert.equal(status, RUNNING);
    } finally {
      await t.done();
    }
  });
});
