// vhost-user protocol scenarios (against serve blk): malformed, misordered or unnegotiated messages. Each is
// reported, answered in the spec's error form where the request has an answer, and the session goes on.
import assert from 'node:assert/strict';
import { featureBits } from '../../engine/spec-tables/features';
import { BLK_CONFIG } from '../../engine/spec-tables';
import { VHOST_USER_NEED_REPLY_MASK, VHOST_USER_VERSION, VhostUserRequest as R } from '../../engine/transport/vhost-user/messages';
import { type RuleId } from '../../engine/rules';
import { encodeMemTable, encodeU64, encodeVringState } from '../../engine/transport/vhost-user/codec';
import { type FrontOptions, type HostileFront } from './support/front';
import { type Scenario, sendGood } from './support/scenario';

/** struct vhost_user_config: offset, size, flags, then `size` bytes. */
function configRequest(offset: number, size: number): Buffer {
  const b = Buffer.alloc(12 + size);
  b.writeUInt32LE(offset, 0);
  b.writeUInt32LE(size, 4);
  return b;
}

const msg = (name: string, rule: RuleId, front: FrontOptions, act: (f: HostileFront) => Promise<void> | void, modes: number[] = [18]): Scenario => ({
  name,
  device: 'blk',
  rule,
  index: null,
  verdict: 'answered',
  modes,
  front,
  act,
});

const FEATURES_OK = 8;
const RUNNING = 1n | 2n | 4n | BigInt(FEATURES_OK);

/**
 * The driver's acceptance (SET_FEATURES, then SET_STATUS with FEATURES_OK as QEMU sends it with the STATUS
 * protocol feature): judged as at FEATURES_OK in process, and refused the same way: GET_STATUS answers
 * without FEATURES_OK.
 */
const accept = (name: string, rule: RuleId, device: 'blk' | 'net', bits: bigint, modes = [12]): Scenario => ({
  name,
  device,
  rule,
  index: null,
  verdict: 'answered',
  modes,
  front: { upTo: 'owner' },
  act: async (f) => {
    f.fe.send(R.SET_FEATURES, encodeU64(bits | (1n << 30n)));
    f.fe.send(R.SET_STATUS, encodeU64(RUNNING));
    assert.equal(await f.status() & FEATURES_OK, 0, `GET_STATUS answers without FEATURES_OK after ${rule}`);
  },
});

const V1 = featureBits('transport', ['VERSION_1']);

const WRITEBACK = BLK_CONFIG.find((c) => c.name === 'writeback')!.offset;

/** SET_CONFIG of the writeback field (CONFIG_WCE negotiated) with `value`: rejected, the cache mode kept. */
const writeback = (name: string, value: number): Scenario => ({
  name,
  device: 'blk',
  rule: 'blk-writeback-invalid-value',
  index: WRITEBACK,
  verdict: 'answered',
  modes: [18],
  front: { features: ['CONFIG_WCE', 'FLUSH'] },
  act: async (f) => {
    const before = (await f.config(WRITEBACK + 1))[WRITEBACK];
    const req = configRequest(WRITEBACK, 1);
    req[12] = value;
    f.fe.send(R.SET_CONFIG, req);
    assert.equal((await f.config(WRITEBACK + 1))[WRITEBACK], before, 'the cache mode is kept');
  },
});

/** GET_CONFIG of `size` bytes at `offset`, partly past the device's config space (blk 96, net 28 bytes). */
const configPast = (name: string, device: 'blk' | 'net', offset: number, size: number, configSize: number): Scenario => ({
  name,
  device,
  rule: 'config-out-of-range',
  index: offset,
  verdict: 'answered',
  modes: [18],
  act: async (f) => {
    const r = await f.fe.call(R.GET_CONFIG, configRequest(offset, size));
    assert.equal(r.payload.length, 12 + size, 'answered with the size asked for (no error form)');
    assert.ok(r.payload.subarray(12 + Math.max(0, configSize - offset)).every((b) => b === 0), 'bytes past the config space read as zero');
  },
});

/** SET_CONFIG of `bytes` at `offset` into a driver-read-only field: reported, the field kept. */
const readOnlyWrite = (name: string, device: 'blk' | 'net', rule: RuleId, offset: number, bytes: number[]): Scenario => ({
  name,
  device,
  rule,
  index: offset,
  verdict: 'answered',
  modes: [18],
  act: async (f) => {
    const before = (await f.config(offset + bytes.length)).subarray(offset);
    const req = configRequest(offset, bytes.length);
    req.set(bytes, 12);
    f.fe.send(R.SET_CONFIG, req);
    assert.deepEqual((await f.config(offset + bytes.length)).subarray(offset), before, 'the field is kept');
  },
});

export const VHOST_USER_SCENARIOS: Scenario[] = [
  readOnlyWrite('SET_CONFIG of the mac', 'net', 'net-config-write', 0, [2, 0, 0, 0, 0, 1]),
  readOnlyWrite('SET_CONFIG of max_virtqueue_pairs', 'net', 'net-config-write', 8, [9, 0]),
  readOnlyWrite('SET_CONFIG of the capacity', 'blk', 'config-write-readonly', 0, [1, 2, 3, 4, 5, 6, 7, 8]),
  configPast('GET_CONFIG of 16 bytes at offset 88 (past the 96-byte virtio_blk_config)', 'blk', 88, 16, 96),
  configPast('GET_CONFIG of 64 bytes at offset 0 (past the 28-byte virtio_net_config)', 'net', 0, 64, 28),
  writeback('SET_CONFIG writeback = 2', 2),
  writeback('SET_CONFIG writeback = 0xff', 0xff),
  accept('SET_FEATURES with bit 63 (never offered)', 'features-not-offered', 'blk', V1 | (1n << 63n)),
  accept('SET_FEATURES with VIRTIO_F_ACCESS_PLATFORM (never offered)', 'features-not-offered', 'net', V1 | featureBits('transport', ['ACCESS_PLATFORM'])),
  accept('SET_FEATURES without VERSION_1', 'features-version1-not-accepted', 'blk', featureBits('blk', ['FLUSH']), [10, 12]),
  accept('SET_FEATURES with nothing at all', 'features-version1-not-accepted', 'net', 0n, [10, 12]),
  accept('GUEST_TSO4 without GUEST_CSUM', 'features-dependency', 'net', V1 | featureBits('net', ['GUEST_TSO4'])),
  accept('HOST_ECN without HOST_TSO4 or HOST_TSO6', 'features-dependency', 'net', V1 | featureBits('net', ['CSUM', 'HOST_ECN'])),
  msg('a request with header version 2', 'vhost-user-bad-version', { upTo: 'owner' }, (f) => f.fe.send(R.GET_QUEUE_NUM, undefined, { flags: 2 })),
  msg('a request with the reply bit set', 'vhost-user-bad-version', { upTo: 'owner' }, (f) => f.fe.send(R.SET_OWNER, undefined, { flags: VHOST_USER_VERSION | 4 })),
  msg('SET_OWNER with an 8-byte payload', 'vhost-user-payload-size', { upTo: 'owner' }, (f) => f.fe.send(R.SET_OWNER, encodeU64(0))),
  msg('request number 99', 'vhost-user-unknown-request', { upTo: 'owner' }, (f) => f.fe.send(99)),
  msg('GPU_SET_SOCKET to a block device', 'vhost-user-unknown-request', { upTo: 'owner' }, (f) => f.fe.send(R.GPU_SET_SOCKET)),
  msg('GET_CONFIG before protocol features are set', 'vhost-user-not-negotiated', { upTo: 'connect' }, (f) => f.fe.send(R.GET_CONFIG, configRequest(0, 8))),
  msg('SET_PROTOCOL_FEATURES with bit 40 (never offered)', 'vhost-user-features-not-offered', { upTo: 'owner' }, (f) => f.fe.send(R.SET_PROTOCOL_FEATURES, encodeU64(1n << 40n))),
  msg('SET_FEATURES before SET_OWNER', 'vhost-user-before-owner', { upTo: 'connect' }, (f) => f.fe.send(R.SET_FEATURES, encodeU64(1n << 32n))),
  msg('SET_VRING_NUM for ring 200', 'vhost-user-vring-index', { upTo: 'memory' }, (f) => f.fe.send(R.SET_VRING_NUM, encodeVringState({ index: 200, num: 16 }))),
  msg('SET_VRING_NUM size 3', 'vhost-user-vring-size', { upTo: 'memory' }, (f) => f.fe.send(R.SET_VRING_NUM, encodeVringState({ index: 0, num: 3 })), [9, 18]),
  msg('SET_VRING_NUM size 0', 'vhost-user-vring-size', { upTo: 'memory' }, (f) => f.fe.send(R.SET_VRING_NUM, encodeVringState({ index: 0, num: 0 })), [9, 18]),
  msg('SET_VRING_NUM size 65536 (above the maximum)', 'vhost-user-vring-size', { upTo: 'memory' }, (f) => f.fe.send(R.SET_VRING_NUM, encodeVringState({ index: 0, num: 65536 })), [9, 18]),
  msg('SET_VRING_NUM on a started ring', 'vhost-user-vring-busy', {}, (f) => {
    sendGood(f);
    f.fe.send(R.SET_VRING_NUM, encodeVringState({ index: 0, num: 32 }));
  }),
  msg('SET_MEM_TABLE with 9 regions (more than the 8 a message holds)', 'vhost-user-payload-size', { upTo: 'features' }, (f) => {
    const regions = Array.from({ length: 9 }, (_, i) => ({ guestPhysAddr: BigInt(i) << 20n, memorySize: 4096n, userspaceAddr: 0x7f00_0000_0000n + (BigInt(i) << 20n), mmapOffset: 0n }));
    f.fe.send(R.SET_MEM_TABLE, encodeMemTable(regions), { fds: Array.from({ length: 9 }, () => f.ram.memfd) });
  }),
  msg('SET_MEM_TABLE with overlapping regions', 'vhost-user-mem-table-invalid', { upTo: 'features' }, (f) => {
    const regions = [0n, 4096n].map((g) => ({ guestPhysAddr: g, memorySize: 8192n, userspaceAddr: 0x7f00_0000_0000n + g, mmapOffset: 0n }));
    f.fe.send(R.SET_MEM_TABLE, encodeMemTable(regions), { fds: [f.ram.memfd, f.ram.memfd] });
  }),
  msg('SET_MEM_TABLE without fds', 'vhost-user-fd-missing', { upTo: 'features' }, (f) => f.fe.send(R.SET_MEM_TABLE, f.ram.memTable().payload)),
  msg('SET_VRING_KICK without an fd', 'vhost-user-fd-missing', { upTo: 'memory' }, (f) => f.fe.send(R.SET_VRING_KICK, encodeU64(0))),
  msg('GET_VRING_BASE of a ring never started', 'vhost-user-get-base-not-started', { upTo: 'memory' }, (f) => f.fe.send(R.GET_VRING_BASE, encodeVringState({ index: 0, num: 0 }))),
  msg('SET_MEM_TABLE with a zero-sized region', 'vhost-user-mem-table-invalid', { upTo: 'features' }, (f) => {
    const regions = [{ guestPhysAddr: 0n, memorySize: 0n, userspaceAddr: 0x7f00_0000_0000n, mmapOffset: 0n }];
    f.fe.send(R.SET_MEM_TABLE, encodeMemTable(regions), { fds: [f.ram.memfd] });
  }),
  msg('SET_CONFIG at offset 200', 'vhost-user-config-range', { upTo: 'features' }, (f) => {
    f.fe.send(R.SET_CONFIG, configRequest(200, 1));
  }),
  msg('NEED_REPLY before REPLY_ACK was negotiated', 'vhost-user-need-reply-without-reply-ack', { upTo: 'connect' }, (f) =>
    f.fe.send(R.SET_OWNER, undefined, { flags: VHOST_USER_VERSION | VHOST_USER_NEED_REPLY_MASK }),
  ),
  msg('SET_FEATURES with other bits while the ring runs', 'vhost-user-features-while-running', {}, (f) => {
    sendGood(f);
    f.fe.send(R.SET_FEATURES, encodeU64(f.negotiated | (1n << 9n)));
  }),
];
