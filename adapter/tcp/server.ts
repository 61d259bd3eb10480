/**
 * `virtio-debug dap --port N`: the debug adapter as a TCP server, one GuardedSession per connection.
 * Loopback by default; another --host is allowed with a loud warning. A connection that has not shown the
 * token within AUTH_TIMEOUT_MS, or sends more than PRE_AUTH_BYTES before it, is closed.
 */
import { createServer, isIP, type Server, type Socket } from 'node:net';
import { GuardedSession } from './guarded-session';
import { ALLOW_LAUNCH_FLAG } from './host-access';
import { type AdapterToken, TOKEN_ENV } from './token';

export interface TcpAdapterOptions {
  port: number;
  host: string;
  token: AdapterToken;
  allowLaunch: boolean;
  /** Start-up lines and warnings (stderr). */
  log(line: string): void;
}

const AUTH_TIMEOUT_MS = 30_000;
/** Far more than any attach configuration; bounds what an unauthenticated peer can make us buffer. */
const PRE_AUTH_BYTES = 1 << 20;

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

function serveConnection(socket: Socket, o: TcpAdapterOptions): void {
  let authenticated = false;
  let received = 0;
  const close = () => {
    socket.end();
    setTimeout(() => socket.destroy(), 1000).unref();
  };
  const timer = setTimeout(() => {
    if (!authenticated) socket.destroy();
  }, AUTH_TIMEOUT_MS);
  timer.unref();
  const count = (d: Buffer) => {
    received += d.length;
    if (!authenticated && received > PRE_AUTH_BYTES) socket.destroy();
  };
  socket.on('data', count);
  socket.on('error', () => undefined);
  socket.on('close', () => clearTimeout(timer));
  const session = new GuardedSession({
    token: o.token.value,
    allowLaunch: o.allowLaunch,
    onAuthenticated: () => {
      authenticated = true;
      clearTimeout(timer);
      socket.off('data', count);
    },
    close,
  });
  session.start(socket, socket);
}

/** Listens; resolves with exit code 2 when the port cannot be bound (never otherwise: it serves until killed). */
export function serveTcpAdapter(o: TcpAdapterOptions): Promise<number> {
  return new Promise((resolve) => {
    const server: Server = createServer((socket) => serveConnection(socket, o));
    server.on('error', (e) => {
      o.log(`virtio-debug dap: cannot listen on ${o.host}:${o.port}: ${e.message}`);
      resolve(2);
    });
    server.listen(o.port, o.host, () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : o.port;
      if (!isLoopback(o.host)) {
        o.log(`virtio-debug dap: WARNING: listening on ${o.host}, not loopback: every machine that can reach ${o.host}:${port} can try to connect.`);
        o.log('virtio-debug dap: WARNING: anyone who learns the token can drive this adapter; prefer an SSH tunnel to 127.0.0.1 (docs/security.md).');
        if (o.allowLaunch) o.log(`virtio-debug dap: WARNING: with ${ALLOW_LAUNCH_FLAG}, such a client can run programs and write files as this user.`);
      }
      o.log(`virtio-debug dap: listening on ${o.host}:${port}`);
      o.log(
        o.token.source === 'generated'
          ? `virtio-debug dap: token ${o.token.value} (give it as "token" in the attach configuration)`
          : `virtio-debug dap: token from ${o.token.source === 'file' ? 'the --token-file' : TOKEN_ENV} (give it as "token" in the attach configuration)`,
      );
      o.log(
        o.allowLaunch
          ? `virtio-debug dap: ${ALLOW_LAUNCH_FLAG}: clients with the token may start programs (QEMU) and write files`
          : `virtio-debug dap: clients may start in-memory sessions only (no programs, no files); ${ALLOW_LAUNCH_FLAG} lifts that`,
      );
    });
  });
}
