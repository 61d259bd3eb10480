/** The adapter with virtio-net and the built-in responder: frame conditions, link status, REPL host actions. */
import { describe, test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DebugClient } from '@vscode/debugadapter-testsupport';
import { SNAPSHOT_REQUEST } from '../../protocol/dap';
import { type SessionSnapshot } from '../../protocol/snapshot';
import { readPcap } from '../../engine/devices/net/peers/pcap';
import { evaluate, launchAndStop, scopeVars, startClient, variablesOf } from './support';

const dir = mkdtempSync(join(tmpdir(), 'vd-adapter-net-'));
const netConfig = (extra: Record<string, unknown> = {}, device: Record<string, unknown> = {}) => ({
  type: 'virtio',
  request: 'launch',
  name: 'net',
  devices: [{ type: 'net', id: 'net0', mac: '52:54:00:12:34:56', queueSize: 64, ...device }],
  workload: { kind: 'ping', count: 3 },
  ...extra,
});

let dc: DebugClient | undefined;
afterEach(async () => {
  await dc?.stop().catch(() => {});
  dc = undefined;
});

describe('virtio-net sessions', () => {
  test('a condition over the decoded frame skips the ARP request and stops on the ICMP echo', async () => {
    dc = await startClient();
    const stop = await launchAndStop(dc, {
      config: netConfig(),
      functionBreakpoints: [{ name: 'net0.transmitq1', condition: 'pkt.ip.dst == "10.0.2.2" && pkt.icmp.type == 8' }],
    });
    assert.equal(stop.body.reason, 'breakpoint');
    const frames = (await dc.stackTraceRequest({ threadId: stop.body.threadId })).body.stackFrames;
    assert.match(frames[0]!.name, /ICMP echo request 10\.0\.2\.15 > 10\.0\.2\.2/);
    const chain = await scopeVars(dc, frames[0]!.id, 'Chain');
    const layers = await variablesOf(dc, chain.find((v) => v.name === 'payload')!.variablesReference);
    const names = layers.map((l) => l.name);
    assert.ok(names.some((n) => /virtio_net_hdr/i.test(n)) && names.some((n) => /Ethernet/i.test(n)) && names.some((n) => /IPv4/i.test(n)) && names.some((n) => /ICMP/i.test(n)), names.join(', '));
    assert.equal(await evaluate(dc, 'net0.transmitq1.counters.chains'), '1', 'the ARP request went through first');
  });

  test('setVariable on the link status reaches the driver as a config-change interrupt', async () => {
    dc = await startClient();
    const stop = await launchAndStop(dc, { config: netConfig({ stopOnEntry: true }) });
    const frame = (await dc.stackTraceRequest({ threadId: stop.body.threadId })).body.stackFrames[0]!;
    const device = await scopeVars(dc, frame.id, 'Device');
    const config = device.find((v) => v.name === 'config')!;
    const gen = Number(await evaluate(dc, 'net0.configGeneration'));
    const r = await dc.setVariableRequest({ variablesReference: config.variablesReference, name: 'status', value: 'down' });
    assert.match(r.body.value, /link down/);
    assert.equal(await evaluate(dc, 'net0.config.status'), '0');
    assert.equal(Number(await evaluate(dc, 'net0.configGeneration')), gen + 1);
    const snap = (await dc.customRequest(SNAPSHOT_REQUEST, { rings: false, traceEvents: 50 })).body as SessionSnapshot;
    assert.ok(snap.trace!.some((e) => e.type === 'interrupt' && e.kind === 'config' && e.device === 'net0'), 'config interrupt sent to the driver');
    await assert.rejects(dc.setVariableRequest({ variablesReference: config.variablesReference, name: 'mac', value: '52:54:00:00:00:01' }), /read-only/);
    const up = await dc.evaluateRequest({ expression: 'link up', context: 'repl' });
    assert.match(up.body.result, /net0: link up/);
    assert.equal(await evaluate(dc, 'net0.config.status'), '1');
  });

  test('REPL: pcap start/stop captures frames; inject frame delivers one to the device', async () => {
    dc = await startClient();
    const pcap = join(dir, 'live.pcap');
    const stop = await launchAndStop(dc, { config: netConfig({ stopOnEntry: true, workload: { kind: 'ping', count: 2 } }) });
    assert.equal(stop.body.reason, 'entry');
    assert.match((await dc.evaluateRequest({ expression: `pcap start ${pcap}`, context: 'repl' })).body.result, /capturing/);
    const injected = await dc.evaluateRequest({ expression: 'inject frame ffffffffffff0200000000010806' + '00'.repeat(28), context: 'repl' });
    assert.match(injected.body.result, /injected a 42-byte frame/);
    const ended = dc.waitForEvent('exited', 20_000);
    await dc.continueRequest({ threadId: stop.body.threadId });
    await ended;
    await dc.evaluateRequest({ expression: 'pcap stop', context: 'repl' }).catch(() => undefined);
    assert.ok(existsSync(pcap));
    const frames = readPcap(pcap);
    assert.ok(frames.records.length >= 4, `captured ${frames.records.length} frames`);
    assert.ok(readFileSync(pcap).length > 24);
  });

  test('a deliberate header-size violation stops with net-hdr-size-mismatch', async () => {
    dc = await startClient();
    const stop = await launchAndStop(dc, { config: netConfig({ workload: { kind: 'ping', count: 3, violation: 'net-hdr-size-mismatch' } }) });
    assert.equal(stop.body.reason, 'exception');
    assert.equal((await dc.exceptionInfoRequest({ threadId: stop.body.threadId })).body.exceptionId, 'net-hdr-size-mismatch');
  });
});
