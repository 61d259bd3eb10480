/**
 * The debug adapter as its own process (dist/adapter.js): DAP over stdio, the way VS Code starts it for
 * `launch`. The TCP server (`virtio-debug dap --port N`, token required) lives in ./tcp and is started by
 * the CLI (cli/commands/dap.ts).
 */
import { VirtioDebugSession } from './session';

export function runStdioAdapter(): Promise<number> {
  const session = new VirtioDebugSession();
  session.setRunAsServer(false);
  session.start(process.stdin, process.stdout);
  return new Promise(() => {});
}

if (require.main === module) {
  if (process.argv.length > 2) {
    process.stderr.write('virtio-debug adapter: dist/adapter.js speaks DAP on stdio and takes no arguments; for TCP use `virtio-debug dap --port N`\n');
    process.exit(2);
  }
  void runStdioAdapter();
}
