/**
 * The QEMU command line for a vhost-user session (docs/architecture.md, "Measured facts": measured on QEMU 7.2 under TCG): guest RAM
 * in a shared memfd (vhost-user needs it), one socket chardev per device, vhost-user-blk-pci for blk and
 * virtio-net-pci on a vhost-user netdev for net (vectors=0: QEMU 7.2 crashes in vhost_net_start without it
 * under TCG), the serial console on stdio and a QMP socket to freeze and resume the guest. QEMU starts
 * frozen (`-S`); the session resumes it once QMP is connected.
 */
import { join } from 'node:path';
import { type ValidDevice, type ValidLaunch } from '../launch/validate';

export interface QemuCommand {
  binary: string;
  args: string[];
  qmpSocket: string;
}

export function socketPath(socketDir: string, deviceId: string): string {
  return join(socketDir, `${deviceId}.sock`);
}

function deviceArgs(d: ValidDevice, socketDir: string): string[] {
  const chardev = `-chardev`;
  const sock = socketPath(socketDir, d.id);
  switch (d.type) {
    case 'blk':
      return [chardev, `socket,id=c-${d.id},path=${sock}`, '-device', `vhost-user-blk-pci,chardev=c-${d.id},num-queues=${d.queues},id=${d.id}`];
    case 'net':
      return [
        chardev,
        `socket,id=c-${d.id},path=${sock}`,
        '-netdev',
        `vhost-user,id=n-${d.id},chardev=c-${d.id}${d.queues > 1 ? `,queues=${d.queues}` : ''}`,
        '-device',
        `virtio-net-pci,netdev=n-${d.id},mac=${d.mac},vectors=0${d.queues > 1 ? ',mq=on' : ''},id=${d.id}`,
      ];
    default:
      return [];
  }
}

export function qemuCommand(l: ValidLaunch): QemuCommand {
  const q = l.qemu;
  if (!q) throw new Error('no qemu configuration');
  const qmpSocket = join(l.socketDir, 'qmp.sock');
  const args = [
    '-machine',
    'q35,memory-backend=mem',
    '-object',
    `memory-backend-memfd,id=mem,size=${q.memory},share=on`,
    '-m',
    q.memory,
    // Start with the vCPUs stopped: the firmware reads the virtio-blk disk ~100 ms after QEMU starts, which
    // must not race the QMP connection (QemuProcess.start resumes the guest once QMP is up).
    '-S',
    '-display',
    'none',
    '-nodefaults',
    '-serial',
    'stdio',
    '-monitor',
    'none',
    '-qmp',
    `unix:${qmpSocket},server=on,wait=off`,
    '-kernel',
    q.kernel,
    ...(q.initrd ? ['-initrd', q.initrd] : []),
    '-append',
    q.append ?? 'console=ttyS0',
    ...l.devices.flatMap((d) => deviceArgs(d, l.socketDir)),
    ...q.args,
  ];
  return { binary: q.binary, args, qmpSocket };
}
