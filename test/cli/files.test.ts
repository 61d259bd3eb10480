/**
 * Files and signals of `serve` and `demo` (issue 12): unusable trace paths, a full disk, pcap paths that
 * name someone's data, socket and trace modes whatever the umask, SIGHUP, Ctrl-C during `demo blk`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = join(__dirname, '..', '..', 'bin', 'virtio-debug.js');

interface Run {
  proc: ChildProcessWithoutNullStreams;
  out(): string;
  err(): string;
  exit: Promise<number | null>;
  waitOut(re: RegExp, what?: 'out' | 'err'): Promise<void>;
}

/** Runs the CLI under `sh` with umask 000 (the worst case), so modes must not depend on the umask. */
function run(args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const proc = spawn('sh', ['-c', 'umask 000; exec "$0" "$@"', process.execPath, CLI, ...args], { env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((r) => proc.on('exit', (code, signal) => r(code ?? (signal ? -1 : null))));
  const waitOut = async (re: RegExp, what: 'out' | 'err' = 'out') => {
    const deadline = Date.now() + 20_000;
    while (!re.test(what === 'out' ? out : err)) {
      if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`no ${re} in ${what}; stdout: ${out}\nstderr: ${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { proc, out: () => out, err: () => err, exit, waitOut };
}

async function ended(r: Run): Promise<void> {
  if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill('SIGKILL');
  await r.exit;
}

function image(dir: string): string {
  const disk = join(dir, 'disk.img');
  writeFileSync(disk, new Uint8Array(1 << 20));
  return disk;
}

test('a trace path that is a directory: serve and demo exit 2 with one line naming the path and the cause', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vd-files-'));
  const traceDir = join(dir, 'trace-dir');
  mkdirSync(traceDir);
  for (const args of [
    ['serve', 'blk', '--socket', join(dir, 's.sock'), '--disk', image(dir), '--trace', traceDir],
    ['serve', 'net', '--socket', join(dir, 'n.sock'), '--trace', traceDir],
    ['demo', 'echo', '--trace', traceDir],
  ]) {
    const r = run(args);
    try {
      assert.equal(await r.exit, 2, args.join(' '));
      assert.match(r.err(), new RegExp(`^virtio-debug: cannot write the trace file ${traceDir}: EISDIR\\n$`));
      assert.doesNotMatch(r.err(), /\n\s+at /, 'no stack trace');
    } finally {
      await ended(r);
    }
  }
});

test('serve on a full disk (/dev/full as trace) reports the write error once and keeps serving; SIGHUP flushes and exits 0', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vd-files-'));
  const sock = join(dir, 'blk.sock');
  const r = run(['serve', 'blk', '--socket', sock, '--disk', image(dir), '--trace', '/dev/full']);
  try {
    await r.waitOut(/listening on/);
    // Each connection is a front end arriving and leaving: trace lines that cannot be written.
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((res, rej) => {
        const c = connect(sock, () => setTimeout(() => (c.destroy(), res()), 150));
        c.on('error', rej);
      });
      await r.waitOut(new RegExp(`front end connected \\(connection ${i + 1}, pid \\d+`));
    }
    await r.waitOut(/ENOSPC/, 'err');
    assert.equal(r.err().match(/cannot write the trace file \/dev\/full \(ENOSPC\)/g)?.length, 1, r.err());
    assert.equal(r.proc.exitCode, null, 'still serving');
    r.proc.kill('SIGHUP');
    assert.equal(await r.exit, 0, r.err());
    assert.match(r.out(), /blk0: stopped/);
    assert.equal(existsSync(sock), false, 'socket removed');
  } finally {
    await ended(r);
  }
});

test('sockets and trace files are created 0600 even under umask 000', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vd-files-'));
  const sock = join(dir, 'blk.sock');
  const trace = join(dir, 'trace.jsonl');
  const r = run(['serve', 'blk', '--socket', sock, '--disk', image(dir), '--trace', trace]);
  try {
    await r.waitOut(/listening on/);
    assert.equal((statSync(sock).mode & 0o777).toString(8), '600');
    assert.equal((statSync(trace).mode & 0o777).toString(8), '600');
  } finally {
    r.proc.kill('SIGTERM');
    await ended(r);
  }
  const demoTrace = join(dir, 'demo.jsonl');
  const d = run(['demo', 'echo', '--count', '1', '--quiet', '--trace', demoTrace]);
  assert.equal(await d.exit, 0, d.err());
  assert.equal((statSync(demoTrace).mode & 0o777).toString(8), '600');
});

test('serve net --pcap naming an existing file that is not a capture is refused and the file kept', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vd-files-'));
  const notes = join(dir, 'notes.txt');
  writeFileSync(notes, 'my precious notes\n');
  const r = run(['serve', 'net', '--socket', join(dir, 'n.sock'), '--pcap', notes]);
  try {
    assert.equal(await r.exit, 2);
    assert.match(r.err(), new RegExp(`^virtio-debug: serve net: refusing to overwrite ${notes}: it exists and is not a pcap capture\\. Fix: .*\\n$`));
    assert.equal(readFileSync(notes, 'utf8'), 'my precious notes\n');
  } finally {
    await ended(r);
  }
  // An earlier capture (or an empty file) is fair game.
  const cap = join(dir, 'old.pcap');
  writeFileSync(cap, '');
  const ok = run(['serve', 'net', '--socket', join(dir, 'm.sock'), '--pcap', cap]);
  try {
    await ok.waitOut(/listening on/);
    assert.equal(readFileSync(cap).readUInt32LE(0), 0xa1b2c3d4);
  } finally {
    ok.proc.kill('SIGTERM');
    await ended(ok);
  }
});

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  test(`${signal} during demo blk removes its temporary image`, async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'vd-demo-tmp-'));
    const r = run(['demo', 'blk', '--count', '100000', '--quiet'], { TMPDIR: tmp });
    try {
      const deadline = Date.now() + 20_000;
      while (!readdirSync(tmp).some((f) => f.startsWith('virtio-debug-demo-'))) {
        if (Date.now() > deadline || r.proc.exitCode !== null) throw new Error(`no temp dir: ${r.err()}`);
        await new Promise((res) => setTimeout(res, 20));
      }
      r.proc.kill(signal);
      assert.equal(await r.exit, code);
      assert.deepEqual(readdirSync(tmp), []);
    } finally {
      await ended(r);
    }
  });
}
