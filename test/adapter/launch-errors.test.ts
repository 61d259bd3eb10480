/**
 * Bad launch configurations: one error naming the attribute and the fix, before anything starts —
 * checked through the real adapter process and, for every case, through the validator itself.
 */
import { describe, test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DebugClient } from '@vscode/debugadapter-testsupport';
import { LaunchError, validateLaunch } from '../../adapter/launch/validate';
import { startClient } from './support';

const dir = mkdtempSync(join(tmpdir(), 'vd-launch-'));
const goodDisk = join(dir, 'disk.img');
writeFileSync(goodDisk, Buffer.alloc(1024 * 1024));
const truncated = join(dir, 'short.img');
writeFileSync(truncated, Buffer.alloc(1000));

const base = (devices: unknown[], extra: Record<string, unknown> = {}) => ({ type: 'virtio', request: 'launch', name: 't', devices, ...extra });

const cases: { name: string; config: Record<string, unknown>; attribute: string; fix: RegExp }[] = [
  { name: 'no devices', config: base([]), attribute: 'devices', fix: /add e\.g\./ },
  { name: 'unknown device type', config: base([{ type: 'scsi', id: 'd0' }]), attribute: 'devices[0].type', fix: /"blk".*"net"/ },
  { name: 'missing disk attribute', config: base([{ type: 'blk', id: 'blk0' }]), attribute: 'devices[0].disk', fix: /raw image/ },
  { name: 'disk file does not exist', config: base([{ type: 'blk', id: 'blk0', disk: join(dir, 'nope.img') }]), attribute: 'devices[0].disk', fix: /createDisk/ },
  { name: 'truncated disk image', config: base([{ type: 'blk', id: 'blk0', disk: truncated }]), attribute: 'devices[0].disk', fix: /truncate -s/ },
  { name: 'bad MAC', config: base([{ type: 'net', id: 'net0', mac: '52:54:00:zz:00:01' }]), attribute: 'devices[0].mac', fix: /six hex bytes/ },
  { name: 'multicast MAC', config: base([{ type: 'net', id: 'net0', mac: '01:00:5e:00:00:01' }]), attribute: 'devices[0].mac', fix: /unicast/ },
  { name: 'bad peer', config: base([{ type: 'net', id: 'net0', peer: 'tcp:1.2.3.4' }]), attribute: 'devices[0].peer', fix: /udp:HOST:PORT/ },
  { name: 'duplicate ids', config: base([{ type: 'blk', id: 'd', disk: goodDisk }, { type: 'net', id: 'd' }]), attribute: 'devices[1].id', fix: /its own id/ },
  { name: 'queue size not a power of two', config: base([{ type: 'blk', id: 'blk0', disk: goodDisk, queueSize: 100 }]), attribute: 'devices[0].queueSize', fix: /64, 128/ },
  { name: 'unknown driver', config: base([{ type: 'blk', id: 'blk0', disk: goodDisk }], { driver: 'kvm' }), attribute: 'driver', fix: /"builtin"/ },
  {
    name: 'socket dir not writable',
    config: base([{ type: 'blk', id: 'blk0', disk: goodDisk }], { driver: 'vhost-user', socketDir: '/proc/virtio-debug-test' }),
    attribute: 'socketDir',
    fix: /directory you can write/,
  },
  {
    name: 'QEMU not found',
    config: base([{ type: 'blk', id: 'blk0', disk: goodDisk }], { driver: 'vhost-user', socketDir: dir, qemu: { binary: 'no-such-qemu-binary', kernel: goodDisk } }),
    attribute: 'qemu.binary',
    fix: /apt-get install qemu-system-x86/,
  },
  { name: 'bad workload', config: base([{ type: 'blk', id: 'blk0', disk: goodDisk }], { workload: { kind: 'fuzz' } }), attribute: 'workload.kind', fix: /readwrite/ },
  {
    name: 'unknown rule id in workload.violation',
    config: base([{ type: 'blk', id: 'blk0', disk: goodDisk }], { workload: { violation: 'split-desc-zero-lenght' } }),
    attribute: 'workload.violation',
    fix: /closest: split-desc-zero-length, /,
  },
  { name: 'non-boolean stopAll', config: base([{ type: 'blk', id: 'blk0', disk: goodDisk }], { stopAll: 1 }), attribute: 'stopAll', fix: /stopAll: true/ },
  { name: 'negative kickDeadlineMs', config: base([{ type: 'blk', id: 'blk0', disk: goodDisk }], { kickDeadlineMs: -5 }), attribute: 'kickDeadlineMs', fix: /0/ },
  { name: 'non-boolean stopOnEntry', config: base([{ type: 'blk', id: 'blk0', disk: goodDisk }], { stopOnEntry: 'yes' }), attribute: 'stopOnEntry', fix: /stopOnEntry: false/ },
];

describe('launch configuration validation', () => {
  for (const c of cases) {
    test(`${c.name} → error on ${c.attribute}`, () => {
      assert.throws(
        () => validateLaunch(c.config, dir),
        (e: unknown) => e instanceof LaunchError && e.attribute === c.attribute && c.fix.test(e.message) && e.message.startsWith(`${c.attribute}: `),
      );
    });
  }

  test('a good configuration fills defaults and resolves paths', () => {
    const v = validateLaunch(base([{ type: 'blk', id: 'blk0', disk: 'disk.img' }, { type: 'net', id: 'net0' }]), dir);
    assert.equal(v.driver, 'builtin');
    assert.equal(v.breakOnViolation, true);
    assert.equal(v.freezeGuestOnStop, true);
    assert.equal(v.stopAll, true);
    assert.equal(v.kickDeadlineMs, 1000, 'the missing-kick deadline defaults to 1 s');
    const [blk, net] = v.devices;
    assert.deepEqual(blk, { type: 'blk', id: 'blk0', disk: goodDisk, readonly: false, queues: 1, queueSize: 256 });
    assert.equal(net!.type, 'net');
    assert.match((net as { mac: string }).mac, /^52:54:00:12:34:/);
  });
});

describe('the adapter refuses a bad launch.json before starting anything', () => {
  let dc: DebugClient | undefined;
  afterEach(async () => {
    await dc?.stop().catch(() => {});
  });
  for (const c of cases.filter((x) => ['unknown device type', 'unknown rule id in workload.violation', 'disk file does not exist', 'bad MAC', 'socket dir not writable', 'QEMU not found'].includes(x.name))) {
    test(c.name, async () => {
      dc = await startClient();
      let initialized = false;
      void dc.waitForEvent('initialized', 3000).then(() => (initialized = true), () => {});
      await assert.rejects(dc.launch({ ...c.config, cwd: dir }), (e: Error) => e.message.startsWith(`${c.attribute}: `) && c.fix.test(e.message));
      assert.equal((await dc.threadsRequest()).body.threads.length, 0, 'no devices were started');
      assert.equal(initialized, false);
    });
  }
});
