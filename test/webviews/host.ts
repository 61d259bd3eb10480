/**
 * The test host for the panels: a small HTTP server (127.0.0.1, ephemeral port) that serves the built
 * bundles from dist/webviews and one page per panel, and a Chromium driven by playwright-core. The page
 * stands in for VS Code's webview: it injects theme variables and a stub `acquireVsCodeApi` that records
 * what the panel posts and keeps its state; tests post messages to the panel as VS Code's postMessage does.
 */
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { type AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { type PanelKind, type PanelState, type ToPanelMessage } from '../../protocol/webview';
import { bundleName, newNonce, panelHtml } from '../../extension/panels/panel-html';
import { DARK_THEME } from './theme';

export const OUT_DIR = 'test/.out/webviews';
const DIST = 'dist/webviews';
const CHROMIUM = '/usr/bin/chromium';

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf', '.map': 'application/json', '.html': 'text/html' };

/** The panel page exactly as the extension builds it (same CSP), plus VS Code's theme and API stand-ins. */
function page(kind: PanelKind, state: PanelState | undefined, origin: string): string {
  const stub = `window.__posted = [];
window.__state = ${JSON.stringify(state ?? null)};
window.acquireVsCodeApi = () => ({
  postMessage: (m) => window.__posted.push(m),
  getState: () => window.__state,
  setState: (s) => { window.__state = s; },
});`;
  return panelHtml({
    kind,
    title: kind,
    cspSource: origin,
    scriptUri: `${origin}/${bundleName(kind)}`,
    codiconUri: `${origin}/codicon.css`,
    nonce: newNonce(),
    preludeScripts: [stub],
    preludeStyle: `:root{${DARK_THEME}} body{color:var(--vscode-foreground);font-family:var(--vscode-font-family);font-size:var(--vscode-font-size)}`,
  });
}

export class PanelHost {
  private server: Server | undefined;
  private browser: Browser | undefined;
  private base = '';

  async start(): Promise<void> {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)`);
    if (!existsSync(join(DIST, 'codicon.css'))) throw new Error(`${DIST}/codicon.css is missing: run node scripts/build.mjs first`);
    mkdirSync(OUT_DIR, { recursive: true });
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const m = /^\/page\/(rings|device|timeline)$/.exec(url.pathname);
      if (m) {
        const state = url.searchParams.get('state');
        res.writeHead(200, { 'content-type': 'text/html' }).end(page(m[1] as PanelKind, state ? (JSON.parse(state) as PanelState) : undefined, this.base));
        return;
      }
      if (url.pathname === '/favicon.ico') {
        res.writeHead(204).end();
        return;
      }
      const file = normalize(join(DIST, url.pathname));
      if (!file.startsWith(DIST) || !existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }

  /** The Chromium the pages run in (for a performance trace: Browser.startTracing). */
  chromium(): Browser {
    if (!this.browser) throw new Error('PanelHost.start() first');
    return this.browser;
  }

  /** Opens a panel page; `state` is what VS Code would restore (the serializer's state). */
  async open(kind: PanelKind, state?: PanelState, size = { width: 1600, height: 900 }): Promise<Page> {
    const bundle = join(DIST, bundleName(kind));
    if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run node scripts/build.mjs first`);
    const p = await this.browser!.newPage({ viewport: size, deviceScaleFactor: 1 });
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(e.message));
    p.on('response', (r) => {
      if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
    });
    // CSP refusals show up as console errors: a panel that needs a looser policy fails its test.
    p.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    (p as Page & { errors: string[] }).errors = errors;
    await p.goto(`${this.base}/page/${kind}${state ? `?state=${encodeURIComponent(JSON.stringify(state))}` : ''}`);
    await p.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
    return p;
  }

  async close(): Promise<void> {
    await this.browser?.close().catch(() => {});
    this.browser = undefined;
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }
}

/** Posts a message to the panel the way VS Code's webview.postMessage delivers it. */
export async function send(p: Page, m: ToPanelMessage): Promise<void> {
  // As a JSON string: Playwright's own serialization of a multi-megabyte object takes tens of seconds.
  await p.evaluate((json) => window.postMessage(JSON.parse(json), '*'), JSON.stringify(m));
}

export function posted(p: Page): Promise<{ type: string }[]> {
  return p.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted);
}

export function pageErrors(p: Page): string[] {
  return (p as Page & { errors?: string[] }).errors ?? [];
}
