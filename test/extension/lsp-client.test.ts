// The packaged extension in a real VS Code (code-server, driven by Debian's Chromium): the language client
// starts our server for a C driver source (hover on a feature bit shows bit and spec section), F5 starts a
// built-in `virtio` session from the sample launch.json, and while it runs the hover shows what the session
// negotiated (virtio/snapshot → virtio/liveState); when the session ends the live lines go away.
// Needs code-server (scripts/install-code-server.sh installs it into a cache outside the repository,
// a few minutes the first time) and /usr/bin/chromium; without either the test fails, it never skips.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { installCodeServer, installExtension, isolatedEnv, lockWorkbench, runDirs, startCodeServer, type RunDirs, type RunningCodeServer } from './code-server';
import { packageVsix } from './vsix';
import { hoverUntil, launchChromium, openFile, openWorkbench, placeCursorOn } from './workbench';

const ROOT = resolve(__dirname, '../..');
const FIXTURE = join(ROOT, 'test/fixtures/driver-workspace');
const OUT = join(ROOT, 'test/.out/extension');
const SOURCE = 'virtio_net_probe.c';
const CONSTANT = 'VIRTIO_NET_F_MRG_RXBUF';
/** The `name` of the configuration in the fixture's .vscode/launch.json. */
const SESSION = 'Builtin blk + net';
/** A cold code-server install (first run on a machine) takes a few minutes. */
const INSTALL_TIMEOUT = 15 * 60_000;

const elapsed = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const note = (line: string): void => {
  process.stderr.write(`extension test: ${line}\n`);
};

describe('extension in code-server: language client and live state', () => {
  let dirs: RunDirs;
  let workspace: string;
  let server: RunningCodeServer | undefined;
  let browser: Browser | undefined;
  let unlock: (() => void) | undefined;
  let page: Page;
  let failed = false;
  let sawLive = false;

  /** Runs a step; on failure saves a screenshot and adds code-server's output to the error. */
  async function step(name: string, body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (e) {
      failed = true;
      mkdirSync(OUT, { recursive: true });
      const shot = join(OUT, `${name}.png`);
      const saved = page ? await page.screenshot({ path: shot }).then(() => shot, () => 'no screenshot') : 'no page';
      const logs = server ? server.output().split('\n').slice(-15).join('\n') : '';
      throw new Error(`${(e as Error).message}\nscreenshot: ${saved}\nrun folder (logs in user-data/logs): ${dirs?.root}\ncode-server output:\n${logs}`, { cause: e });
    }
  }

  // Setup runs inside the first test (not a before hook) so a missing code-server or chromium fails every test
  // with its own message; later tests reuse the same workbench.
  let setup: Promise<void> | undefined;
  const ready = (): Promise<void> =>
    (setup ??= (async () => {
      const t0 = Date.now();
      rmSync(OUT, { recursive: true, force: true }); // screenshots of an earlier failed run
      const install = await installCodeServer(); // throws when code-server cannot be installed
      note(`code-server ${install.version} ready in ${install.seconds.toFixed(1)} s`);
      unlock = await lockWorkbench();
      dirs = runDirs(mkdtempSync(join(tmpdir(), 'vd-ext-')));
      browser = await launchChromium(isolatedEnv(dirs)); // throws when chromium is missing
      workspace = join(dirs.root, 'driver-workspace');
      cpSync(FIXTURE, workspace, { recursive: true }); // the session creates its disk image inside the workspace
      const vsix = join(dirs.root, 'virtio-debug.vsix');
      await packageVsix(vsix);
      await installExtension(install, dirs, vsix);
      server = await startCodeServer(install, dirs, workspace);
      page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await step('open-workbench', () => openWorkbench(page, server!.url, workspace));
      note(`workbench up after ${elapsed(t0)}`);
    })());

  after(async () => {
    await browser?.close();
    await server?.stop();
    unlock?.();
    if (!failed && dirs) rmSync(dirs.root, { recursive: true, force: true });
  });

  test('hover on a feature bit in a C source shows its bit and spec section', { timeout: INSTALL_TIMEOUT + 90_000 }, async () => {
    await ready();
    await step('hover-static', async () => {
      const t0 = Date.now();
      await openFile(page, SOURCE, CONSTANT);
      await placeCursorOn(page, CONSTANT);
      // Retried until the extension activated (onLanguage:c) and the server answers.
      const text = await hoverUntil(page, `hover on ${CONSTANT}`, 60_000, (t) => t.includes(CONSTANT));
      assert.match(text, /virtio-net feature bit/);
      assert.match(text, /\bbit 15\b/);
      assert.match(text, /§5\.1\.3\b/);
      assert.doesNotMatch(text, /Live/, 'no session runs yet: no live lines');
      note(`static hover after ${elapsed(t0)}`);
    });
  });

  test('while a virtio session runs (F5), the hover shows what the session negotiated', { timeout: INSTALL_TIMEOUT + 90_000 }, async () => {
    await ready();
    await step('hover-live', async () => {
      const t0 = Date.now();
      await page.keyboard.press('Escape');
      await page.keyboard.press('F5');
      await page.locator('.debug-toolbar').waitFor({ timeout: 30_000 });
      // The entry stop opens the stopped queue's listing (its top frame's source): back to the driver source.
      await page.locator('.monaco-editor .view-lines', { hasText: 'blk0.requestq1 · split ring' }).first().waitFor({ timeout: 60_000 });
      await openFile(page, SOURCE, CONSTANT);
      await placeCursorOn(page, CONSTANT);
      // stopOnEntry: the session stops once both devices reached DRIVER_OK; the live state follows the
      // virtio/stateChanged events, so the hover passes through earlier states (not negotiated yet) first.
      const text = await hoverUntil(page, 'live hover during the session', 60_000, (t) => /offered \/ negotiated on net0: yes \/ yes/.test(t));
      assert.match(text, new RegExp(`Live \\(${SESSION.replace(/[+]/g, '\\+')}\\)`), 'the live lines name the debug session');
      assert.doesNotMatch(text, /blk0/, 'a virtio-net feature says nothing about the blk device');
      assert.match(text, /\bbit 15\b/, 'the static description stays');
      // It is this session, stopped with its queues as threads (Run and Debug view, Call Stack; names of docs/architecture.md, "Contracts").
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+Shift+D');
      await page.locator('.debug-call-stack .monaco-list-row', { hasText: 'net0.receiveq1' }).first().waitFor({ timeout: 10_000 });
      sawLive = true;
      note(`live hover after ${elapsed(t0)}`);
    });
  });

  test('when the session ends, the live lines go away', { timeout: INSTALL_TIMEOUT + 60_000 }, async () => {
    await ready();
    await step('hover-cleared', async () => {
      assert.ok(sawLive, 'this test needs the live hover of the previous one');
      const t0 = Date.now();
      await page.keyboard.press('Escape');
      await page.keyboard.press('Shift+F5');
      await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
      await openFile(page, SOURCE, CONSTANT);
      await placeCursorOn(page, CONSTANT);
      const text = await hoverUntil(page, 'hover after the session', 30_000, (t) => t.includes(CONSTANT) && !t.includes('Live'));
      assert.match(text, /§5\.1\.3\b/);
      note(`cleared after ${elapsed(t0)}`);
    });
  });
});
