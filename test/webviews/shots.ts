/** Screenshots of the panel tests: test/.out/webviews (artifacts); the README's copies in docs/images. */
import { copyFileSync, mkdirSync } from 'node:fs';
import { type Page } from 'playwright-core';
import { OUT_DIR } from './host';

export async function shot(p: Page, name: string, doc = false): Promise<void> {
  await p.screenshot({ path: `${OUT_DIR}/${name}.png` });
  if (doc) {
    mkdirSync('docs/images', { recursive: true });
    copyFileSync(`${OUT_DIR}/${name}.png`, `docs/images/${name}.png`);
  }
}
