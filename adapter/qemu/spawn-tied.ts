/**
 * Spawns a child that cannot outlive this process: on Linux the child runs under util-linux `setpriv
 * --pdeathsig`, so the kernel sends it SIGTERM the moment we die — crash, SIGKILL or a test runner's timeout
 * included, cases where no exit handler of ours runs. A QEMU left behind would keep a guest spinning at full
 * CPU for good. Elsewhere (no setpriv) the child is spawned as is.
 */
import { spawn, type ChildProcessByStdio, type SpawnOptionsWithStdioTuple, type StdioNull, type StdioPipe } from 'node:child_process';
import { type Readable } from 'node:stream';
import { existsSync } from 'node:fs';

const SETPRIV = '/usr/bin/setpriv';

/** The program and arguments that run `binary args` tied to this process. */
export function tiedCommand(binary: string, args: readonly string[]): { file: string; args: string[] } {
  if (process.platform === 'linux' && existsSync(SETPRIV)) {
    return { file: SETPRIV, args: ['--pdeathsig', 'TERM', '--', binary, ...args] };
  }
  return { file: binary, args: [...args] };
}

/** spawn(), but the child dies with this process (the death signal follows the spawning thread: Node's main thread). */
export function spawnTied(
  binary: string,
  args: readonly string[],
  options: SpawnOptionsWithStdioTuple<StdioNull, StdioPipe, StdioPipe>,
): ChildProcessByStdio<null, Readable, Readable> {
  const cmd = tiedCommand(binary, args);
  return spawn(cmd.file, cmd.args, options);
}
