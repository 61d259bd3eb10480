/**
 * dpdk-testpmd for the benches: started with no hugepages and no PCI, runs until stopped, prints its port
 * statistics every second. `txPps(port)` reads the "Throughput (since last show)" figures testpmd printed.
 * Without dpdk-testpmd (Debian's dpdk-dev) the bench fails with the install command.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { spawnTied } from '../adapter/qemu/spawn-tied';

const TESTPMD = process.env.VIRTIO_DEBUG_TESTPMD ?? 'dpdk-testpmd';
let prefixes = 0;

export function requireTestpmd(): void {
  const r = spawnSync(TESTPMD, ['--help'], { encoding: 'utf8', timeout: 20_000 });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') throw new Error(`${TESTPMD} is missing: apt-get install dpdk-dev (listed in .ci/run)`);
}

export class Testpmd {
  private text = '';
  private readonly exited: Promise<number | null>;

  private constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (this.text += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (this.text += c));
    this.exited = new Promise((resolve) => {
      child.on('error', () => resolve(-1));
      child.on('close', (code) => resolve(code));
    });
  }

  /** `lcores` e.g. '0,1' (the first is testpmd's main lcore, the next its one forwarding core). */
  static start(lcores: string, vdevs: string[], appArgs: string[]): Testpmd {
    const args = ['-l', lcores, '--no-huge', '-m', '512', '--no-pci', `--file-prefix=vdb${process.pid}x${prefixes++}`];
    for (const v of vdevs) args.push('--vdev', v);
    // --stats-period keeps testpmd running without a terminal (it would quit at "Press enter to exit").
    args.push('--', '--auto-start', '--nb-cores=1', '--total-num-mbufs=8192', '--stats-period', '1', ...appArgs);
    return new Testpmd(spawnTied(TESTPMD, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  get output(): string {
    return this.text;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Tx-pps of `port` from each periodic statistics block, in order. */
  txPps(port: number): number[] {
    const out: number[] = [];
    const re = new RegExp(`NIC statistics for port ${port}\\s+#+[^#]*?Tx-pps:\\s+(\\d+)`, 'g');
    for (const m of this.text.matchAll(re)) out.push(Number(m[1]));
    return out;
  }

  /** Waits until `check()` holds (or testpmd ended, or `ms` passed); true when it holds. */
  async until(check: () => boolean, ms: number): Promise<boolean> {
    const end = Date.now() + ms;
    while (!check() && this.running && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    return check();
  }

  /** SIGINT: testpmd stops forwarding, prints its totals, closes its ports and exits. */
  async stop(): Promise<number | null> {
    if (this.running) this.child.kill('SIGINT');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    const code = await this.exited;
    clearTimeout(killer);
    return code;
  }
}
