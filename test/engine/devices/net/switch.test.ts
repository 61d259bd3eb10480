/**
 * Two virtio-net devices, each on its own in-process machine with its own reference driver, joined by the
 * learning switch: one pings the other (whose driver answers ARP and ICMP echo), then the responder joins.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NetDevice } from '../../../../engine/devices/net/net-device';
import { connect } from '../../../../engine/devices/net/ethernet-port';
import { EthernetSwitch, Responder } from '../../../../engine/devices/net/peers';
import { type NetClient, runNetPing, serveNetHost, startNetClient } from '../../../../engine/driver/workloads/net';
import { createInProcessMachine } from '../../../../engine/machine/in-process';
import { LAYOUTS } from './harness';

async function host(sw: EthernetSwitch, id: string, mac: string, layout: 'split' | 'packed', rules: string[]): Promise<{ dev: NetDevice; client: NetClient }> {
  const m = createInProcessMachine({ device: (mem, trace) => new NetDevice({ id, mac, mem, trace, queueSize: 64 }), driver: { layout, queueSize: 64 } });
  m.trace.on((e) => e.type === 'violation' && rules.push(`${e.device}: ${e.rule}`));
  const dev = m.device as NetDevice;
  connect(dev.port, sw.newPort());
  m.driver.init();
  const client = await startNetClient(m.driver, m.mem, m.alloc, { rxBuffers: 16 });
  return { dev, client };
}

describe('two net devices through the switch', () => {
  for (const layout of LAYOUTS) {
    test(`${layout}: net0 pings net1; the switch learns both MACs`, async () => {
      const sw = new EthernetSwitch();
      const rules: string[] = [];
      const a = await host(sw, 'net0', '52:54:00:00:00:01', layout, rules);
      const b = await host(sw, 'net1', '52:54:00:00:00:02', layout === 'split' ? 'packed' : 'split', rules);
      const service = serveNetHost(b.client, { ip: '10.0.0.2' });
      const r = await runNetPing(a.client, { ourIp: '10.0.0.1', target: '10.0.0.2', count: 5, timeoutMs: 2000 });
      service.stop();
      assert.equal(r.targetMac, '52:54:00:00:00:02');
      assert.equal(r.replies, 5);
      assert.equal(r.corrupted, 0);
      assert.deepEqual(service.answered, { arp: 1, echo: 5 });
      assert.deepEqual(sw.macTable().map((e) => e.mac).sort(), ['52:54:00:00:00:01', '52:54:00:00:00:02']);
      assert.equal(a.dev.stats.txFrames, 6);
      assert.equal(b.dev.stats.rxFrames, 6);
      assert.deepEqual(rules, []);
    });
  }

  test('with the responder on the same switch, both devices reach it and still each other', async () => {
    const sw = new EthernetSwitch();
    const rules: string[] = [];
    const responder = new Responder();
    connect(responder, sw.newPort());
    const a = await host(sw, 'net0', '52:54:00:00:00:01', 'split', rules);
    const b = await host(sw, 'net1', '52:54:00:00:00:02', 'packed', rules);
    const service = serveNetHost(b.client, { ip: '10.0.0.2' });
    const toB = await runNetPing(a.client, { ourIp: '10.0.0.1', target: '10.0.0.2', count: 2, timeoutMs: 2000 });
    const toResponder = await runNetPing(b.client, { ourIp: '10.0.0.2', target: '10.0.0.99', count: 2, timeoutMs: 2000 });
    service.stop();
    responder.close();
    assert.equal(toB.replies, 2);
    assert.equal(service.answered.echo, 2, 'net1 answered the echo requests');
    assert.equal(toResponder.replies, 2);
    assert.equal(toResponder.targetMac, responder.mac);
    assert.deepEqual(rules, []);
  });
});
