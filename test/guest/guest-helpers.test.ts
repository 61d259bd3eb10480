// The guest helpers without QEMU: the command line docs/architecture.md measured ("Measured facts"), and result-line parsing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseVdtestLine, patternBytes, qemuArgs } from './guest';

const base = { kernel: '/k/vmlinuz', initrd: '/k/initrd.img' };

/** The value following `flag`, for every occurrence. */
function values(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1] as string] : []));
}

describe('qemuArgs', () => {
  test('shared memfd RAM on q35, TCG, serial on stdio, no default devices, no reboot', () => {
    const args = qemuArgs({ ...base, memory: 512, steps: ['blk-info', 'net-ping:10.0.2.2:5'] });
    assert.deepEqual(values(args, '-object'), ['memory-backend-memfd,id=mem,size=512M,share=on']);
    assert.deepEqual(values(args, '-machine'), ['q35,memory-backend=mem']);
    assert.deepEqual(values(args, '-m'), ['512M']);
    assert.deepEqual(values(args, '-accel'), ['tcg']);
    assert.deepEqual(values(args, '-serial'), ['stdio']);
    assert.ok(args.includes('-nographic') && args.includes('-nodefaults') && args.includes('-no-reboot'));
    assert.deepEqual(values(args, '-append'), ['console=ttyS0 no_timer_check panic=-1 quiet vdtest=blk-info,net-ping:10.0.2.2:5']);
    assert.ok(!args.some((a) => /enable-kvm|accel=kvm/.test(a)));
  });

  test('vhost-user blk and net devices as measured (net needs vectors=0 on QEMU 7.2)', () => {
    const args = qemuArgs({
      ...base,
      vhostUser: [
        { kind: 'blk', socket: '/s/blk0.sock', numQueues: 4, packed: true },
        { kind: 'net', socket: '/s/net0.sock', mac: '52:54:00:00:00:01' },
        { kind: 'net', socket: '/s/net1.sock', numQueues: 2, reconnect: 1 },
      ],
    });
    assert.deepEqual(values(args, '-chardev'), [
      'socket,id=vu0,path=/s/blk0.sock',
      'socket,id=vu1,path=/s/net0.sock',
      'socket,id=vu2,path=/s/net1.sock,reconnect=1',
    ]);
    assert.deepEqual(values(args, '-device'), [
      'vhost-user-blk-pci,chardev=vu0,num-queues=4,packed=on',
      'virtio-net-pci,netdev=vun1,vectors=0,mac=52:54:00:00:00:01',
      'virtio-net-pci,netdev=vun2,vectors=0,mq=on',
    ]);
    assert.deepEqual(values(args, '-netdev'), ['vhost-user,id=vun1,chardev=vu1', 'vhost-user,id=vun2,chardev=vu2,queues=2']);
  });

  test('QEMU built-in devices, reboot allowed when a step reboots, bad input refused', () => {
    const args = qemuArgs({ ...base, disks: [{ file: '/d/a.img', readonly: true }], userNet: true, steps: ['reboot'] });
    assert.deepEqual(values(args, '-drive'), ['file=/d/a.img,format=raw,if=none,id=disk0,readonly=on']);
    assert.deepEqual(values(args, '-device'), ['virtio-blk-pci,drive=disk0', 'virtio-net-pci,netdev=usernet']);
    assert.ok(!args.includes('-no-reboot'));
    assert.throws(() => qemuArgs({ ...base, steps: ['blk md5'] }), /bad vdtest step/);
    assert.throws(() => qemuArgs({ ...base, steps: ['a,b'] }), /bad vdtest step/);
    assert.throws(() => qemuArgs({ ...base, memory: '1 GB' }), /memory/);
    assert.throws(() => qemuArgs({ ...base, disks: [{ file: '/d/a,b.img' }] }), /comma/);
  });
});

describe('parseVdtestLine', () => {
  test('fields, quoted values, and a marker after firmware escape sequences', () => {
    const l = parseVdtestLine('Booting from ROM..\x1bc\x1b[?7l\x1b[2JVDTEST boot ok kernel=6.1.0-56-cloud-amd64 steps=3 ms=2310\r');
    assert.deepEqual(l && [l.step, l.status, l.fields], ['boot', 'ok', { kernel: '6.1.0-56-cloud-amd64', steps: '3', ms: '2310' }]);
    const e = parseVdtestLine(`VDTEST blk-write-ro ok dev=vda result=refused error="dd: error writing '/dev/vda': Operation not permitted" ms=80`);
    assert.equal(e?.fields.error, "dd: error writing '/dev/vda': Operation not permitted");
    assert.equal(e?.fields.ms, '80');
    assert.deepEqual(parseVdtestLine('VDTEST done')?.step, 'done');
    assert.equal(parseVdtestLine('[    4.05] reboot: Power down'), undefined);
  });
});

describe('patternBytes', () => {
  test('16-byte records naming their own disk offset', () => {
    const p = patternBytes(4096, 48);
    assert.equal(p.length, 48);
    assert.equal(p.toString('latin1'), '000000000001000\n000000000001010\n000000000001020\n');
  });
});
