/** Usage text of every command: printed on stdout by `--help` (exit 0), on stderr when no command is given (exit 2). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allDeviceKinds } from '../adapter/runtime/kinds';

/** The device types `serve` can put behind a socket, and their usage (each kind carries its own). */
const SERVED = allDeviceKinds().filter((k) => k.serve && k.vhostUser);
export const SERVED_TYPES = SERVED.map((k) => k.engine.type);

export const SERVE_USAGE = SERVED.map((k) => k.serve!.usage).join('\n\n');

export const DEMO_USAGE = `usage: virtio-debug demo [blk|net|rng|echo ...] [--packed] [--count N] [--trace FILE] [--quiet]
  the built-in reference driver against the named devices (default: blk and net), split then packed rings,
  then one run with a deliberate spec violation
  --packed          packed rings only
  --count N         requests per run (1 to 100000, default 6)
  --trace FILE      write every event as a JSON line (created 0600)
  --quiet           print only the summaries`;

export const DAP_USAGE = `usage: virtio-debug dap [--port N [--host ADDR] [--token-file FILE] [--allow-launch]]
  (no --port)        DAP on stdin/stdout, for an editor that starts the adapter itself
  --port N           listen on TCP port N (0: any free port) of 127.0.0.1; clients attach with the token
                     printed at start ("token" in the attach configuration)
  --host ADDR        listen on ADDR instead of 127.0.0.1 (a non-loopback address prints a warning)
  --token-file FILE  use the token in FILE (at least 16 characters) instead of a random one;
                     or set VIRTIO_DEBUG_TOKEN
  --allow-launch     let TCP clients start programs (QEMU) and read or write files (disks, traces, pcap)`;

export const LSP_USAGE = `usage: virtio-debug lsp --stdio
  the language server (virtio constants in C, C++ and Rust sources) on stdin/stdout`;

export const USAGE = `usage:
${SERVED.map((k) => `  ${k.serve!.usage.split('\n')[0]!.slice('usage: '.length)}\n`).join('')}  virtio-debug demo [blk|net|rng|echo ...] [--packed] [--count N] [--trace FILE] [--quiet]
  virtio-debug dap [--port N [--host ADDR] [--token-file FILE] [--allow-launch]]
  virtio-debug lsp --stdio
  virtio-debug --version | --help | COMMAND --help`;

/** The usage for `virtio-debug <argv> --help`. */
export function commandUsage(command: string, rest: string[]): string | undefined {
  switch (command) {
    case 'serve':
      return SERVED.find((k) => k.engine.type === rest[0])?.serve!.usage ?? SERVE_USAGE;
    case 'demo':
      return DEMO_USAGE;
    case 'dap':
      return DAP_USAGE;
    case 'lsp':
      return LSP_USAGE;
    default:
      return undefined;
  }
}

/** The version in package.json (next to dist/ in the package, next to cli/ in the repository). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
}
