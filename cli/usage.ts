/** Usage text of every command: printed on stdout by `--help` (exit 0), on stderr when no command is given (exit 2). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const SERVE_BLK_USAGE = `usage: virtio-debug serve blk --socket PATH --disk FILE [--readonly] [--queues N] [--queue-size N] [--trace FILE] [--strict]
  virtio-blk behind a vhost-user socket (the front end, e.g. QEMU, connects to it)
  --socket PATH     Unix socket to listen on (created 0600)
  --disk FILE       raw disk image (size a non-zero multiple of 512)
  --readonly        serve the image read-only (VIRTIO_BLK_F_RO)
  --queues N        request queues offered (1 to 128, default 16; the front end uses what it asks for)
  --queue-size N    entries per queue (1 to 32768)
  --trace FILE      write every event as a JSON line (created 0600)
  --strict          stop the queue on every violation, servable ones (severity error) too
  Runs until SIGINT, SIGTERM or SIGHUP, then flushes the disk and exits 0.`;

export const SERVE_NET_USAGE = `usage: virtio-debug serve net --socket PATH [--mac MAC] [--peer responder|udp:HOST:PORT|none] [--pcap FILE] [--queues N] [--trace FILE] [--strict]
  virtio-net behind a vhost-user socket (the front end, e.g. QEMU, connects to it)
  --socket PATH     Unix socket to listen on (created 0600)
  --mac MAC         the device's MAC address (default 52:54:00:12:34:56)
  --peer P          responder (ARP and ping, default), udp:HOST:PORT (a tunnel) or none
  --pcap FILE       capture every frame (an existing file must be a pcap capture)
  --queues N        queue pairs offered (1 to 128, default 16; the front end uses what it asks for)
  --trace FILE      write every event as a JSON line (created 0600)
  --strict          stop the queue on every violation, servable ones (severity error) too
  Runs until SIGINT, SIGTERM or SIGHUP.`;

export const SERVE_USAGE = `${SERVE_BLK_USAGE}\n\n${SERVE_NET_USAGE}`;

export const DEMO_USAGE = `usage: virtio-debug demo [blk|net|echo ...] [--packed] [--count N] [--trace FILE] [--quiet]
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
  virtio-debug serve blk --socket PATH --disk FILE [--readonly] [--queues N] [--queue-size N] [--trace FILE] [--strict]
  virtio-debug serve net --socket PATH [--mac MAC] [--peer responder|udp:HOST:PORT|none] [--pcap FILE] [--queues N] [--trace FILE] [--strict]
  virtio-debug demo [blk|net|echo ...] [--packed] [--count N] [--trace FILE] [--quiet]
  virtio-debug dap [--port N [--host ADDR] [--token-file FILE] [--allow-launch]]
  virtio-debug lsp --stdio
  virtio-debug --version | --help | COMMAND --help`;

/** The usage for `virtio-debug <argv> --help`. */
export function commandUsage(command: string, rest: string[]): string | undefined {
  switch (command) {
    case 'serve':
      return rest[0] === 'blk' ? SERVE_BLK_USAGE : rest[0] === 'net' ? SERVE_NET_USAGE : SERVE_USAGE;
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
