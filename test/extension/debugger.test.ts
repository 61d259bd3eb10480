// The debugger in a real VS Code (code-server, driven by Debian's Chromium), on the sample workspace that
// `npm start` opens (examples/): F5 stops the session, the Call Stack shows the queues as threads, the editor
// opens the queue listing and Variables is filled without a click, a function breakpoint stops on a chain,
// a step advances, and a spec violation shows its rule and fix in the editor's exception widget while the
// "Virtio Trace" output keeps the trace after the session ends. Screenshots of each stop are saved in
// test/.out/extension-debugger/. Needs code-server (scripts/install-code-server.sh, a few minutes the first
// time) and /usr/bin/chromium; without either the test fails, it never skips.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type Page } from 'playwright-core';
import { elapsed, INSTALL_TIMEOUT, note, ROOT, WorkbenchHarness } from './harness';
import { listRows, pickQuickItem, retry, runCommand, waitForRow } from './workbench';

const THREADS = ['blk0.requestq1', 'net0.receiveq1', 'net0.transmitq1', 'net0.controlq'];
/** The second configuration of examples/.vscode/launch.json. */
const BUG_CONFIG = 'a driver bug';
const BUG_RULE = 'split-desc-zero-length';

const CALL_STACK = '.debug-call-stack';
const VARIABLES = '.debug-variables';
/** A frame row of the Call Stack (a chain, or the frame of a queue without a pending chain). */
const isFrame = (row: string): boolean => /^(⚠ |chain \d+|\S+: no pending chain)/.test(row);

/** F5 until the debug toolbar shows: a key pressed while the workbench is still starting is lost. */
async function startDebugging(page: Page): Promise<void> {
  await retry('F5 starts a session', 60_000, async () => {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F5');
    await page.locator('.debug-toolbar').waitFor({ timeout: 10_000 });
    return true;
  });
}

describe('the debugger in code-server, on the sample workspace', () => {
  const wb = new WorkbenchHarness(join(ROOT, 'examples'), join(ROOT, 'test/.out/extension-debugger'));
  after(() => wb.close());

  test('F5 stops; the Call Stack lists the queues; the queue listing opens and Variables fills without a click', { timeout: INSTALL_TIMEOUT + 120_000 }, async () => {
    await wb.ready();
    const { page } = wb;
    await wb.step('f5-entry', async () => {
      const t0 = Date.now();
      await startDebugging(page);
      await page.keyboard.press('Control+Shift+D');
      for (const t of THREADS) await waitForRow(page, CALL_STACK, `thread ${t} in the Call Stack`, 30_000, (r) => r.startsWith(t));
      // The top frame has a source (the queue listing): VS Code opens it and focuses the frame by itself.
      await page.locator('.monaco-editor .view-lines', { hasText: 'blk0.requestq1 · split ring' }).first().waitFor({ timeout: 20_000 });
      await waitForRow(page, VARIABLES, 'the Queue scope in Variables', 20_000, (r) => r === 'Queue');
      await page.locator('.statusbar-item', { hasText: 'blk0 · net0' }).first().waitFor({ timeout: 10_000 });
      await wb.screenshot('entry');
      note(`entry stop after ${elapsed(t0)}`);
    });
  });

  test('a function breakpoint on a queue stops on its chain, shown in Variables; a step advances', { timeout: 120_000 }, async () => {
    await wb.ready();
    const { page } = wb;
    await wb.step('breakpoint-step', async () => {
      const t0 = Date.now();
      await runCommand(page, 'Add Function Breakpoint');
      const input = page.locator('.debug-breakpoints .monaco-inputbox input').first();
      await input.waitFor({ timeout: 10_000 });
      await input.fill('blk0.requestq1');
      await page.keyboard.press('Enter');
      await waitForRow(page, '.debug-breakpoints', 'the function breakpoint', 10_000, (r) => r.includes('blk0.requestq1'));
      await page.keyboard.press('F5'); // continue from the entry stop
      const top = await waitForRow(page, CALL_STACK, 'a chain frame after the breakpoint', 30_000, (r) => /^chain \d+: (IN|OUT|FLUSH|GET_ID)/.test(r));
      // The Chain scope is the first scope: expanded, with the chain's descriptors, without a click.
      await waitForRow(page, VARIABLES, 'the chain in Variables', 20_000, (r) => r.startsWith('descriptors'));
      await wb.screenshot('breakpoint');
      const before = top;
      await page.keyboard.press('F10');
      const after = await waitForRow(page, CALL_STACK, 'the top frame after a step', 30_000, (r) => isFrame(r) && r !== before);
      assert.notEqual(after, before, 'the stepped chain was completed');
      await waitForRow(page, VARIABLES, 'Variables after the step', 20_000, (r) => r === 'Queue' || r.startsWith('descriptors'));
      await wb.screenshot('step');
      await page.keyboard.press('Shift+F5');
      await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
      await runCommand(page, 'Remove All Breakpoints');
      note(`breakpoint and step after ${elapsed(t0)}`);
    });
  });

  test('a spec violation shows its rule and fix in the exception widget; the trace outlives the session', { timeout: 120_000 }, async () => {
    await wb.ready();
    const { page } = wb;
    await wb.step('violation', async () => {
      const t0 = Date.now();
      await page.keyboard.press('Control+Shift+D'); // the Call Stack is where a user selects a frame
      await runCommand(page, 'Debug: Select and Start Debugging');
      await pickQuickItem(page, BUG_CONFIG);
      const widget = page.locator('.exception-widget').first();
      // The stop focuses the top frame, which opens the queue listing at the offending descriptor.
      await page.locator('.monaco-editor .view-lines', { hasText: `⚠ ${BUG_RULE}` }).first().waitFor({ timeout: 60_000 });
      const shown = await widget.waitFor({ timeout: 45_000 }).then(
        () => true,
        () => false,
      );
      if (!shown) {
        // Seen on a loaded machine: the workbench focused the frame and opened the listing, yet did not open
        // the widget (its check compares the focused frame with a call stack fetched again meanwhile). Selecting
        // the frame, as a user would, shows it; the manual run (npm start) shows it without.
        note('the exception widget needed a click on the top frame');
        await page.locator(`${CALL_STACK} .monaco-list-row`, { hasText: BUG_RULE }).first().click();
        await widget.waitFor({ timeout: 30_000 });
      }
      const text = (await widget.innerText()).replace(/\s+/g, ' ');
      assert.match(text, new RegExp(`Exception has occurred: ${BUG_RULE}`));
      assert.match(text, /VIRTIO §2\.7\.5/);
      assert.match(text, /Rule: A descriptor must describe a buffer of at least one byte\./);
      assert.match(text, /Why: QEMU rejects the chain/);
      assert.match(text, /Fix: Do not add empty scatter-gather entries/);
      await page.locator('.statusbar-item', { hasText: 'blk0' }).first().waitFor({ timeout: 10_000 });
      await wb.screenshot('violation');

      await runCommand(page, 'Virtio: Show Trace Output');
      const trace = (text: string) => page.locator('.monaco-editor .view-lines', { hasText: text }).first();
      await trace(`VIOLATION ${BUG_RULE}`).waitFor({ timeout: 15_000 });
      await page.keyboard.press('Shift+F5');
      await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
      await trace('session ended').waitFor({ timeout: 15_000 });
      assert.ok((await listRows(page, CALL_STACK)).length === 0, 'the session is gone');
      await wb.screenshot('trace-after-session');
      note(`violation after ${elapsed(t0)}`);
    });
  });
});
