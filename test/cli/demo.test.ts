/** `virtio-debug demo` as users run it (the bundled CLI): both layouts, a readable trace, one caught violation per device. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = join(__dirname, '..', '..', 'bin', 'virtio-debug.js');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('the default demo drives virtio-blk and virtio-net over both ring layouts and catches the injected violations', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vd-demo-'));
  const tracePath = join(dir, 'trace.jsonl');
  const r = await run(['demo', '--count', '3', '--trace', tracePath]);
  assert.equal(r.code, 0, r.stderr);
  for (const title of ['virtio-blk (raw image file), split ring', 'virtio-blk (raw image file), packed ring', 'virtio-net pinging the built-in responder, split ring', 'virtio-net pinging the built-in responder, packed ring']) {
    assert.ok(r.stdout.includes(`== ${title}`), title);
  }
  // The readable trace: queue set-up for both layouts, decoded requests and frames, used entries.
  assert.match(r.stdout, /blk0\.requestq1 +queue +split ring, size 64/);
  assert.match(r.stdout, /blk0\.requestq1 +queue +packed ring, size 64/);
  assert.match(r.stdout, /blk0\.requestq\d +chain +id \d+: \d desc.*OUT sector \d+ len \d+/);
  assert.match(r.stdout, /net0\.transmitq1 +chain .*ICMP echo request 10\.0\.2\.15 > 10\.0\.2\.2/);
  assert.match(r.stdout, /VIOLATION blk-header-too-short +§5\.2\.6 +error: queue goes on +blk0\.requestq1/);
  assert.match(r.stdout, /VIOLATION net-hdr-size-mismatch +§5\.1\.6\.3\.1 +error: queue goes on +net0\.transmitq1/);
  assert.match(r.stdout, /rule: .+\n +fix: .+/);
  assert.match(r.stdout, /demo ok: blk, net over split and packed rings/);
  const events = readFileSync(tracePath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.ok(events.every((e) => typeof e.type === 'string' && typeof e.time === 'number'));
  const v = events.find((e) => e.type === 'violation' && e.rule === 'blk-header-too-short')!;
  assert.deepEqual(Object.keys(v).filter((k) => ['rule', 'section', 'message', 'device', 'queue'].includes(k)).sort(), ['device', 'message', 'queue', 'rule', 'section']);
  assert.equal(v.device, 'blk0');
  assert.equal(v.queue, 0);
});

test('bad demo arguments: exit 2 and one clear line on stderr', async () => {
  for (const [args, re] of [
    [['demo', 'scsi'], /^virtio-debug: unknown demo "scsi" \(available: blk, net, rng, echo\) \(see virtio-debug demo --help\)$/],
    [['demo', '--count', 'many'], /^virtio-debug: --count must be a decimal integer, got "many"/],
    [['demo', '--colour'], /^virtio-debug: unknown option --colour/],
    [['frobnicate'], /^virtio-debug: unknown command "frobnicate"/],
  ] as const) {
    const r = await run([...args]);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr.trim(), re);
  }
});
