// Each benchmark saves its figures as bench/.out/<name>.json; bench/run.mjs merges them into results.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function saveResult(name: string, data: unknown): void {
  const dir = join(__dirname, '.out');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(data, null, 2)}\n`);
}
