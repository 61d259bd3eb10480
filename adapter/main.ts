/**
 * The debug adapter as its own process: DAP over stdio (VS Code's default), or a TCP server on
 * 127.0.0.1 (`--port N`, `--host ADDR` to listen elsewhere) for remote work; each connection is a session.
 */
import { createServer } from 'node:net';
import { VirtioDebugSession } from './session';

export function runAdapter(argv: string[]): Promise<number> {
  const portArg = argv.indexOf('--port');
  if (portArg < 0) {
    const session = new VirtioDebugSession();
    session.setRunAsServer(false);
    session.start(process.stdin, process.stdout);
    return new Promise(() => {});
  }
  const port = Number(argv[portArg + 1]);
  const hostArg = argv.indexOf('--host');
  const host = hostArg >= 0 ? argv[hostArg + 1]! : '127.0.0.1';
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`virtio-debug dap: --port needs a port number, got "${argv[portArg + 1] ?? ''}"\n`);
    return Promise.resolve(2);
  }
  return new Promise((resolve) => {
    const server = createServer((socket) => {
      const session = new VirtioDebugSession();
      session.setRunAsServer(true);
      session.start(socket, socket);
    });
    server.on('error', (e) => {
      process.stderr.write(`virtio-debug dap: cannot listen on ${host}:${port}: ${e.message}\n`);
      resolve(2);
    });
    server.listen(port, host, () => {
      const addr = server.address();
      process.stderr.write(`virtio-debug dap: listening on ${host}:${typeof addr === 'object' && addr ? addr.port : port}\n`);
    });
  });
}

if (require.main === module) {
  void runAdapter(process.argv.slice(2)).then((code) => {
    if (code) process.exit(code);
  });
}
