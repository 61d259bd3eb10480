/**
 * `virtio-debug`: serve devices to a vhost-user front end, run the built-in demo, or start the debug
 * adapter / language server. Exit codes: 0 success, 1 failure at run time, 2 bad arguments or unusable file.
 */
import { UsageError } from './args';
import { runDemo } from './commands/demo';
import { USAGE, commandUsage, packageVersion } from './usage';

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  demo: async () => runDemo,
  serve: async () => (await import('./commands/serve')).runServe,
  lsp: async () => (await import('./commands/lsp')).runLsp,
  dap: async () => (await import('./commands/dap')).runDap,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  // Asked for: stdout, exit 0. Not given a command: that is an error, so stderr and exit 2.
  if (!name) {
    process.stderr.write(USAGE + '\n');
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(packageVersion() + '\n');
    return 0;
  }
  const load = commands[name];
  if (!load) throw new UsageError(`unknown command "${name}"`);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(commandUsage(name, rest)! + '\n');
    return 0;
  }
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
      const command = process.argv[2] !== undefined && process.argv[2] in commands ? `${process.argv[2]} ` : '';
      process.stderr.write(`virtio-debug: ${e.message} (see virtio-debug ${command}--help)\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`virtio-debug: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    }
  },
);
