// One `virtio-debug serve blk|net` process (the built command, bin/virtio-debug.js) with a JSON-lines trace,
// shared by every scenario of a device type: the scenarios read what it reported from the trace file.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { until } from '../../engine/transport/vhost-user/front-end';

const ROOT = resolve(__dirname, '../../..');
const BIN = join(ROOT, 'bin/virtio-debug.js');

/** A trace line as written by JsonlTraceWriter (the fields the scenarios look at). */
export interface TraceLine {
  type: string;
  time: number;
  rule?: string;
  severity?: string;
  message?: string;
  queue?: number;
  queueName?: string;
  index?: number;
  name?: string;
  status?: number;
}

/** The suite's `serve --kick-deadline-ms`. */
export const KICK_DEADLINE_MS = 150;

export type DeviceKind = 'blk' | 'net' | 'rng';

export class ServeProcess {
  private out = '';
  private read = 0;
  private readonly lines: TraceLine[] = [];
  private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly kind: DeviceKind,
    readonly dir: string,
    readonly socket: string,
    readonly traceFile: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (this.out += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (this.out += c));
    this.exit = new Promise((r) =>
      child.on('close', (code, signal) => {
        this.exited = { code, signal };
        r({ code, signal });
      }),
    );
  }

  /** Starts `serve <kind>` on a socket in a fresh folder (blk: a 1 MiB zeroed image; rng: a fixed seed) and waits until it listens. */
  static async start(kind: DeviceKind, extra: string[] = []): Promise<ServeProcess> {
    if (!existsSync(join(ROOT, 'dist/cli.js'))) assert.fail('dist/cli.js is missing: run `node scripts/build.mjs` before the hostile suite');
    const dir = mkdtempSync(join(tmpdir(), `vd-hostile-${kind}-`));
    const socket = join(dir, `${kind}.sock`);
    const traceFile = join(dir, 'trace.jsonl');
    // A short kick deadline: the never-kicked scenarios wait for the stall report, not for a second.
    const args = ['serve', kind, '--socket', socket, '--trace', traceFile, '--kick-deadline-ms', String(KICK_DEADLINE_MS)];
    if (kind === 'rng') {
      args.push('--entropy', 'seed:1');
    } else if (kind === 'blk') {
      args.push('--queues', '2');
      const disk = join(dir, 'disk.img');
      writeFileSync(disk, Buffer.alloc(1 << 20));
      args.push('--disk', disk, '--queue-size', '64');
    } else {
      args.push('--queues', '2', '--peer', 'responder');
    }
    const child = spawn(process.execPath, [BIN, ...args, ...extra], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const p = new ServeProcess(kind, dir, socket, traceFile, child);
    await until(() => p.exited !== undefined || /listening on/.test(p.out), 'serve to listen', 20_000);
    if (p.exited) assert.fail(`serve ${kind} exited at start: ${p.out}`);
    return p;
  }

  get stdout(): string {
    return this.out;
  }

  /** The process runs: not exited, and signal 0 reaches it. */
  alive(): boolean {
    if (this.exited || this.child.pid === undefined) return false;
    try {
      process.kill(this.child.pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  /** Every complete trace line written so far (the writer flushes at least every 100 ms). */
  events(): TraceLine[] {
    if (!existsSync(this.traceFile)) return this.lines;
    const text = readFileSync(this.traceFile, 'utf8');
    const end = text.lastIndexOf('\n') + 1;
    if (end > this.read) {
      for (const l of text.slice(this.read, end).split('\n')) if (l) this.lines.push(JSON.parse(l) as TraceLine);
      this.read = end;
    }
    return this.lines;
  }

  /** A position in the trace: events() after it belong to what happened since. */
  mark(): number {
    return this.events().length;
  }

  since(mark: number): TraceLine[] {
    return this.events().slice(mark);
  }

  violationsSince(mark: number): TraceLine[] {
    return this.since(mark).filter((e) => e.type === 'violation');
  }

  /** Waits for a violation of `rule` after `mark`. */
  async violation(rule: string, mark: number, ms = 5000): Promise<TraceLine> {
    let hit: TraceLine | undefined;
    await until(
      () => (hit = this.violationsSince(mark).find((e) => e.rule === rule)) !== undefined,
      `violation ${rule} in the trace (seen: ${this.violationsSince(mark).map((e) => e.rule).join(', ') || 'none'})`,
      ms,
    ).catch((e: Error) => assert.fail(`${e.message}; seen: ${this.violationsSince(mark).map((v) => `${v.rule}@${v.index}`).join(', ') || 'none'}`));
    return hit!;
  }

  /** SIGTERM; resolves with the exit code and removes the folder. */
  async stop(): Promise<number | null> {
    if (!this.exited) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    const { code } = await this.exit;
    clearTimeout(timer);
    rmSync(this.dir, { recursive: true, force: true });
    return code;
  }
}
