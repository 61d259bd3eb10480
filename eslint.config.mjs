// Lint: typescript-eslint on every layer, plus the layer rules of docs/architecture.md ("Layers") (forbidden imports, no cycles).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const layers = ['protocol', 'engine', 'adapter', 'extension', 'webviews', 'language', 'cli'];
const others = (...allowed) => layers.filter((l) => !allowed.includes(l)).map((l) => `./${l}`);
const zone = (target, from, message) => ({ target: `./${target}`, from, message });

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'node_modules/**', 'prebuilds/**', 'test/.out/**', 'bench/.out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.*.json', noWarnOnMultipleProjects: true })],
      // Dependencies must be parsed as TypeScript too, or no-cycle cannot follow them.
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/extensions': ['.ts', '.js', '.mjs'],
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-constant-condition': ['error', { checkLoops: false }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-self-import': 'error',
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            zone('protocol', others('protocol'), 'protocol/ holds shared types only and imports no other layer'),
            zone('engine', others('engine', 'protocol'), 'engine/ may import only protocol/'),
            zone('adapter', others('adapter', 'engine', 'protocol'), 'adapter/ may import engine/ and protocol/'),
            zone('webviews', others('webviews', 'protocol'), 'webviews/ may import only protocol/'),
            zone('language', others('language', 'engine', 'protocol'), 'language/ may import engine/ and protocol/'),
            zone('extension', others('extension', 'protocol', 'engine'), 'extension/ may import protocol/ (and engine/ tables)'),
            zone('cli', ['./extension', './webviews'], 'cli/ must not import extension/ or webviews/'),
          ],
        },
      ],
    },
  },
  {
    files: ['protocol/**', 'engine/**', 'adapter/**', 'language/**', 'cli/**', 'webviews/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'vscode', message: 'only extension/ may import vscode' }] },
      ],
    },
  },
  {
    // The engine's front door (docs/architecture.md, "The engine"): the adapter and the CLI import `engine` only.
    files: ['adapter/**', 'cli/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'only extension/ may import vscode' }],
          patterns: [{ group: ['**/engine/*'], message: 'import the engine through its front door (engine/index.ts), not by deep path' }],
        },
      ],
    },
  },
  // The language server and the extension import only the engine's light tables (no Node I/O in their bundles).
  ...[['language/**', true], ['extension/**', false]].map(([glob, noVscode]) => ({
    files: [glob],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: noVscode ? [{ name: 'vscode', message: 'only extension/ may import vscode' }] : [],
          patterns: [
            {
              regex: '(^|/)engine($|/(?!(spec-tables|spec-tables/[\\w-]+|wire/[\\w-]+|rules|trace/format)$))',
              message: 'language/ and extension/ import only engine/spec-tables, engine/wire, engine/rules and engine/trace/format',
            },
          ],
        },
      ],
    },
  })),
  {
    files: ['engine/**', 'protocol/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'only extension/ may import vscode' }],
          patterns: [
            { group: ['@vscode/*', 'vscode-*'], message: 'engine/ and protocol/ import no DAP, LSP or editor packages' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
