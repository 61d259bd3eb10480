// qemu-storage-daemon exporting an image as vhost-user-blk: the reference back end of figure 1 (guest dd and
// guest fio), started with the same image and QEMU options as `serve blk`.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { spawnTied } from '../adapter/qemu/spawn-tied';

/** Fails with the install hint when QEMU or qemu-storage-daemon is missing. */
export function needQemuTools(): void {
  for (const tool of ['qemu-storage-daemon', 'qemu-system-x86_64']) {
    if (spawnSync(tool, ['--version']).status !== 0) throw new Error(`${tool} is missing: apt-get install qemu-system-x86 (qemu-system-common has qemu-storage-daemon)`);
  }
}

export async function waitForSocket(path: string, child: ChildProcess, what: string): Promise<void> {
  const end = Date.now() + 20_000;
  while (!existsSync(path)) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode} before listening`);
    if (Date.now() > end) throw new Error(`${what} did not listen on ${path} within 20 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface Qsd {
  pid: number | undefined;
  /** What it printed so far (for error messages). */
  output(): string;
  stop(): Promise<void>;
}

/** Starts qemu-storage-daemon serving `image` (raw, writable) on `socket`; resolves once it listens. */
export async function startQsd(image: string, socket: string): Promise<Qsd> {
  const child = spawnTied('qemu-storage-daemon', [
    '--blockdev', `driver=file,node-name=file0,filename=${image}`,
    '--blockdev', 'driver=raw,node-name=disk0,file=file0',
    '--export', `type=vhost-user-blk,id=exp0,node-name=disk0,addr.type=unix,addr.path=${socket},writable=on`,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  await waitForSocket(socket, child, 'qemu-storage-daemon');
  return {
    pid: child.pid,
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('close', r));
    },
  };
}
