/**
 * `virtio-debug`: serve devices to a vhost-user front end, run the built-in demo, or start the debug
 * adapter / language server. Exit codes: 0 success, 1 failure at run time, 2 bad arguments or unusable file.
 */
import { UsageError } from './args';
import { runDemo } from './commands/demo';

const USAGE = `usage:
  virtio-debug serve blk --socket PATH --disk FILE [--readonly] [--queues N] [--queue-size N] [--trace FILE]
  virtio-debug serve net --socket PATH [--mac MAC] [--peer responder|udp:HOST:PORT|none] [--pcap FILE] [--queues N] [--trace FILE]
  virtio-debug demo [blk|net|echo ...] [--packed] [--count N] [--trace FILE]
  virtio-debug dap [--port N [--host ADDR] [--token-file FILE] [--allow-launch]]
  virtio-debug lsp --stdio`;

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  demo: async () => runDemo,
  serve: async () => (await import('./commands/serve')).runServe,
  lsp: async () => (await import('./commands/lsp')).runLsp,
  dap: async () => (await import('./commands/dap')).runDap,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE + '\n');
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) throw new UsageError(`unknown command "${name}"`);
  return (await load())(rest);
}

// `virtio-debug demo | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`virtio-debug: ${e.message} (see virtio-debug --help)\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`virtio-debug: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    }
  },
);
