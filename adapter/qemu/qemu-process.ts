/**
 * Runs QEMU for a session: spawns it frozen (`-S`, after the vhost-user sockets listen: QEMU is their
 * client) and tied to this process (it dies with the adapter, see spawn-tied.ts), forwards the serial console
 * line by line, connects QMP, resumes the guest when the session is ready, and stops it on terminate (QMP
 * quit, then SIGTERM, then SIGKILL) so no guest outlives its session.
 */
import { type ChildProcess } from 'node:child_process';
import { QmpClient } from './qmp';
import { type QemuCommand } from './qemu-command';
import { spawnTied } from './spawn-tied';

/** Firmware and kernels print terminal escape sequences on the serial console; the Debug Console shows text. */
const ANSI = new RegExp(String.fromCharCode(27) + '\\[[0-9;?]*[A-Za-z]', 'g');
const stripAnsi = (s: string) => s.replace(ANSI, '');

export interface QemuProcessEvents {
  /** One line of the guest's serial console (or QEMU's own stderr, prefixed). */
  line: (text: string, stream: 'console' | 'qemu') => void;
  exit: (code: number | null, signal: NodeJS.Signals | null) => void;
}

export class QemuProcess {
  readonly child: ChildProcess;
  qmp: QmpClient | undefined;
  private exited = false;
  readonly exitPromise: Promise<void>;

  private constructor(cmd: QemuCommand, on: QemuProcessEvents) {
    this.child = spawnTied(cmd.binary, cmd.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = (stream: 'console' | 'qemu') => {
      let buf = '';
      return (d: Buffer) => {
        buf += d.toString('utf8');
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          on.line(stripAnsi(buf.slice(0, nl).replace(/\r$/, '')), stream);
          buf = buf.slice(nl + 1);
        }
      };
    };
    this.child.stdout!.on('data', lines('console'));
    this.child.stderr!.on('data', lines('qemu'));
    this.exitPromise = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exited = true;
        this.qmp?.close();
        on.exit(code, signal);
        resolve();
      });
      this.child.on('error', (e) => {
        on.line(`cannot start QEMU: ${e.message}`, 'qemu');
      });
    });
  }

  /**
   * Starts QEMU with its vCPUs stopped and connects QMP; the guest runs once resume() is called. Without QMP
   * the guest could never run (it starts frozen): QEMU is stopped and the error thrown.
   */
  static async start(cmd: QemuCommand, on: QemuProcessEvents): Promise<QemuProcess> {
    const p = new QemuProcess(cmd, on);
    try {
      p.qmp = await Promise.race([
        QmpClient.connect(cmd.qmpSocket, 15_000),
        p.exitPromise.then(() => {
          throw new Error('QEMU exited before its QMP socket was ready (see its messages above)');
        }),
      ]);
    } catch (e) {
      await p.stop();
      throw e;
    }
    return p;
  }

  /** Lets the guest run (QEMU starts frozen so that nothing the firmware does races the session's set-up). */
  async resume(): Promise<void> {
    await this.qmp?.cont();
  }

  get running(): boolean {
    return !this.exited;
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    try {
      await Promise.race([this.qmp?.execute('quit'), new Promise((r) => setTimeout(r, 1000))]);
    } catch {
      // QEMU may close the socket before answering quit.
    }
    const killer = setTimeout(() => this.child.kill('SIGTERM'), 1500);
    const hard = setTimeout(() => this.child.kill('SIGKILL'), 4000);
    await this.exitPromise;
    clearTimeout(killer);
    clearTimeout(hard);
  }
}
