// Runs `node bin/virtio-debug.js serve ...` — exactly what a user runs — as a child process for the guest
// and DPDK tests: waits until it listens, collects its output, stops it with a signal and reports how it ended.
// The bundle must be built (`node scripts/build.mjs`; `npm test` does it first).
import assert from 'node:assert/strict';
import { type ChildProcess } from 'node:child_process';
import { spawnTied } from '../../adapter/qemu/spawn-tied';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');

export interface ServeExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

export class ServeProcess {
  private text = '';
  private readonly exited: Promise<ServeExit>;

  private constructor(
    readonly child: ChildProcess,
    readonly socket: string,
  ) {
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (this.text += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (this.text += c));
    this.exited = new Promise((r) => child.on('close', (code, signal) => r({ code, signal, output: this.text })));
  }

  /** Starts `virtio-debug serve <args>` and resolves once it listens on `socket`. `from`: another built checkout
   *  whose serve runs instead (a bench's A/B against an earlier build). */
  static async start(args: string[], socket: string, timeoutMs = 20_000, from = root): Promise<ServeProcess> {
    assert.ok(existsSync(join(from, 'dist', 'cli.js')), `${join(from, 'dist', 'cli.js')} is missing: run \`node scripts/build.mjs\` (npm test builds it first)`);
    // SERVE_NODE_ARGS: node options for serve alone, e.g. `--cpu-prof --cpu-prof-dir=DIR` to profile it under a
    // bench (node refuses --cpu-prof in NODE_OPTIONS).
    const nodeArgs = (process.env.SERVE_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawnTied(process.execPath, [...nodeArgs, join(from, 'bin', 'virtio-debug.js'), ...args], { cwd: from, stdio: ['ignore', 'pipe', 'pipe'] });
    const p = new ServeProcess(child, socket);
    running.add(p);
    const end = Date.now() + timeoutMs;
    while (!(existsSync(socket) && /listening on/.test(p.text))) {
      if (child.exitCode !== null) assert.fail(`virtio-debug serve exited with ${child.exitCode} before listening:\n${p.text}`);
      if (Date.now() > end) assert.fail(`virtio-debug serve did not listen on ${socket} within ${timeoutMs} ms:\n${p.text}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return p;
  }

  get output(): string {
    return this.text;
  }

  /** Lines reporting spec violations (`virtio-debug: <dev>: violation <rule> ...`). */
  violations(): string[] {
    return this.text.split('\n').filter((l) => / violation [a-z0-9-]+ /.test(l));
  }

  /** Waits until `pattern` has appeared `count` times in the output. */
  async waitFor(pattern: RegExp, count = 1, timeoutMs = 20_000): Promise<void> {
    const g = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g');
    const end = Date.now() + timeoutMs;
    while ((this.text.match(g) ?? []).length < count) {
      if (Date.now() > end) assert.fail(`"${pattern.source}" did not appear ${count} time(s) within ${timeoutMs} ms:\n${this.text}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Sends `signal` (default SIGTERM) and waits for the exit (SIGKILL after `timeoutMs`). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<ServeExit> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const result = await this.exited;
    clearTimeout(timer);
    running.delete(this);
    return result;
  }
}

const running = new Set<ServeProcess>();
process.on('exit', () => {
  for (const p of running) p.child.kill('SIGKILL');
});

/** Kills every serve process a test left running (after a failed assertion); use in afterEach. */
export async function killLeftovers(): Promise<void> {
  for (const p of [...running]) await p.stop('SIGKILL');
}

/** A temporary directory for sockets, images and captures; removed by the returned function. */
export function scratchDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
