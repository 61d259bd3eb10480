// Drives the VS Code workbench that code-server serves, in Debian's Chromium through playwright-core. Only
// keyboard commands and the selectors docs/architecture.md lists ("Measured facts"); every action that depends on the workbench having
// finished loading (quick open, hovers) is retried, since commands appear seconds after the page renders.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';

export const CHROMIUM = process.env.VIRTIO_DEBUG_CHROMIUM ?? '/usr/bin/chromium';

const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Starts headless Chromium; `env` keeps its profile and crash reports out of the real home. */
export async function launchChromium(env: NodeJS.ProcessEnv): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the extension test needs Debian's Chromium (apt-get install chromium)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, env });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Calls `attempt` until it returns a value (not undefined) or `timeoutMs` passes; the last error is kept. */
export async function retry<T>(what: string, timeoutMs: number, attempt: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await attempt();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: gave up after ${timeoutMs / 1000} s${last ? ` (${(last as Error).message.split('\n')[0]})` : ''}`);
    }
    await sleep(500);
  }
}

/** Opens code-server on `folder` and waits for the workbench. */
export async function openWorkbench(page: Page, url: string, folder: string): Promise<void> {
  await page.goto(`${url}/?folder=${encodeURIComponent(folder)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
}

const quickInput = (page: Page) => page.locator('.quick-input-widget .quick-input-box input');

/** Opens a workspace file with Quick Open (Ctrl+P) and waits until its editor shows `expectText`. */
export async function openFile(page: Page, name: string, expectText: string): Promise<void> {
  // Each attempt starts over; a failure names the editor that was active instead.
  await retry(`Quick Open for ${name}`, 60_000, async () => {
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+P');
    await quickInput(page).waitFor({ timeout: 5_000 });
    await quickInput(page).fill(name);
    // Enter opens the highlighted row: wait until the filter made it this file (before that it is the most
    // recently opened editor, e.g. the queue listing the stop just opened, which Enter would open again).
    await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: name }).first().waitFor({ timeout: 5_000 });
    await page.keyboard.press('Enter');
    try {
      await page.locator('.monaco-editor .view-lines', { hasText: expectText }).first().waitFor({ timeout: 10_000 });
    } catch {
      const active = await page.locator('.tabs-container .tab.active').first().textContent({ timeout: 1_000 }).catch(() => null);
      throw new Error(`the editor shows no "${expectText}"; active tab: ${active?.trim() || 'none'}`);
    }
    return true;
  });
}

/**
 * Puts the cursor at the start of the first occurrence of `text` in the active editor: Find selects it,
 * Escape closes the find widget and keeps the selection, Left collapses the selection to its start.
 */
export async function placeCursorOn(page: Page, text: string): Promise<void> {
  await page.locator('.monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+F');
  const find = page.locator('.find-widget .input').first();
  await find.waitFor({ timeout: 5_000 });
  await find.fill(text);
  await page.keyboard.press('Enter');
  await page.keyboard.press('Escape');
  await page.keyboard.press('ArrowLeft');
}

/**
 * Shows the hover at the cursor (Ctrl+K Ctrl+I, "Show or Focus Hover") until its text satisfies `accept`;
 * retried because the language server (or the live state) may not be there yet. Returns the hover text.
 */
export async function hoverUntil(page: Page, what: string, timeoutMs: number, accept: (text: string) => boolean): Promise<string> {
  let lastText = '';
  try {
    return await retry(what, timeoutMs, async () => {
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+K');
      await page.keyboard.press('Control+I');
      const hover = page.locator('.monaco-hover-content').filter({ visible: true });
      await hover.first().waitFor({ timeout: 1_500 });
      lastText = (await hover.allInnerTexts()).join('\n');
      return accept(lastText) ? lastText : undefined;
    });
  } catch (e) {
    throw new Error(`${(e as Error).message}; last hover:\n${lastText || '(none)'}`);
  }
}

/** Runs a command from the Command Palette (F1) by its title as listed there (with its category, if any). */
export async function runCommand(page: Page, title: string): Promise<void> {
  await retry(`command "${title}"`, 60_000, async () => {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    await quickInput(page).waitFor({ timeout: 2_000 });
    await quickInput(page).fill(`>${title}`);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    await row.waitFor({ timeout: 3_000 });
    await row.click();
    return true;
  });
}

/** Picks an entry of an open quick pick (e.g. a launch configuration) by its text; typed after what the
 *  input holds, since quick access keeps its prefix there ("debug "). */
export async function pickQuickItem(page: Page, text: string): Promise<void> {
  await quickInput(page).waitFor({ timeout: 5_000 });
  await page.keyboard.type(text);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first();
  await row.waitFor({ timeout: 10_000 });
  await row.click();
}

/** The texts of the rows of a debug view list (`.debug-call-stack`, `.debug-variables`, `.debug-breakpoints`). */
export async function listRows(page: Page, view: string): Promise<string[]> {
  return (await page.locator(`${view} .monaco-list-row`).allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
}

/** Waits until a row of a debug view list satisfies `accept`; returns that row's text. */
export async function waitForRow(page: Page, view: string, what: string, timeoutMs: number, accept: (row: string) => boolean): Promise<string> {
  let last: string[] = [];
  try {
    return await retry(what, timeoutMs, async () => {
      last = await listRows(page, view);
      return last.find(accept);
    });
  } catch (e) {
    throw new Error(`${(e as Error).message}; rows of ${view}:\n${last.join('\n') || '(none)'}`);
  }
}

/**
 * Waits until a webview panel's page (found by an element only it has, e.g. `virtio-ring-panel`) satisfies
 * `accept`, and returns what `accept` returned. Webviews are nested iframes (`iframe.webview.ready` >
 * `#active-frame`); the frame is looked up again on every attempt because a panel that was hidden reloads.
 */
export async function inWebview<T>(page: Page, selector: string, what: string, timeoutMs: number, accept: (frame: Frame) => Promise<T | undefined>): Promise<T> {
  return retry(what, timeoutMs, async () => {
    for (const f of page.frames()) {
      if (f.isDetached() || !(await f.locator(selector).count().catch(() => 0))) continue;
      const v = await accept(f);
      if (v !== undefined) return v;
    }
    return undefined;
  });
}

/**
 * Right-clicks the first row of a debug view list whose text starts with `rowText` and picks `entry` of its
 * context menu. The row is matched on its start so that a frame row naming the same queue is never taken for
 * the thread row. A failure names what the menu offered (or that none opened) and the rows the view had.
 */
export async function contextMenu(page: Page, view: string, rowText: string, entry: string): Promise<void> {
  let seen = '(no menu opened)';
  try {
    await retry(`"${entry}" in the context menu of ${rowText}`, 30_000, async () => {
      await page.keyboard.press('Escape');
      const row = page.locator(`${view} .monaco-list-row`).filter({ hasText: new RegExp(`^\\s*${rowText.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) }).first();
      await row.click({ button: 'right', timeout: 5_000 });
      const menu = page.locator('.monaco-menu').filter({ visible: true }).first();
      await menu.waitFor({ timeout: 3_000 });
      seen = (await menu.locator('.action-item').allInnerTexts()).map((t) => t.trim()).filter(Boolean).join(' | ');
      const item = menu.locator('.action-item', { hasText: entry }).first();
      await item.waitFor({ timeout: 1_000 });
      // The right-click left the mouse on the row, whose hover (the row's title) can open over the menu and take
      // the click (seen in CI: "Show Rings" offered, the click never landed). Move onto the item first, so the
      // row's hover closes, and wait until no hover is shown.
      await item.hover({ force: true, timeout: 1_000 });
      await page.locator('.workbench-hover-container, .monaco-hover:not(.hidden)').first().waitFor({ state: 'hidden', timeout: 2_000 }).catch(() => undefined);
      // Bounded, so that a click that cannot land is retried with a fresh menu instead of waiting for ever.
      await item.click({ timeout: 3_000 });
      return true;
    });
  } catch (e) {
    throw new Error(`${(e as Error).message}; the menu offered: ${seen}; rows of ${view}:\n${(await listRows(page, view)).join('\n')}`);
  }
}
