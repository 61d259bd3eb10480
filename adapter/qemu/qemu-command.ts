/**
 * The QEMU command line for a vhost-user session (docs/architecture.md, "Measured facts": measured on QEMU 7.2 under TCG): guest RAM
 * in a shared memfd (vhost-user needs it), one socket chardev per device and the `-device` arguments its kind gives
 * (adapter/runtime/kinds: vhost-user-blk-pci, virtio-net-pci on a vhost-user netdev, vhost-user-rng-pci), the serial console on stdio and a QMP socket to freeze and resume the guest. QEMU starts
 * frozen (`-S`); the session resumes it once QMP is connected.
 */
import { join } from 'node:path';
import { type ValidLaunch } from '../launch/validate';
import { deviceKind, type ValidDevice } from '../runtime/kinds';

export interface QemuCommand {
  binary: string;
  args: string[];
  qmpSocket: string;
}

export function socketPath(socketDir: string, deviceId: string): string {
  return join(socketDir, `${deviceId}.sock`);
}

function deviceArgs(d: ValidDevice, socketDir: string): string[] {
  const args = deviceKind(d.type).qemuDeviceArgs?.(d, `c-${d.id}`);
  return args ? ['-chardev', `socket,id=c-${d.id},path=${socketPath(socketDir, d.id)}`, ...args] : [];
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
