/**
 * `virtio-debug demo net`: the reference driver brings up a virtio-net device wired to the built-in
 * responder, configures receive filtering through the control queue and pings: the trace shows every
 * frame decoded (ARP who-has / is-at, ICMP echo request / reply) with its virtio_net_hdr. The deliberate
 * violation is the classic F15 bug: a 10-byte (legacy) header on a device that negotiated VERSION_1.
 */
import { connect, createInProcessMachine, NetDevice, netFaults, Responder, runNetPing, startNetClient } from '../../engine';
import { type DemoScenario } from './types';

export const netDemo: DemoScenario = {
  name: 'net',
  title: 'virtio-net pinging the built-in responder',
  // Chain 0 is the ARP request; the first ICMP echo request goes out with the wrong header size.
  demoFault: () => ({ rule: 'net-hdr-size-mismatch', atChain: 1 }),
  async run(ctx) {
    const faults = ctx.fault ? [ctx.fault] : [];
    const m = createInProcessMachine({
      trace: ctx.trace,
      device: (mem, tr) => new NetDevice({ id: 'net0', mem, trace: tr, queueSize: 64 }),
      driver: { layout: ctx.layout, queueSize: 64, faults: faults.filter((f) => !f.rule.startsWith('net-')) },
    });
    const device = m.device as NetDevice;
    const responder = new Responder();
    connect(device.port, responder);
    m.driver.init();
    const client = await startNetClient(m.driver, m.mem, m.alloc, { rxBuffers: 16, faults: netFaults(faults) });
    if (client.has('CTRL_RX')) {
      await client.commandByName('RX', 'PROMISC', [0]);
      await client.commandByName('RX', 'ALLMULTI', [1]);
    }
    const r = await runNetPing(client, { count: ctx.count, timeoutMs: ctx.fault ? 200 : 2000 });
    client.stop();
    responder.close();
    for (const p of client.received.filter((x) => x.numBuffers > 1)) ctx.print(`packet over ${p.numBuffers} buffers on queue ${p.queue}`);
    const s = device.stats;
    return {
      ok: r.targetMac !== undefined && r.replies === ctx.count && r.corrupted === 0,
      summary:
        `ARP: ${r.targetMac ? `10.0.2.2 is at ${r.targetMac}` : 'no answer'}; ${r.replies}/${r.sent} echo replies` +
        `${r.corrupted ? ` (${r.corrupted} corrupted)` : ''}; device sent ${s.txFrames} frames, received ${s.rxFrames}` +
        `${s.txDropped.malformed ? `, dropped ${s.txDropped.malformed} malformed` : ''}`,
    };
  },
};
