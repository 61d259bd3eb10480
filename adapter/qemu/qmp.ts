/**
 * A minimal QMP client (QEMU Machine Protocol over a Unix socket): capabilities negotiation, then
 * commands with replies matched by id, and events. The debugger uses `stop` / `cont` to freeze the guest
 * while a session is stopped, and `quit` to end it.
 */
import { connect, type Socket } from 'node:net';

export interface QmpEvent {
  event: string;
  data?: unknown;
}

export class QmpClient {
  private buffer = '';
  private nextId = 1;
  private readonly pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly eventHandlers = new Set<(e: QmpEvent) => void>();
  private closed = false;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => this.onData(d));
    socket.on('close', () => {
      this.closed = true;
      for (const p of this.pending.values()) p.reject(new Error('QMP connection closed'));
      this.pending.clear();
    });
    socket.on('error', () => {});
  }

  /** Connects (retrying until `timeoutMs`: QEMU creates the socket a moment after it starts). */
  static async connect(path: string, timeoutMs = 10_000): Promise<QmpClient> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await new Promise<Socket>((resolve, reject) => {
          const s = connect(path, () => resolve(s));
          s.once('error', reject);
        });
        const c = new QmpClient(socket);
        await c.greeting();
        await c.execute('qmp_capabilities');
        return c;
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`cannot connect to QEMU's QMP socket ${path}: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  private greetingWaiter: ((ok: boolean) => void) | undefined;
  private greeted = false;

  private greeting(): Promise<void> {
    if (this.greeted) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no QMP greeting')), 5000);
      this.greetingWaiter = (ok) => {
        clearTimeout(t);
        if (ok) resolve();
        else reject(new Error('QMP greeting malformed'));
      };
    });
  }

  private onData(d: string): void {
    this.buffer += d;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (!line) continue;
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      if ('QMP' in msg) {
        this.greeted = true;
        this.greetingWaiter?.(true);
      } else if ('event' in msg) {
        for (const h of this.eventHandlers) h({ event: String(msg.event), data: msg.data });
      } else if ('id' in msg) {
        const p = this.pending.get(String(msg.id));
        this.pending.delete(String(msg.id));
        if (!p) continue;
        if ('error' in msg) {
          const err = msg.error as { desc?: string };
          p.reject(new Error(`QMP: ${err.desc ?? 'error'}`));
        } else p.resolve(msg.return);
      }
    }
  }

  execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('QMP connection closed'));
    const id = String(this.nextId++);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.write(JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}), id }) + '\n');
    });
  }

  onEvent(handler: (e: QmpEvent) => void): () => void {
    this.eventHandlers.add(handler);
    return () => this.eventHandlers.delete(handler);
  }

  /** Freezes every vCPU (the guest's drivers see no time pass). */
  stop(): Promise<unknown> {
    return this.execute('stop');
  }

  cont(): Promise<unknown> {
    return this.execute('cont');
  }

  async status(): Promise<{ running: boolean; status: string }> {
    return (await this.execute('query-status')) as { running: boolean; status: string };
  }

  close(): void {
    this.socket.destroy();
  }
}
