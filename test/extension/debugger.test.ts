// The debugger in a real VS Code (code-server, driven by Debian's Chromium, with the .vsix `npm run package`
// makes installed: harness.ts), on the sample workspace that `npm start` opens (examples/): F5 stops the
// session, the Call Stack shows the queues as threads, the editor opens the queue listing and Variables is
// filled without a click, a function breakpoint stops on a chain, "Show Rings" on the thread opens the ring
// panel on the stopped chain (decoded header), a step advances and moves the panel's used index, a spec
// violation shows its rule and fix in the editor's exception widget, and the "Virtio Trace" output and the
// timeline keep the session's events after it ends. Screenshots of each step are saved in
// test/.out/extension-debugger/. Needs code-server (scripts/install-code-server.sh, a few minutes the first
// time) and /usr/bin/chromium; without either the test fails, it never skips.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type Frame, type Page } from 'playwright-core';
import { elapsed, INSTALL_TIMEOUT, note, ROOT, WorkbenchHarness } from './harness';
import { contextMenu, inWebview, listRows, pickQuickItem, retry, runCommand, waitForRow } from './workbench';

const THREADS = ['blk0.requestq1', 'net0.receiveq1', 'net0.transmitq1', 'net0.controlq'];
/** The second configuration of examples/.vscode/launch.json. */
const BUG_CONFIG = 'a driver bug';
const BUG_RULE = 'split-desc-zero-length';

const CALL_STACK = '.debug-call-stack';
const VARIABLES = '.debug-variables';
const RING_PANEL = 'virtio-ring-panel';
const TIMELINE_PANEL = 'virtio-timeline-panel';
/** The used ring's index in the ring panel's table header ("Used ring idx 5, flags 0"). */
async function usedIdxIn(f: Frame): Promise<number | undefined> {
  const text = await f.locator(`${RING_PANEL} span`).filter({ hasText: /^Used ring\s*idx \d+/ }).first().textContent({ timeout: 1_000 });
  const m = /idx (\d+)/.exec(text ?? '');
  return m ? Number(m[1]) : undefined;
}
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

  test('a function breakpoint on a queue stops on its chain, shown in Variables and the ring panel; a step advances', { timeout: 240_000 }, async () => {
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

      // "Show Rings" from the thread's context menu opens the ring panel on that queue, the stopped chain selected
      // with its decoded blk header.
      await contextMenu(page, CALL_STACK, 'blk0.requestq1', 'Show Rings');
      const shown = await inWebview(page, RING_PANEL, 'the ring panel with the stopped chain', 60_000, async (f) => {
        // Locators pierce the panel's shadow DOM; innerText of the panel element itself would not.
        const queue = await f.locator(`${RING_PANEL} [data-testid="queue"]`).evaluate((e) => (e as HTMLSelectElement).value, undefined, { timeout: 1_000 });
        const summary = await f.locator('[data-testid="chain-summary"]').innerText({ timeout: 1_000 });
        const decoded = await f.locator('[data-testid="decoded"]').innerText({ timeout: 1_000 });
        const used = await usedIdxIn(f);
        return summary && used !== undefined ? { queue, summary, decoded, used } : undefined;
      });
      assert.equal(shown.queue, 'blk0.requestq1', 'the panel shows the queue of the row');
      assert.ok(top.includes(shown.summary), `the selected chain (${shown.summary}) is the stopped one (${top})`);
      assert.match(shown.decoded, /virtio-blk request/);
      assert.match(shown.decoded, /type\s+(IN|OUT|FLUSH|GET_ID)/);
      assert.match(shown.decoded, /sector\s+\d+/);
      await wb.screenshot('rings');

      const before = top;
      // The toolbar's Step Over: the keyboard focus is in the panel now.
      await page.locator('.debug-toolbar .codicon-debug-step-over').first().click();
      const after = await waitForRow(page, CALL_STACK, 'the top frame after a step', 30_000, (r) => isFrame(r) && r !== before);
      assert.notEqual(after, before, 'the stepped chain was completed');
      await waitForRow(page, VARIABLES, 'Variables after the step', 20_000, (r) => r === 'Queue' || r.startsWith('descriptors'));
      // The panel follows the stop: the used index moved by the one completed chain.
      const usedAfter = await inWebview(page, RING_PANEL, `the used idx after ${shown.used} in the ring panel`, 30_000, async (f) => {
        const u = await usedIdxIn(f);
        return u !== undefined && u !== shown.used ? u : undefined;
      });
      assert.equal(usedAfter, (shown.used + 1) & 0xffff, 'one chain completed by the step');
      await wb.screenshot('step');
      await page.keyboard.press('Shift+F5');
      await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
      await runCommand(page, 'Remove All Breakpoints');
      note(`breakpoint and step after ${elapsed(t0)}`);
    });
  });

  test('a spec violation shows its rule and fix in the exception widget; the trace and the timeline outlive the session', { timeout: 240_000 }, async () => {
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

      // The timeline keeps the ended session's events and its violation, with rule and fix.
      await runCommand(page, 'Virtio: Show Timeline');
      const timeline = await inWebview(page, TIMELINE_PANEL, 'the timeline with the ended session', 60_000, async (f) => {
        if (!(await f.locator('#lanes canvas').count())) return undefined;
        const v = f.locator('[data-testid="violation"]').first();
        if (!(await v.count())) return undefined;
        return { lanes: await f.locator('#lanes').innerText(), rule: await v.getAttribute('data-rule'), text: await v.innerText(), fix: await v.locator('[data-testid="fix"]').innerText() };
      });
      for (const k of ['notification', 'chain', 'violation']) assert.match(timeline.lanes, new RegExp(k));
      assert.equal(timeline.rule, BUG_RULE);
      assert.match(timeline.text, /§2\.7\.5/);
      assert.match(timeline.fix, /Do not add empty scatter-gather entries/);
      await wb.screenshot('timeline-after-session');
      note(`violation after ${elapsed(t0)}`);
    });
  });
});
