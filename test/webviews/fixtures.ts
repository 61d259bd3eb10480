/** Records the real-engine snapshots once per test file, in a child process (see record-main.ts). */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { type Recordings } from './record-main';

export type { Recordings } from './record-main';

const tsxCli = createRequire(__filename).resolve('tsx/cli');

export function recordings(): Promise<Recordings> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [tsxCli, 'test/webviews/record-main.ts'], { maxBuffer: 256 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`recording the snapshots failed: ${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as Recordings);
    });
  });
}
