/**
 * The debug adapter against a real Linux guest over vhost-user (issue: "With QEMU..."): the session starts
 * QEMU, stops on the guest's first virtio-blk request with its decoded header (the firmware's: SeaBIOS reads
 * sector 0 before Linux runs; QEMU starts frozen so that it cannot race the session's set-up), keeps the guest
 * frozen while stopped, resumes it on continue, and the guest then reads the whole disk correctly. And QEMU
 * dies with the adapter, however the adapter ends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DebugProtocol } from '@vscode/debugprotocol';
import { evaluate, launchAndStop, scopeVars, startClient, variablesOf } from '../adapter/support';
import { ensureGuest } from './guest';

test('a vhost-user session stops on the guest\'s first blk request (IN, sector 0), frozen while stopped, steps one chain', { timeout: 240_000 }, async () => {
  const guest = await ensureGuest();
  const dir = mkdtempSync(join(tmpdir(), 'vd-adapter-vhost-'));
  const disk = join(dir, 'disk.img');
  const image = Buffer.alloc(8 << 20);
  for (let i = 0; i < image.length; i += 512) image.write(`sector ${i / 512}`, i);
  writeFileSync(disk, image);
  const md5 = createHash('md5').update(image).digest('hex');

  const dc = await startClient();
  dc.defaultTimeout = 120_000;
  const output: string[] = [];
  dc.on('output', (e: DebugProtocol.OutputEvent) => output.push(e.body.output));
  const progress: string[] = [];
  for (const kind of ['progressStart', 'progressUpdate', 'progressEnd']) dc.on(kind, () => progress.push(kind));
  try {
    const stop = await launchAndStop(dc, {
      config: {
        type: 'virtio',
        request: 'launch',
        driver: 'vhost-user',
        socketDir: join(dir, 'sockets'),
        devices: [{ type: 'blk', id: 'blk0', disk, queueSize: 128 }],
        qemu: { kernel: guest.kernel, initrd: guest.initrd, append: 'console=ttyS0 no_timer_check vdtest=blk-info,blk-md5,poweroff', memory: '256M' },
      },
      functionBreakpoints: [{ name: 'blk0.requestq1' }],
      initialize: { supportsProgressReporting: true },
    });
    assert.equal(stop.body.reason, 'breakpoint');
    assert.equal(progress[0], 'progressStart', 'QEMU boot shows progress');
    const frames = (await dc.stackTraceRequest({ threadId: stop.body.threadId })).body.stackFrames;
    assert.match(frames[0]!.name, /^chain \d+: IN sector 0 len \d+/);
    const chain = await scopeVars(dc, frames[0]!.id, 'Chain');
    const layers = await variablesOf(dc, chain.find((v) => v.name === 'payload')!.variablesReference);
    const req = await variablesOf(dc, layers[0]!.variablesReference);
    assert.ok(req.some((v) => /type/i.test(v.name) && /\bIN\b/.test(v.value)), JSON.stringify(req.map((v) => [v.name, v.value])));
    assert.ok(req.some((v) => /sector/i.test(v.name) && /^0\b/.test(v.value)), JSON.stringify(req.map((v) => [v.name, v.value])));
    assert.equal(await evaluate(dc, 'blk0.transport'), '{…}');
    // Frozen while stopped: QMP says paused, and stays paused.
    assert.match((await dc.evaluateRequest({ expression: 'guest', context: 'repl' })).body.result, /^guest paused/);
    await new Promise((r) => setTimeout(r, 1500));
    assert.match((await dc.evaluateRequest({ expression: 'guest', context: 'repl' })).body.result, /^guest paused/);
    assert.equal(await evaluate(dc, 'blk0.requestq1.counters.used'), '0');

    // next: the guest thaws just long enough for the device to complete that one chain, then freezes again.
    const stepped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
    await dc.nextRequest({ threadId: stop.body.threadId });
    assert.equal((await stepped).body.reason, 'step');
    assert.equal(await evaluate(dc, 'blk0.requestq1.counters.used'), '1');
    assert.match((await dc.evaluateRequest({ expression: 'guest', context: 'repl' })).body.result, /^guest paused/);

    await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
    const exited = dc.waitForEvent('exited', 180_000);
    await dc.continueRequest({ threadId: stop.body.threadId });
    assert.match((await dc.evaluateRequest({ expression: 'guest', context: 'repl' })).body.result, /^guest running/);
    assert.ok(progress.includes('progressEnd'), `progress events: ${progress.join(', ')}`);
    await exited.catch((e: Error) => {
      throw new Error(`${e.message}; console:\n${output.join('').slice(-3000)}`);
    });
    const console = output.join('');
    const md5Line = /VDTEST blk-md5 ok .*md5=([0-9a-f]{32})/.exec(console);
    assert.ok(md5Line, `no blk-md5 result in the console:\n${console.slice(-2000)}`);
    assert.equal(md5Line[1], md5, 'the guest read the disk through the debugger unchanged');
    assert.equal(readFileSync(disk).equals(image), true);
  } finally {
    await dc.stop().catch(() => {});
  }
});

/** Pids of running processes whose command line contains `needle` (here: a test's own socket folder). */
function processesWith(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      // setpriv execs QEMU in place: the pid keeps the QEMU command line; zombies have an empty one.
      if (cmdline.includes(needle) && cmdline.includes('qemu-system')) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

test('QEMU dies with the adapter: SIGKILL the adapter mid-boot, no QEMU is left', { timeout: 120_000 }, async () => {
  const guest = await ensureGuest();
  const dir = mkdtempSync(join(tmpdir(), 'vd-adapter-kill-'));
  const socketDir = join(dir, 'sockets');
  writeFileSync(join(dir, 'disk.img'), Buffer.alloc(1 << 20));
  const dc = await startClient();
  dc.defaultTimeout = 60_000;
  // DebugClient keeps the adapter process private; this test must kill exactly that process.
  const adapter = (dc as unknown as { _adapterProcess: ChildProcess })._adapterProcess;
  let killed = false;
  try {
    const configured = dc.waitForEvent('initialized').then(() => dc.configurationDoneRequest());
    await dc.initializeRequest({ adapterID: 'virtio', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    await dc.launchRequest({
      type: 'virtio',
      request: 'launch',
      driver: 'vhost-user',
      socketDir,
      devices: [{ type: 'blk', id: 'blk0', disk: join(dir, 'disk.img') }],
      qemu: { kernel: guest.kernel, initrd: guest.initrd, append: 'console=ttyS0 no_timer_check vdtest=sleep:60', memory: '256M' },
    } as DebugProtocol.LaunchRequestArguments);
    await configured;
    assert.ok(await waitFor(() => processesWith(socketDir).length > 0, 30_000), 'QEMU started');
    adapter.kill('SIGKILL');
    killed = true;
    const gone = await waitFor(() => processesWith(socketDir).length === 0, 15_000);
    const left = processesWith(socketDir);
    for (const pid of left) process.kill(pid, 'SIGKILL');
    assert.ok(gone, `QEMU outlived the adapter: pids ${left.join(', ')}`);
  } finally {
    // DebugClient.stop() waits for an exit it already missed; the adapter is gone when killed.
    if (killed) adapter.stdin?.destroy();
    else await dc.stop().catch(() => {});
    for (const pid of processesWith(socketDir)) process.kill(pid, 'SIGKILL');
  }
});
