import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '../../../../engine/devices/net/ethernet-port';
import { Responder } from '../../../../engine/devices/net/peers';
import { runNetFlood, runNetPing } from '../../../../engine/driver/workloads/net';
import { Trace } from '../../../../engine/trace';
import { netDemo } from '../../../../cli/demos/net';
import { LAYOUTS, netRig, until } from './harness';

describe('net workloads', () => {
  for (const layout of LAYOUTS) {
    test(`${layout}: ping through the built-in responder gets every reply`, async () => {
      const r = await netRig({ layout });
      const responder = new Responder();
      connect(r.dev.port, responder);
      const res = await runNetPing(r.client, { count: 4 });
      responder.close();
      assert.deepEqual(res, { targetMac: responder.mac, sent: 4, replies: 4, corrupted: 0 });
      assert.equal(responder.stats.icmpEchoReplies, 4);
      const summaries = r.events.flatMap((e) => (e.type === 'chain' ? [e.summary ?? ''] : []));
      assert.ok(summaries.some((s) => s.startsWith('ARP who-has 10.0.2.2 tell 10.0.2.15')));
      assert.ok(summaries.some((s) => s.startsWith('← ICMP echo reply 10.0.2.2 > 10.0.2.15')));
    });
  }

  test('a ping with nobody answering reports no target and no replies', async () => {
    const r = await netRig();
    const res = await runNetPing(r.client, { count: 2, timeoutMs: 50 });
    assert.deepEqual(res, { targetMac: undefined, sent: 0, replies: 0, corrupted: 0 });
  });

  test('flood: every frame reaches the wire; with a loopback each comes back, partial checksums completed', async () => {
    const r = await netRig();
    r.port.loopback = true;
    await r.client.commandByName('RX', 'ALLMULTI', [1]);
    const res = await runNetFlood(r.client, { count: 40, seed: 7 });
    assert.equal(res.sent, 40);
    assert.equal(r.port.frames.length, 40);
    assert.ok(await until(() => r.client.receivedCount === 40));
    assert.equal(r.dev.stats.txChecksummed, 20);
    r.client.received.forEach((p, i) => assert.equal(p.frame.length, res.frames[i]!.length));
    assert.deepEqual(r.rules(), []);
  });

  test('the header-size fault on the first echo request loses exactly that reply', async () => {
    const r = await netRig({ faults: [{ rule: 'net-hdr-size-mismatch', atChain: 1 }] });
    const responder = new Responder();
    connect(r.dev.port, responder);
    const res = await runNetPing(r.client, { count: 3, timeoutMs: 100 });
    responder.close();
    assert.equal(res.replies, 2);
    assert.ok(r.rules().includes('net-hdr-size-mismatch'));
  });
});

describe('demo net', () => {
  for (const layout of LAYOUTS) {
    test(`${layout}: runs clean and catches its deliberate violation`, async () => {
      const trace = new Trace();
      const rules: string[] = [];
      trace.on((e) => e.type === 'violation' && rules.push(e.rule));
      const lines: string[] = [];
      const ok = await netDemo.run({ layout, count: 3, trace, print: (l) => lines.push(l) });
      assert.equal(ok.ok, true, ok.summary);
      assert.match(ok.summary, /3\/3 echo replies/);
      assert.equal(rules.length, 0, rules.join(', '));
      const fault = netDemo.demoFault(layout);
      const bad = await netDemo.run({ layout, count: 3, trace, print: (l) => lines.push(l), fault });
      assert.equal(bad.ok, false);
      assert.ok(rules.includes(fault.rule));
    });
  }
});
