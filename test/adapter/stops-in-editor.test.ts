/**
 * What VS Code needs to show a stop without a click: frames with a source (the queue listing) at the
 * chain's line, a violation's chain held and explained, every queue stopped unless `stopAll: false`, and
 * the breakpoint that matched named in the stop.
 */
import { describe, test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DebugClient } from '@vscode/debugadapter-testsupport';
import { type DebugProtocol } from '@vscode/debugprotocol';
import { SET_FORMAT_REQUEST, type SetFormatArguments } from '../../protocol/dap';
import { type Stopped, echoConfig, evaluate, launchAndStop, scopeVars, startClient } from './support';

const dir = mkdtempSync(join(tmpdir(), 'vd-adapter-editor-'));
let n = 0;
function blkNetConfig(extra: Record<string, unknown> = {}) {
  const disk = join(dir, `disk${n++}.img`);
  writeFileSync(disk, Buffer.alloc(4 * 1024 * 1024));
  return {
    type: 'virtio',
    request: 'launch',
    name: 'blk + net',
    devices: [
      { type: 'blk', id: 'blk0', disk, queueSize: 64 },
      { type: 'net', id: 'net0', queueSize: 64 },
    ],
    workload: { count: 6 },
    ...extra,
  };
}

async function listing(dc: DebugClient, frame: DebugProtocol.StackFrame): Promise<string[]> {
  assert.ok(frame.source?.sourceReference, `frame "${frame.name}" has a source reference`);
  assert.notEqual(frame.source.presentationHint, 'deemphasize');
  const r = await dc.sourceRequest({ source: frame.source, sourceReference: frame.source.sourceReference });
  return r.body.content.split('\n');
}

let dc: DebugClient | undefined;
afterEach(async () => {
  await dc?.stop().catch(() => {});
  dc = undefined;
});

describe('frames point into a listing of the queue', () => {
  test('a breakpoint stop: the top frame is at its chain head; every queue stopped; the breakpoint is named', async () => {
    dc = await startClient();
    let bps: DebugProtocol.Breakpoint[] = [];
    const stopped = dc.waitForEvent('stopped') as Promise<Stopped>;
    const configured = dc.waitForEvent('initialized').then(async () => {
      bps = (await dc!.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'blk0.*' }, { name: 'scsi0.*' }] })).body.breakpoints;
      await dc!.configurationDoneRequest();
    });
    await Promise.all([dc.launch(blkNetConfig()), configured]);
    const stop = await stopped;
    assert.equal(stop.body.reason, 'breakpoint');
    assert.equal(stop.body.allThreadsStopped, true);
    assert.deepEqual(stop.body.hitBreakpointIds, [bps[0]!.id]);
    assert.match(stop.body.description!, /breakpoint "blk0\.\*"/);
    assert.equal(bps[1]!.verified, false);
    assert.match(bps[1]!.message!, /no queue matches "scsi0\.\*" \(queues: blk0\.requestq1, net0\.receiveq1, net0\.transmitq1, net0\.controlq\)/);

    const frames = (await dc.stackTraceRequest({ threadId: stop.body.threadId })).body.stackFrames;
    const top = frames[0]!;
    const chainId = /^chain (\d+):/.exec(top.name)![1];
    const lines = await listing(dc, top);
    assert.match(lines[0]!, /^blk0\.requestq1 · split ring · size 64 · avail idx \d+ · device next avail 1 · used idx 0 · pending 1/);
    assert.match(lines[top.line - 1]!, new RegExp(`^\\s+\\d+  0x[0-9a-f]{16} .*◀ chain ${chainId} \\(held by the debugger\\)`));
    // Every frame of the queue has a line of its own in the same listing.
    assert.equal(new Set(frames.map((f) => f.line)).size, frames.length);
    // The other queues are stopped too: the net workload does not advance while the session is stopped.
    const tx = await evaluate(dc, 'net0.transmitq1.counters.chains');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await evaluate(dc, 'net0.transmitq1.counters.chains'), tx);
  });

  test('"stopAll": false stops only the queue of the breakpoint', async () => {
    dc = await startClient();
    const stop = await launchAndStop(dc, { config: echoConfig({ stopAll: false }), functionBreakpoints: [{ name: 'echo0.requestq1' }] });
    assert.equal(stop.body.reason, 'breakpoint');
    assert.equal(stop.body.allThreadsStopped, false);
  });

  test('a violation holds the offending chain, points at it in the listing and explains the rule', async () => {
    dc = await startClient();
    const stop = await launchAndStop(dc, { config: blkNetConfig({ workload: { count: 6, violation: 'blk-header-too-short' } }) });
    assert.equal(stop.body.reason, 'exception');
    assert.equal(stop.body.allThreadsStopped, true);
    const frames = (await dc.stackTraceRequest({ threadId: stop.body.threadId })).body.stackFrames;
    const top = frames[0]!;
    assert.match(top.name, /^⚠ blk-header-too-short: chain \d+: /);
    const lines = await listing(dc, top);
    assert.match(lines[top.line - 1]!, /◀ chain \d+ \(broke a rule, held by the debugger\) {2}⚠ blk-header-too-short$/);
    // Held, not consumed: the chain is in flight, not in the used ring.
    assert.equal(await evaluate(dc, 'blk0.requestq1.inflight'), '1');

    const info = (await dc.exceptionInfoRequest({ threadId: stop.body.threadId })).body;
    assert.equal(info.exceptionId, 'blk-header-too-short');
    assert.match(info.description!, /request header needs 16 .*\(blk0\.requestq1, VIRTIO §5\.2\.6\)/);
    assert.match(info.details!.stackTrace!, /^Rule: A request starts with a 16-byte device-readable header/);
    assert.match(info.details!.stackTrace!, /\nWhy: .+\nFix: Put the whole struct virtio_blk_req header/);
    assert.match(info.details!.stackTrace!, /Spec: §5\.2\.6 in https:\/\/docs\.oasis-open\.org\/virtio\/virtio\/v1\.3\/virtio-v1\.3\.html/);

    // Continue gives the chain back to the driver (with the device's error status) and the workload ends.
    await dc.setExceptionBreakpointsRequest({ filters: [] });
    const ended = dc.waitForEvent('exited', 20_000);
    await dc.continueRequest({ threadId: stop.body.threadId });
    await ended;
  });

  test('a broken queue (no chain can be walked) points at the descriptor the device stopped at', async () => {
    dc = await startClient();
    const stop = await launchAndStop(dc, { config: echoConfig({ workload: { count: 6, violation: 'split-desc-zero-length' } }) });
    const frames = (await dc.stackTraceRequest({ threadId: stop.body.threadId })).body.stackFrames;
    const top = frames[0]!;
    assert.ok(top.line > 2, `line ${top.line} is a descriptor line`);
    const lines = await listing(dc, top);
    assert.match(lines[top.line - 1]!, /⚠ .*split-desc-zero-length/);
  });
});

describe('number format', () => {
  test('virtio/setFormat switches Variables and evaluate to hex and invalidates the variables', async () => {
    dc = await startClient();
    const stop = await launchAndStop(dc, { config: echoConfig(), functionBreakpoints: [{ name: 'echo0.requestq1' }] });
    const frame = (await dc.stackTraceRequest({ threadId: stop.body.threadId })).body.stackFrames[0]!;
    const size = async () => (await scopeVars(dc!, frame.id, 'Queue')).find((v) => v.name === 'size')!.value;
    assert.equal(await size(), '64');
    const invalidated = dc.waitForEvent('invalidated');
    const args: SetFormatArguments = { hex: true };
    const r = await dc.customRequest(SET_FORMAT_REQUEST, args);
    assert.deepEqual(r.body, { hex: true });
    assert.deepEqual((await invalidated).body.areas, ['variables']);
    assert.equal(await size(), '0x40');
    assert.equal(await evaluate(dc, 'echo0.requestq1.size'), '0x40');
  });
});
