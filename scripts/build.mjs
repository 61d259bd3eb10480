// Bundles every entry point with esbuild: Node bundles (CommonJS) and browser bundles for the webviews.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';

const node = [
  ['cli/main.ts', 'dist/cli.js'],
  ['adapter/main.ts', 'dist/adapter.js'],
  ['language/server.ts', 'dist/language-server.js'],
  ['extension/extension.ts', 'dist/extension.js'],
];
const jobs = [];
for (const [entry, outfile] of node) {
  if (!existsSync(entry)) continue;
  jobs.push(
    build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      sourcemap: true,
      external: ['vscode', '*.node'],
      logLevel: 'warning',
    }),
  );
}
if (existsSync('webviews')) {
  const panels = readdirSync('webviews').filter((f) => /^[a-z-]+-panel\.ts$/.test(f));
  if (panels.length) {
    jobs.push(
      build({
        entryPoints: panels.map((p) => `webviews/${p}`),
        outdir: 'dist/webviews',
        bundle: true,
        platform: 'browser',
        format: 'esm',
        target: 'es2022',
        sourcemap: true,
        // Library stylesheets (uPlot) are imported as text and adopted into the panels' shadow roots.
        loader: { '.css': 'text' },
        logLevel: 'warning',
      }),
    );
  }
}
// The launch schema's rule ids come from engine/rules.
jobs.push(import('./gen-schema.mjs'));
await Promise.all(jobs);
// Codicons for the panels (vscode-icon adopts the stylesheet the panel links; the font sits beside it).
if (existsSync('dist/webviews')) {
  mkdirSync('dist/webviews', { recursive: true });
  for (const f of ['codicon.css', 'codicon.ttf']) copyFileSync(`node_modules/@vscode/codicons/dist/${f}`, `dist/webviews/${f}`);
}
