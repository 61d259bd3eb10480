/** The `virtio-debug` command line (issue 12): decimal integers only, --help for every command, --version, usage never on stdout on errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError, parseArgs } from '../../cli/args';

const CLI = join(__dirname, '..', '..', 'bin', 'virtio-debug.js');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = execFile(process.execPath, [CLI, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    p.stdin?.end();
  });
}

test('integer flags take decimal digits only, with range checks', () => {
  const spec = { queues: { type: 'integer', min: 1, max: 128 } } as const;
  for (const bad of ['1e2', '0x10', '1.5', ' 3', '3 ', '+3', '-1', '1_0', '０', 'Infinity', '1.0']) {
    assert.throws(() => parseArgs(['--queues', bad], spec), (e: unknown) => e instanceof UsageError && /must be a decimal integer|needs a value/.test(e.message), bad);
  }
  assert.throws(() => parseArgs(['--queues=1e2'], spec), /--queues must be a decimal integer, got "1e2"/);
  assert.throws(() => parseArgs(['--queues', '129'], spec), /--queues must be at most 128, got 129/);
  assert.throws(() => parseArgs(['--queues', '0'], spec), /--queues must be at least 1, got 0/);
  assert.equal(parseArgs(['--queues', '16'], spec).flags.queues, 16);
  assert.equal(parseArgs(['--queues=008'], spec).flags.queues, 8);
});

test('numbers like 1e2 and 0x10 are refused by serve, demo and dap with exit 2 and one line on stderr', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vd-args-'));
  const disk = join(dir, 'd.img');
  writeFileSync(disk, new Uint8Array(1 << 20));
  const sock = join(dir, 's.sock');
  const cases: [string[], RegExp][] = [
    [['serve', 'blk', '--socket', sock, '--disk', disk, '--queues', '1e2'], /--queues must be a decimal integer, got "1e2"/],
    [['serve', 'blk', '--socket', sock, '--disk', disk, '--queue-size', '0x10'], /--queue-size must be a decimal integer, got "0x10"/],
    [['serve', 'net', '--socket', sock, '--queues', '1.5'], /--queues must be a decimal integer, got "1\.5"/],
    [['serve', 'rng', '--socket', sock, '--kick-deadline-ms', '1e3'], /--kick-deadline-ms must be a decimal integer, got "1e3"/],
    [['demo', '--count', ' 3'], /--count must be a decimal integer, got " 3"/],
    [['dap', '--port', '1e3'], /--port must be a decimal integer, got "1e3"/],
    [['dap', '--port', '65536'], /--port must be at most 65535/],
  ];
  for (const [args, re] of cases) {
    const r = await run(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stdout, '', 'nothing on stdout');
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, re);
    assert.match(r.stderr, new RegExp(`\\(see virtio-debug ${args[0]} --help\\)`));
  }
});

test('--help of every command prints its usage on stdout and exits 0', async () => {
  const cases: [string[], RegExp][] = [
    [['--help'], /virtio-debug serve blk .*\n.*virtio-debug dap .*\n.*virtio-debug lsp --stdio/s],
    [['serve', '--help'], /usage: virtio-debug serve blk[\s\S]*usage: virtio-debug serve net/],
    [['serve', 'blk', '--help'], /^usage: virtio-debug serve blk --socket PATH --disk FILE/],
    [['serve', 'net', '--help'], /^usage: virtio-debug serve net --socket PATH/],
    [['demo', '--help'], /^usage: virtio-debug demo /],
    [['dap', '--help'], /^usage: virtio-debug dap [\s\S]*--allow-launch/],
    [['lsp', '--help'], /^usage: virtio-debug lsp --stdio/],
    [['serve', 'blk', '--socket', 'x', '-h'], /^usage: virtio-debug serve blk/],
  ];
  for (const [args, re] of cases) {
    const r = await run(args);
    assert.equal(r.code, 0, args.join(' '));
    assert.equal(r.stderr, '');
    assert.match(r.stdout, re, args.join(' '));
  }
});

test('--version prints the package version; no command prints the usage on stderr with exit 2', async () => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
  const v = await run(['--version']);
  assert.equal(v.code, 0);
  assert.equal(v.stdout, `${pkg.version}\n`);
  const none = await run([]);
  assert.equal(none.code, 2);
  assert.equal(none.stdout, '');
  assert.match(none.stderr, /^usage:\n {2}virtio-debug serve blk/);
  const unknown = await run(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stdout, '');
});
