/** Test helpers for `virtio-debug dap --port N`: start the real CLI, read its port and token, talk raw DAP. */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';

export const CLI = join(__dirname, '..', '..', 'bin', 'virtio-debug.js');

export interface DapServer {
  proc: ChildProcessWithoutNullStreams;
  port: number;
  /** The printed token (undefined when it came from a file or the environment). */
  token: string | undefined;
  stderr(): string;
  kill(): Promise<void>;
}

/** Starts `virtio-debug dap --port 0 ...args` and waits for its start-up lines. */
export function startDap(args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<DapServer> {
  const proc = spawn(process.execPath, [CLI, 'dap', '--port', '0', ...args], { env: { ...process.env, VIRTIO_DEBUG_TOKEN: '', ...env } });
  let err = '';
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));
  const kill = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill();
    await exited;
  };
  return new Promise((resolve, reject) => {
    proc.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      const port = /listening on \S+:(\d+)\n/.exec(err);
      const token = /token (\S+) \(give it/.exec(err);
      const from = /token from /.test(err);
      if (port && (token || from) && /clients may|--allow-launch:/.test(err)) {
        resolve({ proc, port: Number(port[1]), token: token?.[1], stderr: () => err, kill });
      }
    });
    proc.on('exit', (code) => reject(new Error(`dap exited (${code}): ${err}`)));
  });
}

export interface DapMessage {
  type: string;
  seq: number;
  command?: string;
  event?: string;
  success?: boolean;
  message?: string;
  request_seq?: number;
  body?: Record<string, unknown>;
}

/** A minimal DAP client over a raw socket: what a hostile or careless client would send. */
export class RawDapClient {
  readonly messages: DapMessage[] = [];
  readonly closed: Promise<void>;
  private buf = Buffer.alloc(0);
  private seq = 1;
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', () => undefined);
    this.closed = new Promise((r) => socket.on('close', () => r()));
  }

  static connect(port: number): Promise<RawDapClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new RawDapClient(s)));
      s.once('error', reject);
    });
  }

  send(command: string, args?: unknown): number {
    const seq = this.seq++;
    const json = JSON.stringify({ type: 'request', seq, command, ...(args !== undefined ? { arguments: args } : {}) });
    this.socket.write(`Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
    return seq;
  }

  /** Sends a request and resolves with its response. */
  async request(command: string, args?: unknown): Promise<DapMessage> {
    const seq = this.send(command, args);
    return this.waitFor((m) => m.type === 'response' && m.request_seq === seq);
  }

  async waitFor(pred: (m: DapMessage) => boolean, timeoutMs = 15_000): Promise<DapMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.messages.find(pred);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`no such message; got ${JSON.stringify(this.messages.map((x) => x.command ?? x.event))}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = Number(/Content-Length: (\d+)/.exec(this.buf.subarray(0, end).toString())?.[1]);
      if (this.buf.length < end + 4 + len) return;
      this.messages.push(JSON.parse(this.buf.subarray(end + 4, end + 4 + len).toString()) as DapMessage);
      this.buf = this.buf.subarray(end + 4 + len);
      for (const w of this.waiters.splice(0)) w();
    }
  }
}

export const INITIALIZE = { adapterID: 'virtio', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' };
