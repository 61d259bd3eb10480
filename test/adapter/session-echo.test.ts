/**
 * The real adapter process driven by DebugClient, on the built-in driver with the virtio-echo test device:
 * stopping on queue notifications, stepping, inspecting, exceptions, memory, snapshot.
 */
import { describe, test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { type DebugClient } from '@vscode/debugadapter-testsupport';
import { type SessionSnapshot } from '../../protocol/snapshot';
import { SNAPSHOT_REQUEST } from '../../protocol/dap';
import { type Stopped, echoConfig, evaluate, launchAndStop, scopeVars, startClient, variablesOf } from './support';

let dc: DebugClient | undefined;
afterEach(async () => {
  await dc?.stop().catch(() => {});
  dc = undefined;
});

describe('stopping on queue notifications', () => {
  test('a function breakpoint named after the queue stops before the first chain is processed', async () => {
    dc = await startClient();
    const stop = await launchAndStop(dc, { config: echoConfig(), functionBreakpoints: [{ name: 'echo0.requestq1' }] });
    assert.equal(stop.body.reason, 'breakpoint');
    const threads = (await dc.threadsRequest()).body.threads;
    assert.deepEqual(
      threads.map((t) => t.name),
      ['echo0.requestq1'],
    );
    assert.equal(stop.body.threadId, threads[0]!.id);
    const frames = (await dc.stackTraceRequest({ threadId: stop.body.threadId })).body.stackFrames;
    assert.ok(frames.length >= 1);
    assert.match(frames[0]!.name, /^chain 0: echo 15 B into 64 B \(2 desc, 15\+64 B\)$/);
    const chain = await scopeVars(dc, frames[0]!.id, 'Chain');
    assert.equal(chain.find((v) => v.name === 'readable bytes')?.value, '15');
    assert.equal(chain.find((v) => v.name === 'writable bytes')?.value, '64');
    const descs = await variablesOf(dc, chain.find((v) => v.name === 'descriptors')!.variablesReference);
    assert.equal(descs.length, 2);
    assert.match(descs[0]!.value, /^0x8[0-9a-f]+ len 15 NEXT$/);
    assert.match(descs[1]!.value, /len 64 WRITE$/);
    // Nothing was consumed while stopped.
    assert.equal(await evaluate(dc, 'echo0.requestq1.used.idx'), '0');
    assert.equal(await evaluate(dc, 'echo0.requestq1.counters.chains'), '0');
  });

  test('a glob over thread names stops too; a breakpoint on an unknown queue is unverified', async () => {
    dc = await startClient();
    let bps: { id?: number; verified: boolean; message?: string }[] = [];
    const stopped = dc.waitForEvent('stopped') as Promise<Stopped>;
    const configured = dc.waitForEvent('initialized').then(async () => {
      bps = (await dc!.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'echo0.*' }, { name: 'net9.*' }] })).body.breakpoints;
      await dc!.configurationDoneRequest();
    });
    await Promise.all([dc.launch(echoConfig()), configured]);
    const stop = await stopped;
    assert.equal(stop.body.reason, 'breakpoint');
    assert.equal(bps[0]!.verified, true);
    assert.equal(bps[1]!.verified, false);
    assert.match(bps[1]!.message!, /no queue matches "net9\.\*"/);
  });

  test('conditions over chain fields and hit counts; a bad condition is unverified with the parse error', async () => {
    dc = await startClient();
    let bps: { id?: number; verified: boolean; message?: string }[] = [];
    const stopped = dc.waitForEvent('stopped') as Promise<Stopped>;
    const configured = dc.waitForEvent('initialized').then(async () => {
      bps = (
        await dc!.setFunctionBreakpointsRequest({
          breakpoints: [
            { name: 'echo0.requestq1', condition: 'chain.indirect == true', hitCondition: '2' },
            { name: 'echo0.requestq1', condition: 'chain.descs = 2' },
            { name: 'echo0.requestq1', condition: 'foo.bar > 1' },
          ],
        })
      ).body.breakpoints;
      await dc!.configurationDoneRequest();
    });
    await Promise.all([dc.launch(echoConfig()), configured]);
    const stop = await stopped;
    assert.equal(bps[0]!.verified, true);
    assert.equal(bps[1]!.verified, false);
    assert.match(bps[1]!.message!, /'=' .*column 13/);
    assert.equal(bps[2]!.verified, false);
    assert.match(bps[2]!.message!, /unknown name "foo.bar"/);
    // The echo workload uses an indirect table for every other request: the 2nd indirect one is request 3.
    const frames = (await dc.stackTraceRequest({ threadId: stop.body.threadId })).body.stackFrames;
    const chain = await scopeVars(dc, frames[0]!.id, 'Chain');
    assert.ok(chain.some((v) => v.name === 'indirect table'), 'stopped on an indirect chain');
    assert.equal(await evaluate(dc, 'echo0.requestq1.counters.chains'), '3');
    assert.deepEqual(stop.body.hitBreakpointIds, [bps[0]!.id]);
  });
});

describe('stepping', () => {
  test('next completes exactly one chain; stepOut drains what is available; continue runs to the end', async () => {
    dc = await startClient();
    const stop = await launchAndStop(dc, { config: echoConfig({ workload: { count: 8 } }), functionBreakpoints: [{ name: 'echo0.requestq1' }] });
    const tid = stop.body.threadId;
    const pending0 = Number(await evaluate(dc, 'echo0.requestq1.pending'));
    assert.ok(pending0 >= 2, `pending ${pending0}`);
    const stepped = dc.waitForEvent('stopped') as Promise<Stopped>;
    await dc.nextRequest({ threadId: tid });
    const s1 = await stepped;
    assert.equal(s1.body.reason, 'step');
    assert.equal(await evaluate(dc, 'echo0.requestq1.used.idx'), '1');
    assert.equal(Number(await evaluate(dc, 'echo0.requestq1.pending')), pending0 - 1);
    const drained = dc.waitForEvent('stopped');
    await dc.stepOutRequest({ threadId: tid });
    assert.equal((await drained).body.reason, 'step');
    // Every chain that was available has been returned (the driver may have added more since).
    assert.equal(await evaluate(dc, 'echo0.requestq1.used.idx'), String(pending0));
    assert.equal(await evaluate(dc, 'echo0.requestq1.counters.chains'), String(pending0));
    await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
    const ended = dc.waitForEvent('exited');
    await dc.continueRequest({ threadId: tid });
    assert.equal((await ended).body.exitCode, 0);
  });

  test('pause stops every queue; stopOnEntry stops once the driver reached DRIVER_OK', async () => {
    dc = await startClient();
    const stop = await launchAndStop(dc, { config: echoConfig({ stopOnEntry: true }) });
    assert.equal(stop.body.reason, 'entry');
    assert.equal(stop.body.allThreadsStopped, true);
    assert.equal(await evaluate(dc, 'echo0.statusNames'), 'ACKNOWLEDGE|DRIVER|FEATURES_OK|DRIVER_OK');
    assert.equal(await evaluate(dc, 'echo0.requestq1.counters.chains'), '0');
  });
});

describe('exceptions: spec violations', () => {
  for (const rule of ['split-desc-zero-length', 'split-chain-loop', 'split-write-before-read', 'status-order', 'features-not-offered']) {
    test(`a deliberate ${rule} stops with an exception naming the rule and section`, async () => {
      dc = await startClient();
      const stop = await launchAndStop(dc, { config: echoConfig({ workload: { count: 6, violation: rule } }) });
      assert.equal(stop.body.reason, 'exception');
      assert.match(stop.body.text ?? '', new RegExp(`^${rule} \\(§[0-9.]+\\)`));
      const info = (await dc.exceptionInfoRequest({ threadId: stop.body.threadId })).body;
      assert.equal(info.exceptionId, rule);
      assert.match(info.details!.typeName!, /^VIRTIO §\d/);
      assert.match(info.details!.stackTrace!, /Why: .+\nFix: .+/);
    });
  }

  test('packed layout: a deliberate packed-desc-flags-inconsistent is caught', async () => {
    dc = await startClient();
    const stop = await launchAndStop(dc, { config: echoConfig({ workload: { count: 6, layout: 'packed', violation: 'packed-desc-flags-inconsistent' } }) });
    assert.equal(stop.body.reason, 'exception');
    const info = (await dc.exceptionInfoRequest({ threadId: stop.body.threadId })).body;
    assert.equal(info.exceptionId, 'packed-desc-flags-inconsistent');
  });
});

describe('inspection', () => {
  test('variables of Queue and Device scopes, hex format, snapshot field by field', async () => {
    dc = await startClient();
    const stop = await launchAndStop(dc, { config: echoConfig(), functionBreakpoints: [{ name: 'echo0.requestq1' }] });
    const frame = (await dc.stackTraceRequest({ threadId: stop.body.threadId })).body.stackFrames[0]!;
    const queue = await scopeVars(dc, frame.id, 'Queue');
    assert.equal(queue.find((v) => v.name === 'size')?.value, '64');
    assert.equal(queue.find((v) => v.name === 'layout')?.value, 'split');
    const desc = queue.find((v) => v.name === 'desc')!;
    assert.match(desc.memoryReference!, /^echo0@0x8[0-9a-f]+$/);
    const device = await scopeVars(dc, frame.id, 'Device');
    assert.equal(device.find((v) => v.name === 'status')?.value, '15 (ACKNOWLEDGE|DRIVER|FEATURES_OK|DRIVER_OK)');
    const scopes = (await dc.scopesRequest({ frameId: frame.id })).body.scopes;
    const hexVars = (await dc.variablesRequest({ variablesReference: scopes.find((s) => s.name === 'Queue')!.variablesReference, format: { hex: true } })).body.variables;
    assert.equal(hexVars.find((v) => v.name === 'size')?.value, '0x40');

    const snap = (await dc.customRequest(SNAPSHOT_REQUEST, { rings: true })).body as SessionSnapshot;
    assert.equal(snap.running, false);
    assert.equal(snap.stop?.reason, 'breakpoint');
    assert.equal(snap.stop?.thread, 'echo0.requestq1');
    const d = snap.devices[0]!;
    assert.equal(d.id, 'echo0');
    assert.equal(d.transport, 'mmio');
    assert.equal(d.status, 15);
    assert.deepEqual(d.statusNames, ['ACKNOWLEDGE', 'DRIVER', 'FEATURES_OK', 'DRIVER_OK']);
    assert.ok(d.features.find((f) => f.name === 'VIRTIO_F_VERSION_1')?.negotiated);
    assert.equal(d.features.find((f) => f.name === 'VIRTIO_F_RING_PACKED')?.negotiated, false);
    assert.equal(d.config.find((f) => f.name === 'max_len')?.value, String(1 << 20));
    const q = d.queues[0]!;
    assert.equal(q.thread, 'echo0.requestq1');
    assert.equal(q.size, 64);
    assert.equal(q.enabled, true);
    assert.equal(q.ring?.layout, 'split');
    if (q.ring?.layout === 'split') {
      assert.equal(q.ring.avail.idx, q.pending);
      assert.equal(q.ring.used.idx, 0);
      assert.equal(q.ring.desc.length, 64);
    }
    assert.equal(d.transportState.find((r) => r.name === 'MagicValue')?.value, '0x74726976');
    // What the panels ask for: the chains of every queue, each with its buffers up to bytesLimit bytes.
    assert.equal(q.chains, undefined, 'no chains unless asked');
    const withChains = (await dc.customRequest(SNAPSHOT_REQUEST, { rings: true, chains: 64, bytesLimit: 8 })).body as SessionSnapshot;
    const chains = withChains.devices[0]!.queues[0]!.chains ?? [];
    assert.ok(chains.length > 0, 'the stopped queue lists its chains');
    assert.equal(chains[0]!.state, 'held');
    for (const c of chains) for (const b of c.descriptors) assert.ok((b.bytes?.length ?? 0) <= 8 * 2, 'buffers cut at bytesLimit');
  });

  test('evaluate names, REPL commands and completions; unknown names are clear errors', async () => {
    dc = await startClient();
    await launchAndStop(dc, { config: echoConfig(), functionBreakpoints: [{ name: 'echo0.requestq1' }] });
    assert.equal(await evaluate(dc, 'echo0.config.max_len'), String(1 << 20));
    assert.equal(await evaluate(dc, 'echo0.features.negotiatedBits.INDIRECT_DESC'), 'true');
    await assert.rejects(dc.evaluateRequest({ expression: 'echo0.nope', context: 'watch' }), /no "nope" in echo0/);
    const queues = (await dc.evaluateRequest({ expression: 'queues', context: 'repl' })).body.result;
    assert.match(queues, /^echo0\.requestq1 +split +size +64 +pending \d+/);
    const help = (await dc.evaluateRequest({ expression: 'help', context: 'repl' })).body.result;
    assert.match(help, /link up\|down/);
    const rule = (await dc.evaluateRequest({ expression: 'rule split-chain-loop', context: 'repl' })).body.result;
    assert.match(rule, /§2\.7\.5\.2/);
    const comp = (await dc.completionsRequest({ text: 'echo0.requestq1.us', column: 19 })).body.targets.map((t) => t.label);
    assert.ok(comp.includes('echo0.requestq1.used'), comp.join(','));
    assert.ok(comp.includes('echo0.requestq1.usedIdx'));
  });

  test('read and write guest memory through memory references', async () => {
    dc = await startClient();
    const stop = await launchAndStop(dc, { config: echoConfig(), functionBreakpoints: [{ name: 'echo0.requestq1' }] });
    const frame = (await dc.stackTraceRequest({ threadId: stop.body.threadId })).body.stackFrames[0]!;
    const chain = await scopeVars(dc, frame.id, 'Chain');
    const descs = await variablesOf(dc, chain.find((v) => v.name === 'descriptors')!.variablesReference);
    const ref = descs[0]!.memoryReference!;
    const read = (await dc.customRequest('readMemory', { memoryReference: ref, count: 15 })).body as { data: string };
    assert.equal(Buffer.from(read.data, 'base64').toString(), 'hello virtio #0');
    const memEvent = dc.waitForEvent('memory');
    const wrote = (await dc.customRequest('writeMemory', { memoryReference: ref, data: Buffer.from('HELLO').toString('base64') })).body as { bytesWritten: number };
    assert.equal(wrote.bytesWritten, 5);
    assert.equal((await memEvent).body.memoryReference, ref);
    const again = (await dc.customRequest('readMemory', { memoryReference: ref, count: 15 })).body as { data: string };
    assert.equal(Buffer.from(again.data, 'base64').toString(), 'HELLO virtio #0');
    const outside = (await dc.customRequest('readMemory', { memoryReference: 'echo0@0x10', count: 16 })).body as { unreadableBytes?: number };
    assert.equal(outside.unreadableBytes, 16);
  });

  test('setVariable on a read-only config field is refused with a clear message', async () => {
    dc = await startClient();
    const stop = await launchAndStop(dc, { config: echoConfig(), functionBreakpoints: [{ name: 'echo0.requestq1' }] });
    const frame = (await dc.stackTraceRequest({ threadId: stop.body.threadId })).body.stackFrames[0]!;
    const queue = (await dc.scopesRequest({ frameId: frame.id })).body.scopes.find((s) => s.name === 'Queue')!;
    await assert.rejects(dc.setVariableRequest({ variablesReference: queue.variablesReference, name: 'size', value: '8' }), /cannot be changed/);
  });
});

describe('exception filters beyond violations', () => {
  test('"status" stops on a device status change, "reset" on a device reset', async () => {
    dc = await startClient();
    const stop = await launchAndStop(dc, { config: echoConfig(), exceptionFilters: ['status'] });
    assert.equal(stop.body.reason, 'exception');
    assert.match(stop.body.description ?? '', /^echo0 status → /);
    await dc.stop();
    dc = await startClient();
    const reset = await launchAndStop(dc, { config: echoConfig(), exceptionFilters: ['reset'] });
    assert.equal(reset.body.reason, 'exception');
    assert.match(reset.body.description ?? '', /^echo0 reset by the driver/);
    assert.equal((await dc.exceptionInfoRequest({ threadId: reset.body.threadId })).body.exceptionId, 'reset');
  });

  test('"config" stops when the driver writes config space', async () => {
    dc = await startClient();
    const stop = await launchAndStop(dc, { config: echoConfig({ workload: { count: 4, violation: 'config-write-readonly' } }), exceptionFilters: ['config'] });
    assert.equal(stop.body.reason, 'exception');
    assert.match(stop.body.description ?? '', /^echo0 config written by the driver/);
  });
});
