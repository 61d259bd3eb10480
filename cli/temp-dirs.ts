/**
 * Temporary directories the CLI creates (the demo's disk images), removed at the end of their run and also
 * when the process is interrupted (Ctrl-C, SIGTERM, SIGHUP) in the middle of it.
 */
import { rmSync } from 'node:fs';

const live = new Set<string>();

export function trackTempDir(dir: string): void {
  live.add(dir);
}

export function untrackTempDir(dir: string): void {
  live.delete(dir);
}

export function removeTempDirsSync(): void {
  for (const dir of live) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort: the process is exiting.
    }
  }
  live.clear();
}

/** On SIGINT/SIGTERM/SIGHUP: remove the tracked directories and exit 128 + signal number. */
export function removeTempDirsOnSignal(): void {
  const codes: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };
  for (const [signal, code] of Object.entries(codes) as [NodeJS.Signals, number][]) {
    process.once(signal, () => {
      removeTempDirsSync();
      process.exit(code);
    });
  }
}
