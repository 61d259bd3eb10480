/**
 * Screenshots of the panel tests: test/.out/webviews (artifacts). The README's copies in docs/images are
 * refreshed only on request (UPDATE_SCREENSHOTS=1), so that a test run never changes tracked files.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { type Locator, type Page } from 'playwright-core';
import { OUT_DIR } from './host';

/** Saves the page, or only `part` of it (an element), as `name`.png; `doc`: also the README's copy. */
export async function shot(p: Page, name: string, doc = false, part?: Locator): Promise<void> {
  await (part ?? p).screenshot({ path: `${OUT_DIR}/${name}.png` });
  if (doc && process.env.UPDATE_SCREENSHOTS === '1') {
    mkdirSync('docs/images', { recursive: true });
    copyFileSync(`${OUT_DIR}/${name}.png`, `docs/images/${name}.png`);
  }
}
