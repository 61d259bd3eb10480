// Status, feature, config and queue set-up rules through vhost-user (issue 12). A front end in the driver's own
// process (DPDK virtio_user style) forwards its driver's status writes as SET_STATUS, its feature acceptance as
// SET_FEATURES, config writes as SET_CONFIG and queue sizes as SET_VRING_NUM: serve judges them with the rules
// the in-process device uses. Such a front end's first non-zero SET_STATUS carries ACKNOWLEDGE; QEMU's
// (FEATURES_OK alone) does not, and only the value rules are judged for it (the `summary` scenarios).
import assert from 'node:assert/strict';
import { featureBits } from '../../engine/spec-tables/features';
import { BLK_CONFIG } from '../../engine/spec-tables';
import { VhostUserRequest as R } from '../../engine/transport/vhost-user/messages';
import { type RuleId } from '../../engine/rules';
import { encodeU64, encodeVringState } from '../../engine/transport/vhost-user/codec';
import { PROTOCOL_BIT } from '../engine/transport/vhost-user/harness';
import { type HostileFront, NEEDS_RESET } from './support/front';
import { type Scenario } from './support/scenario';

const ACK = 1;
const DRIVER = 2;
const DRIVER_OK = 4;
const FEATURES_OK = 8;
const FAILED = 0x80;

const V1 = featureBits('blk', ['VERSION_1']);
const WCE = featureBits('blk', ['VERSION_1', 'CONFIG_WCE', 'FLUSH']);
const WRITEBACK = BLK_CONFIG.find((c) => c.name === 'writeback')!.offset;
/** A field of a feature serve blk never offers (ZONED). */
const ZONE_SECTORS = BLK_CONFIG.find((c) => c.name === 'zoned.zone_sectors')!.offset;

/** The driver's status write, forwarded (the front end sends no reply request: SET_STATUS has none). */
const status = (f: HostileFront, value: number) => f.fe.send(R.SET_STATUS, encodeU64(value));

/** The driver reads the status back (GET_STATUS). */
const readStatus = (f: HostileFront) => f.status();

/** The driver's feature write (SET_FEATURES), with the vhost-user protocol bit. */
const features = (f: HostileFront, bits: bigint) => {
  f.negotiated = bits | PROTOCOL_BIT;
  f.fe.send(R.SET_FEATURES, encodeU64(f.negotiated));
};

/** §3.1.1 steps 1–6 as DPDK virtio_user forwards them: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK, read back. */
async function upToFeaturesOk(f: HostileFront, bits = V1): Promise<void> {
  status(f, 0);
  status(f, ACK);
  status(f, ACK | DRIVER);
  features(f, bits);
  status(f, ACK | DRIVER | FEATURES_OK);
  assert.notEqual((await readStatus(f)) & FEATURES_OK, 0, 'FEATURES_OK accepted');
}

/** Steps 7–8: memory, ring 0 set up and started (DPDK sets rings up before forwarding DRIVER_OK), DRIVER_OK. */
async function running(f: HostileFront): Promise<void> {
  await upToFeaturesOk(f);
  const t = f.ram.memTable();
  assert.equal(await f.fe.acked(R.SET_MEM_TABLE, t.payload, t.fds), 0n, 'SET_MEM_TABLE accepted');
  f.ring(0).setUp(f.fe, 'qemu');
  status(f, ACK | DRIVER | FEATURES_OK | DRIVER_OK);
}

/** GET_CONFIG of the writeback byte. */
async function writeback(f: HostileFront): Promise<number> {
  return (await f.config(WRITEBACK + 1))[WRITEBACK]!;
}

/** SET_CONFIG of writeback to the other mode; whether the value read back changed. */
async function flipWriteback(f: HostileFront): Promise<boolean> {
  const before = await writeback(f);
  const req = Buffer.alloc(13);
  req.writeUInt32LE(WRITEBACK, 0);
  req.writeUInt32LE(1, 4);
  req[12] = before === 0 ? 1 : 0;
  f.fe.send(R.SET_CONFIG, req);
  return (await writeback(f)) !== before;
}

const scenario = (name: string, rule: RuleId, act: (f: HostileFront) => Promise<void> | void, o: { index?: number | null; modes?: number[]; upTo?: 'owner' | 'memory' } = {}): Scenario => ({
  name,
  device: 'blk',
  rule,
  index: o.index ?? null,
  verdict: 'answered',
  modes: o.modes ?? [12],
  front: { upTo: o.upTo ?? 'owner' },
  act,
});

/** The status GET_STATUS answers, after `act`: what the device keeps. */
const statusAfter = async (f: HostileFront, expected: number, why: string) => assert.equal(await readStatus(f), expected, why);

export const STATUS_SCENARIOS: Scenario[] = [
  // ---- order rules: judged for a mirroring front end
  scenario('FEATURES_OK without DRIVER (SET_STATUS 0x1, then 0x9)', 'status-order', async (f) => {
    status(f, ACK);
    status(f, ACK | FEATURES_OK);
    await statusAfter(f, ACK | FEATURES_OK, 'the write is taken (as in process), only reported');
  }),
  scenario('DRIVER_OK without FEATURES_OK after VERSION_1', 'status-order', async (f) => {
    status(f, ACK);
    status(f, ACK | DRIVER);
    features(f, V1);
    status(f, ACK | DRIVER | DRIVER_OK);
    await statusAfter(f, ACK | DRIVER | DRIVER_OK, 'the write is taken, only reported');
  }),
  scenario('DRIVER cleared (SET_STATUS 0x3, then 0x1)', 'status-bit-cleared', async (f) => {
    status(f, ACK);
    status(f, ACK | DRIVER);
    status(f, ACK);
  }),
  scenario('DRIVER_OK without reading FEATURES_OK back', 'status-features-ok-not-checked', async (f) => {
    status(f, ACK);
    status(f, ACK | DRIVER);
    features(f, V1);
    status(f, ACK | DRIVER | FEATURES_OK);
    status(f, ACK | DRIVER | FEATURES_OK | DRIVER_OK);
  }),
  scenario('DRIVER_OK although FEATURES_OK was refused (bit 63 accepted)', 'status-features-ok-refused-ignored', async (f) => {
    status(f, ACK);
    status(f, ACK | DRIVER);
    features(f, V1 | (1n << 63n));
    status(f, ACK | DRIVER | FEATURES_OK);
    assert.equal((await readStatus(f)) & FEATURES_OK, 0, 'FEATURES_OK refused');
    status(f, ACK | DRIVER | DRIVER_OK);
  }),
  scenario('SET_FEATURES after FEATURES_OK', 'features-written-after-features-ok', async (f) => {
    await upToFeaturesOk(f);
    features(f, WCE);
    // The change is ignored: CONFIG_WCE stays unnegotiated, so a write of writeback is rejected (read-only).
    assert.equal(await flipWriteback(f), false, 'the features stay those accepted at FEATURES_OK');
  }),
  scenario('SET_FEATURES before DRIVER (after ACKNOWLEDGE)', 'features-before-driver', async (f) => {
    status(f, ACK);
    features(f, V1);
  }),
  scenario(
    'SET_CONFIG of writeback before FEATURES_OK',
    'config-write-before-features-ok',
    async (f) => {
      status(f, ACK);
      status(f, ACK | DRIVER);
      features(f, WCE);
      assert.equal(await flipWriteback(f), false, 'the write is ignored');
    },
    { index: WRITEBACK },
  ),
  scenario(
    'SET_VRING_NUM before FEATURES_OK',
    'queue-setup-before-features-ok',
    async (f) => {
      status(f, ACK);
      status(f, ACK | DRIVER);
      features(f, V1);
      const t = f.ram.memTable();
      assert.equal(await f.fe.acked(R.SET_MEM_TABLE, t.payload, t.fds), 0n);
      f.fe.send(R.SET_VRING_NUM, encodeVringState({ index: 0, num: 16 }));
    },
    { modes: [12] },
  ),
  scenario(
    'SET_VRING_NUM on the running ring after DRIVER_OK',
    'queue-changed-while-enabled',
    async (f) => {
      await running(f);
      f.fe.send(R.SET_VRING_NUM, encodeVringState({ index: 0, num: 32 }));
    },
    { modes: [18] },
  ),
  scenario(
    'GET_CONFIG of zoned.zone_sectors (ZONED not offered)',
    'config-field-not-offered',
    async (f) => {
      status(f, ACK);
      status(f, ACK | DRIVER);
      const req = Buffer.alloc(12 + 4);
      req.writeUInt32LE(ZONE_SECTORS, 0);
      req.writeUInt32LE(4, 4);
      const r = await f.fe.call(R.GET_CONFIG, req);
      assert.deepEqual([...r.payload.subarray(12)], [0, 0, 0, 0], 'the absent field reads as zero');
    },
    { index: ZONE_SECTORS, modes: [12] },
  ),
  scenario(
    'GET_CONFIG of writeback between DRIVER and FEATURES_OK (CONFIG_WCE offered)',
    'blk-writeback-read-before-features-ok',
    async (f) => {
      status(f, ACK);
      status(f, ACK | DRIVER);
      features(f, WCE);
      const req = Buffer.alloc(12 + 1);
      req.writeUInt32LE(WRITEBACK, 0);
      req.writeUInt32LE(1, 4);
      const r = await f.fe.call(R.GET_CONFIG, req);
      assert.equal(r.payload.length, 13, 'the read is answered');
    },
    { index: WRITEBACK, modes: [12] },
  ),
  // ---- value rules: judged for every front end, the QEMU style (first SET_STATUS FEATURES_OK alone) too
  scenario('the driver sets DEVICE_NEEDS_RESET (mirroring front end)', 'status-device-bit-written', async (f) => {
    status(f, ACK | NEEDS_RESET);
    await statusAfter(f, ACK, 'DEVICE_NEEDS_RESET is the device\'s: the write does not set it');
  }),
  scenario('DEVICE_NEEDS_RESET in a QEMU-style status summary', 'status-device-bit-written', async (f) => {
    status(f, FEATURES_OK);
    status(f, FEATURES_OK | NEEDS_RESET);
    await statusAfter(f, FEATURES_OK, 'DEVICE_NEEDS_RESET is the device\'s: the write does not set it');
  }),
  scenario('a status write after FAILED (mirroring front end)', 'status-after-failed', async (f) => {
    status(f, ACK);
    status(f, ACK | FAILED);
    status(f, ACK | DRIVER | FAILED);
  }),
  scenario('a status write after FAILED in a QEMU-style summary', 'status-after-failed', async (f) => {
    status(f, FEATURES_OK);
    status(f, FEATURES_OK | FAILED);
    status(f, FEATURES_OK | FAILED | ACK | DRIVER | DRIVER_OK);
  }),
  // ---- queue sizes: the driver's value with every front end (named first, then refused as vhost-user-vring-size)
  scenario('queue size 0 at SET_VRING_NUM', 'queue-size-zero', (f) => f.fe.send(R.SET_VRING_NUM, encodeVringState({ index: 0, num: 0 })), { index: 0, modes: [9], upTo: 'memory' }),
  scenario('queue size 24 at SET_VRING_NUM (split)', 'queue-size-not-power-of-2', (f) => f.fe.send(R.SET_VRING_NUM, encodeVringState({ index: 0, num: 24 })), { index: 24, modes: [9], upTo: 'memory' }),
  scenario('queue size 65536 at SET_VRING_NUM', 'queue-size-above-max', (f) => f.fe.send(R.SET_VRING_NUM, encodeVringState({ index: 0, num: 65536 })), { index: 65536, modes: [9], upTo: 'memory' }),
];

/** QEMU's own sequence with F_STATUS must trip nothing: SET_FEATURES, FEATURES_OK alone, then the rest at start. */
export async function qemuStyleStart(f: HostileFront): Promise<void> {
  features(f, V1);
  const s0 = await readStatus(f);
  status(f, s0 | FEATURES_OK);
  const t = f.ram.memTable();
  assert.equal(await f.fe.acked(R.SET_MEM_TABLE, t.payload, t.fds), 0n);
  f.ring(0).setUp(f.fe, 'qemu');
  const s1 = await readStatus(f);
  status(f, s1 | ACK | DRIVER | DRIVER_OK);
}
