/** The adapter with virtio-blk on a real image file: conditions over decoded requests, setVariable, exceptions. */
import { describe, test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DebugClient } from '@vscode/debugadapter-testsupport';
import { evaluate, launchAndStop, scopeVars, startClient, variablesOf } from './support';

const dir = mkdtempSync(join(tmpdir(), 'vd-adapter-blk-'));
let n = 0;
function blkConfig(extra: Record<string, unknown> = {}, device: Record<string, unknown> = {}) {
  const disk = join(dir, `disk${n++}.img`);
  writeFileSync(disk, Buffer.alloc(4 * 1024 * 1024));
  return { type: 'virtio', request: 'launch', name: 'blk', devices: [{ type: 'blk', id: 'blk0', disk, queueSize: 64, ...device }], workload: { count: 8 }, ...extra };
}

let dc: DebugClient | undefined;
afterEach(async () => {
  await dc?.stop().catch(() => {});
  dc = undefined;
});

describe('virtio-blk sessions', () => {
  test('a condition over the decoded request stops on the first OUT at or beyond a sector', async () => {
    dc = await startClient();
    const stop = await launchAndStop(dc, { config: blkConfig(), functionBreakpoints: [{ name: 'blk0.requestq1', condition: 'req.type == "OUT" && req.sector >= 64' }] });
    assert.equal(stop.body.reason, 'breakpoint');
    const frames = (await dc.stackTraceRequest({ threadId: stop.body.threadId })).body.stackFrames;
    assert.match(frames[0]!.name, /^chain \d+: OUT sector (\d+) /);
    assert.ok(Number(/sector (\d+)/.exec(frames[0]!.name)![1]) >= 64);
    const chain = await scopeVars(dc, frames[0]!.id, 'Chain');
    const payload = chain.find((v) => v.name === 'payload')!;
    const layers = await variablesOf(dc, payload.variablesReference);
    const req = await variablesOf(dc, layers[0]!.variablesReference);
    assert.ok(req.some((v) => /type/i.test(v.name) && /OUT/.test(v.value)), JSON.stringify(req.map((v) => [v.name, v.value])));
  });

  test('setVariable on capacity resizes the disk and the driver sees the config change; read-only fields are refused', async () => {
    dc = await startClient();
    const cfg = blkConfig({ stopOnEntry: true });
    const stop = await launchAndStop(dc, { config: cfg });
    assert.equal(stop.body.reason, 'entry');
    const frame = (await dc.stackTraceRequest({ threadId: stop.body.threadId })).body.stackFrames[0]!;
    const device = await scopeVars(dc, frame.id, 'Device');
    const config = device.find((v) => v.name === 'config')!;
    assert.equal(await evaluate(dc, 'blk0.config.capacity'), '8192');
    const gen = Number(await evaluate(dc, 'blk0.configGeneration'));
    const r = await dc.setVariableRequest({ variablesReference: config.variablesReference, name: 'capacity', value: '16384' });
    assert.equal(r.body.value, '16384');
    assert.equal(await evaluate(dc, 'blk0.config.capacity'), '16384');
    assert.equal(Number(await evaluate(dc, 'blk0.configGeneration')), gen + 1);
    assert.equal(statSync((cfg.devices[0] as { disk: string }).disk).size, 16384 * 512);
    await assert.rejects(dc.setVariableRequest({ variablesReference: config.variablesReference, name: 'seg_max', value: '3' }), /read-only/);
  });

  test('a deliberate blk framing violation stops with its rule id', async () => {
    dc = await startClient();
    const stop = await launchAndStop(dc, { config: blkConfig({ workload: { count: 6, violation: 'blk-header-too-short' } }) });
    assert.equal(stop.body.reason, 'exception');
    const info = (await dc.exceptionInfoRequest({ threadId: stop.body.threadId })).body;
    assert.equal(info.exceptionId, 'blk-header-too-short');
    assert.match(info.details!.typeName!, /^VIRTIO §5\.2/);
  });

  test('a servable violation (severity error) stops, holds its chain, and is served on continue; strict stops the queue', async () => {
    for (const strict of [false, true]) {
      dc = await startClient();
      const config = blkConfig({ strict, workload: { count: 6, violation: 'split-indirect-not-negotiated' } });
      const stop = await launchAndStop(dc, { config });
      assert.equal(stop.body.reason, 'exception');
      const info = (await dc.exceptionInfoRequest({ threadId: stop.body.threadId })).body;
      assert.equal(info.exceptionId, 'split-indirect-not-negotiated');
      assert.match(info.details!.fullTypeName!, /, error\)$/, 'the severity is in the exception');
      assert.match(info.details!.stackTrace!, /Severity: error: queue goes on/);
      if (!strict) {
        // The chain is held, not consumed: the top frame is the offending chain, and it is served afterwards.
        const frames = (await dc.stackTraceRequest({ threadId: stop.body.threadId })).body.stackFrames;
        assert.match(frames[0]!.name, /IN|OUT/);
        const exited = dc.waitForEvent('exited', 30_000);
        await dc.continueRequest({ threadId: stop.body.threadId });
        assert.equal((await exited).body.exitCode, 0, 'every request of the workload completed');
      } else {
        assert.ok(Number(await evaluate(dc, 'blk0.status')) & 64, 'strict: DEVICE_NEEDS_RESET (64) is set');
      }
      await dc.stop().catch(() => {});
      dc = undefined;
    }
  });

  test('createDisk makes the image; the workload runs to the end without breakpoints', async () => {
    dc = await startClient();
    const disk = join(dir, 'created.img');
    const exited = dc.waitForEvent('exited', 30_000);
    const configured = dc.waitForEvent('initialized').then(() => dc!.configurationDoneRequest());
    await Promise.all([
      dc.launch({ type: 'virtio', request: 'launch', devices: [{ type: 'blk', id: 'blk0', disk, createDisk: 8 }], workload: { count: 12 } }),
      configured,
    ]);
    assert.equal((await exited).body.exitCode, 0);
    assert.equal(statSync(disk).size, 8 * 1024 * 1024);
  });
});
