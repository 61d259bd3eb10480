import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { F, bit } from '../../../../engine/device-core/bits';
import { NetDevice } from '../../../../engine/devices/net/net-device';
import { REG } from '../../../../engine/transport/mmio/registers';
import { createInProcessMachine } from '../../../../engine/machine/in-process';
import { NET_CONFIG } from '../../../../engine/spec-tables';
import { LAYOUTS, TRANSPORT, defaultNetOffered, netBits, netRig, settle } from './harness';

const field = (name: string) => NET_CONFIG.find((f) => f.name === name)!;

describe('config fields under their gating features (§5.1.4)', () => {
  test('mac is always present; its value is the configured address', async () => {
    const r = await netRig({ device: { mac: '02:11:22:33:44:55', offered: TRANSPORT } });
    assert.deepEqual([...r.client.mac], [0x02, 0x11, 0x22, 0x33, 0x44, 0x55]);
    assert.deepEqual(r.rules(), []);
  });

  const gated: { name: string; feature: Parameters<typeof netBits>[0]; options: object; expect: number; width: 1 | 2 | 4 }[] = [
    { name: 'status', feature: 'STATUS', options: { linkUp: true }, expect: 1, width: 2 },
    { name: 'max_virtqueue_pairs', feature: 'MQ', options: { queuePairs: 3 }, expect: 3, width: 2 },
    { name: 'mtu', feature: 'MTU', options: { mtu: 9000 }, expect: 9000, width: 2 },
    { name: 'speed', feature: 'SPEED_DUPLEX', options: { speed: 25000 }, expect: 25000, width: 4 },
    { name: 'duplex', feature: 'SPEED_DUPLEX', options: { duplex: 'half' }, expect: 0, width: 1 },
  ];
  for (const g of gated) {
    test(`${g.name}: readable with ${g.feature} (value ${g.expect}), config-field-not-offered without it`, async () => {
      const needs = g.feature === 'MQ' ? netBits('CTRL_VQ', 'MQ') : netBits(g.feature);
      const withIt = await netRig({ device: { ...g.options, offered: TRANSPORT | netBits('MAC') | needs } });
      assert.equal(withIt.client.config(field(g.name).offset, g.width), g.expect);
      assert.deepEqual(withIt.rules(), []);

      const without = await netRig({ device: { ...g.options, offered: TRANSPORT | netBits('MAC') } });
      without.client.config(field(g.name).offset, g.width);
      const v = without.violations().find((x) => x.rule === 'config-field-not-offered');
      assert.ok(v, `no config-field-not-offered for ${g.name}`);
      assert.match(v.message, new RegExp(g.name));
    });
  }

  test('duplex full is 1 and unknown 0xff (Linux DUPLEX_* values); speed unknown is 0xffffffff', async () => {
    const full = await netRig({ device: { duplex: 'full', speed: 0xffffffff } });
    assert.equal(full.client.config(16, 1), 1);
    assert.equal(full.client.config(12, 4), 0xffffffff);
    const unknown = await netRig({ device: { duplex: 'unknown' } });
    assert.equal(unknown.client.config(16, 1), 0xff);
  });

  test('device options outside the ranges the spec allows are refused', () => {
    const m = (o: object) => () => createInProcessMachine({ device: (mem, trace) => new NetDevice({ mem, trace, ...o }) });
    assert.throws(m({ mtu: 67 }), /mtu must be 68\.\.65535/);
    assert.throws(m({ queuePairs: 0 }), /queue pairs/);
    assert.throws(m({ mac: '01:00:5e:00:00:01' }), /multicast/);
    assert.throws(m({ mac: 'zz' }), /bad MAC/);
    assert.throws(m({ speed: 0x80000000 }), /speed/);
  });

  for (const layout of LAYOUTS) {
    test(`${layout}: every driver write to the net config is net-config-write and changes nothing`, async () => {
      const r = await netRig({ layout, device: { queuePairs: 2 } });
      for (const f of NET_CONFIG.filter((x) => r.dev.configFieldPresent(x))) {
        const before = r.dev.config.get(f.name);
        r.m.driver.writeConfig(f.offset, 0x5a, 1);
        assert.equal(r.dev.config.get(f.name), before, f.name);
        const last = r.violations().at(-1)!;
        assert.equal(last.rule, 'net-config-write', f.name);
        assert.equal(last.section, '5.1.4.2');
        assert.equal(last.index, f.offset);
      }
    });
  }

  test('a legacy driver (no VERSION_1) may write mac; the filter follows it', async () => {
    const m = createInProcessMachine({ device: (mem, trace) => new NetDevice({ mem, trace, offered: netBits('MAC'), queueSize: 16 }), driver: { queueSize: 16 } });
    const rules: string[] = [];
    m.trace.on((e) => e.type === 'violation' && rules.push(e.rule));
    const dev = m.device as NetDevice;
    m.transport.write(REG.Status, 1);
    m.transport.write(REG.Status, 3);
    m.transport.write(REG.Status, 3 | 8);
    m.transport.write(REG.Config + 5, 0x99, 1);
    assert.equal(dev.mac, '52:54:00:12:34:99');
    assert.ok(!rules.includes('net-config-write'));
  });
});

describe('link status, announce, speed changes: config-change notifications reaching the driver', () => {
  for (const layout of LAYOUTS) {
    test(`${layout}: setLink(false/true) flips LINK_UP, bumps the generation and interrupts the driver`, async () => {
      const r = await netRig({ layout });
      let seen = 0;
      r.m.driver.onConfigChange(() => seen++);
      const g0 = r.dev.config.generation;
      r.dev.setLink(false);
      await settle();
      assert.equal(seen, 1);
      assert.equal(r.client.status & 1, 0);
      assert.ok(r.dev.config.generation > g0);
      r.dev.setLink(true);
      await settle();
      assert.equal(seen, 2);
      assert.equal(r.client.status & 1, 1);
      r.dev.setLink(true);
      await settle();
      assert.equal(seen, 2, 'no change, no notification');
    });
  }

  test('no traffic while the link is down: transmitted frames are dropped, received ones too', async () => {
    const r = await netRig();
    r.dev.setLink(false);
    await r.client.transmit(new Uint8Array(60).fill(1));
    assert.equal(r.port.frames.length, 0);
    assert.equal(r.dev.stats.txDropped.linkDown, 1);
    r.port.inject(new Uint8Array(60).fill(0xff));
    await settle();
    assert.equal(r.client.receivedCount, 0);
    assert.equal(r.dev.stats.rxDropped.notReady, 1);
    r.dev.setLink(true);
    await r.client.transmit(new Uint8Array(60).fill(1));
    assert.equal(r.port.frames.length, 1);
  });

  test('announce sets ANNOUNCE with a notification; ANNOUNCE_ACK clears it', async () => {
    const r = await netRig();
    let seen = 0;
    r.m.driver.onConfigChange(() => seen++);
    assert.equal(r.dev.announce(), true);
    await settle();
    assert.equal(seen, 1);
    assert.equal(r.client.status, 3);
    assert.equal(await r.client.commandByName('ANNOUNCE', 'ACK'), 0);
    assert.equal(r.client.status, 1);
    assert.deepEqual(r.rules(), []);
  });

  test('announce is refused when GUEST_ANNOUNCE was not negotiated', async () => {
    const r = await netRig({ without: ['GUEST_ANNOUNCE'] });
    assert.equal(r.dev.announce(), false);
    assert.equal(r.client.status, 1);
  });

  test('speed and duplex changes notify the driver', async () => {
    const r = await netRig();
    let seen = 0;
    r.m.driver.onConfigChange(() => seen++);
    r.dev.setSpeedDuplex(1000, 'half');
    await settle();
    assert.ok(seen >= 1);
    assert.equal(r.client.config(12, 4), 1000);
    assert.equal(r.client.config(16, 1), 0);
  });
});

describe('queue layout (§5.1.2)', () => {
  const numMax = (r: Awaited<ReturnType<typeof netRig>>, i: number) => {
    r.m.transport.write(REG.QueueSel, i);
    return r.m.transport.read(REG.QueueNumMax);
  };

  test('with MQ negotiated: N pairs and controlq at 2N', async () => {
    const r = await netRig({ device: { queuePairs: 3 } });
    assert.deepEqual(r.dev.queues.map((q) => q.name), ['receiveq1', 'transmitq1', 'receiveq2', 'transmitq2', 'receiveq3', 'transmitq3', 'controlq']);
    assert.equal(r.client.ctrlQueue, 6);
    assert.equal(r.m.driver.queues.length, 7);
  });

  test('without MQ: controlq is queue 2 and the other pairs do not exist (QueueNumMax 0)', async () => {
    const r = await netRig({ device: { queuePairs: 3 }, without: ['MQ'] });
    assert.deepEqual(r.dev.queues.slice(0, 3).map((q) => q.name), ['receiveq1', 'transmitq1', 'controlq']);
    assert.equal(r.client.ctrlQueue, 2);
    for (let i = 3; i < 7; i++) assert.equal(numMax(r, i), 0, `queue ${i}`);
    assert.equal(r.m.driver.queues.length, 3);
    assert.equal(await r.client.commandByName('RX', 'PROMISC', [1]), 0);
  });

  test('without CTRL_VQ there is no controlq; a reset restores the offered layout', async () => {
    const r = await netRig({ device: { queuePairs: 2 }, wanted: bit(F.VERSION_1) | netBits('MAC') });
    assert.equal(r.client.ctrlQueue, undefined);
    assert.equal(numMax(r, 2), 0);
    r.m.driver.reset();
    assert.deepEqual(r.dev.queues.map((q) => q.name), ['receiveq1', 'transmitq1', 'receiveq2', 'transmitq2', 'controlq']);
    assert.equal(numMax(r, 4), 64);
  });

  test('the default offer: MQ only with more than one pair', () => {
    assert.equal((defaultNetOffered(1) & netBits('MQ')) !== 0n, false);
    assert.equal((defaultNetOffered(2) & netBits('MQ')) !== 0n, true);
  });

  test('a frame from the wire before DRIVER_OK is dropped and counted', () => {
    const m = createInProcessMachine({ device: (mem, trace) => new NetDevice({ mem, trace, queueSize: 16 }) });
    const dev = m.device as NetDevice;
    dev.port.receive(new Uint8Array(60));
    assert.equal(dev.stats.rxDropped.notReady, 1);
    assert.equal(dev.stats.rxFrames, 0);
  });
});
