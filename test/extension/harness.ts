// One code-server + Chromium workbench shared by the tests of a file: installed and started on first use
// (inside the first test, so a missing code-server or Chromium fails that test with its own message), the
// packaged extension installed, a copy of a sample workspace opened. `step` saves a screenshot and adds
// code-server's output to a failure; `close` ends Chromium and code-server, pass or fail.
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { installCodeServer, installExtension, isolatedEnv, lockWorkbench, runDirs, startCodeServer, type RunDirs, type RunningCodeServer } from './code-server';
import { packageVsix } from './vsix';
import { launchChromium, openWorkbench } from './workbench';

export const ROOT = resolve(__dirname, '../..');
/** A cold code-server install (first run on a machine) takes a few minutes. */
export const INSTALL_TIMEOUT = 15 * 60_000;

export const note = (line: string): void => {
  process.stderr.write(`extension test: ${line}\n`);
};
export const elapsed = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;

export class WorkbenchHarness {
  dirs: RunDirs | undefined;
  /** The copy of the sample workspace the workbench has open (sessions write their disk images there). */
  workspace = '';
  page!: Page;
  private server: RunningCodeServer | undefined;
  private browser: Browser | undefined;
  private unlock: (() => void) | undefined;
  private setup: Promise<void> | undefined;
  private failed = false;

  /** `sample`: the workspace folder to copy and open; `out`: where screenshots go. */
  constructor(
    private readonly sample: string,
    readonly out: string,
  ) {}

  ready(): Promise<void> {
    return (this.setup ??= this.start());
  }

  private async start(): Promise<void> {
    const t0 = Date.now();
    rmSync(this.out, { recursive: true, force: true }); // screenshots of an earlier run
    const install = await installCodeServer(); // throws when code-server cannot be installed
    note(`code-server ${install.version} ready in ${install.seconds.toFixed(1)} s`);
    this.unlock = await lockWorkbench();
    const dirs = runDirs(mkdtempSync(join(tmpdir(), 'vd-ext-')));
    this.dirs = dirs;
    this.browser = await launchChromium(isolatedEnv(dirs)); // throws when chromium is missing
    this.workspace = join(dirs.root, 'workspace');
    cpSync(this.sample, this.workspace, { recursive: true });
    const vsix = join(dirs.root, 'virtio-debug.vsix');
    await packageVsix(vsix);
    await installExtension(install, dirs, vsix);
    this.server = await startCodeServer(install, dirs, this.workspace);
    this.page = await this.browser.newPage({ viewport: { width: 1400, height: 900 } });
    await this.step('open-workbench', () => openWorkbench(this.page, this.server!.url, this.workspace));
    note(`workbench up after ${elapsed(t0)}`);
  }

  /** Runs a step; on failure saves a screenshot and adds code-server's output to the error. */
  async step(name: string, body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (e) {
      this.failed = true;
      const shot = await this.screenshot(`${name}-failed`);
      const logs = this.server ? this.server.output().split('\n').slice(-15).join('\n') : '';
      throw new Error(`${(e as Error).message}\nscreenshot: ${shot}\nrun folder (logs in user-data/logs): ${this.dirs?.root}\ncode-server output:\n${logs}`, { cause: e });
    }
  }

  /** Saves a screenshot of the workbench as a test artifact; returns its path. */
  async screenshot(name: string): Promise<string> {
    if (!this.page) return 'no page';
    mkdirSync(this.out, { recursive: true });
    const path = join(this.out, `${name}.png`);
    return this.page.screenshot({ path }).then(
      () => path,
      () => 'no screenshot',
    );
  }

  async close(): Promise<void> {
    await this.browser?.close();
    await this.server?.stop();
    this.unlock?.();
    if (!this.failed && this.dirs) rmSync(this.dirs.root, { recursive: true, force: true });
  }
}
