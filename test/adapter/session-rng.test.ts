/**
 * The real adapter process driven by DebugClient on the built-in driver with virtio-rng (seed:7): the
 * requestq thread, a breakpoint with a condition over the decoded entropy request, the Chain scope, a
 * step that fills one buffer, the §5.4.6.1 violation as an exception, and a bad `entropy` refused.
 */
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DebugClient } from '@vscode/debugadapter-testsupport';
import { validateLaunch } from '../../adapter/launch/validate';
import { qemuCommand } from '../../adapter/qemu/qemu-command';
import { type Stopped, evaluate, launchAndStop, scopeVars, startClient, variablesOf } from './support';

let dc: DebugClient | undefined;
afterEach(async () => {
  await dc?.stop().catch(() => {});
  dc = undefined;
});

function rngConfig(extra: Record<string, unknown> = {}, device: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'virtio', request: 'launch', name: 'rng', devices: [{ type: 'rng', id: 'rng0', queueSize: 64, entropy: 'seed:7', ...device }], driver: 'builtin', workload: { count: 8 }, ...extra };
}

test('rng0.requestq stops on a conditional breakpoint; the Chain scope decodes the entropy request; a step fills one buffer', async () => {
  dc = await startClient();
  const stop = await launchAndStop(dc, { config: rngConfig(), functionBreakpoints: [{ name: 'rng0.*', condition: 'rng.size == 64 && rng.readable == 0' }] });
  assert.equal(stop.body.reason, 'breakpoint');
  const threads = (await dc.threadsRequest()).body.threads;
  assert.deepEqual(
    threads.map((t) => t.name),
    ['rng0.requestq'],
  );
  const frames = (await dc.stackTraceRequest({ threadId: stop.body.threadId })).body.stackFrames;
  assert.match(frames[0]!.name, /^chain 0: entropy request: 64 B writable/);
  const chain = await scopeVars(dc, frames[0]!.id, 'Chain');
  const payload = chain.find((v) => v.name === 'payload');
  assert.ok(payload, chain.map((v) => v.name).join(', '));
  const layer = await variablesOf(dc, payload.variablesReference);
  const fields = await variablesOf(dc, layer[0]!.variablesReference);
  assert.equal(fields.find((f) => f.name === 'bytes asked for')?.value, '64');
  assert.equal(fields.find((f) => f.name === 'device-readable bytes')?.value, '0');
  assert.match(fields.find((f) => f.name === 'buffer now')?.value ?? '', /^00 00 00/);
  assert.equal(await evaluate(dc, 'rng0.requestq.used.idx'), '0');
  // The Device scope: virtio-rng with the transport features negotiated.
  const device = await scopeVars(dc, frames[0]!.id, 'Device');
  assert.equal(device.find((v) => v.name === 'type')?.value, 'rng');
  assert.match(device.find((v) => v.name === 'status')?.value ?? '', /DRIVER_OK/);
  const stepped = dc.waitForEvent('stopped') as Promise<Stopped>;
  await dc.nextRequest({ threadId: stop.body.threadId });
  assert.equal((await stepped).body.reason, 'step');
  assert.equal(await evaluate(dc, 'rng0.requestq.used.idx'), '1');
});

test('a device-readable descriptor (workload.violation) stops with the rng rule as an exception', async () => {
  dc = await startClient();
  const stop = await launchAndStop(dc, { config: rngConfig({ workload: { count: 6, violation: 'rng-buffer-device-readable' } }) });
  assert.equal(stop.body.reason, 'exception');
  const info = await dc.exceptionInfoRequest({ threadId: stop.body.threadId });
  assert.equal(info.body.exceptionId, 'rng-buffer-device-readable');
  assert.match(info.body.description ?? '', /device-readable/);
});

test('an entropy file that does not exist is refused with the attribute and the fix', async () => {
  dc = await startClient();
  await assert.rejects(dc.launch(rngConfig({}, { entropy: 'file:/nonexistent/entropy.bin' })), /devices\[0\]\.entropy: entropy file \/nonexistent\/entropy\.bin: ENOENT\. Fix: write random, file:PATH or seed:N/);
  await assert.rejects(dc.launch(rngConfig({}, { entropy: 'seed:x' })), /devices\[0\]\.entropy: entropy "seed:x": the seed is an integer/);
});

test('driver "vhost-user" with QEMU: the rng device becomes a socket chardev and vhost-user-rng-pci on the QEMU command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vd-rng-qemu-'));
  const kernel = join(dir, 'vmlinuz');
  writeFileSync(kernel, '');
  const launch = validateLaunch({ ...rngConfig({ driver: 'vhost-user', socketDir: dir, qemu: { kernel } }) }, dir);
  assert.deepEqual(launch.devices, [{ type: 'rng', id: 'rng0', queueSize: 64, entropy: 'seed:7' }]);
  const args = qemuCommand(launch).args;
  const at = args.indexOf('-chardev');
  assert.deepEqual(args.slice(at, at + 4), ['-chardev', `socket,id=c-rng0,path=${join(dir, 'rng0.sock')}`, '-device', 'vhost-user-rng-pci,chardev=c-rng0,id=rng0']);
});
