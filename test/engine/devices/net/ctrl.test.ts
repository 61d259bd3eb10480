import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { udpFrame, vlanTag } from '../../../../engine/wire';
import { BROADCAST, DEVICE_MAC, LAYOUTS, type NetRig, frameTo, netRig, settle } from './harness';

const OTHER = Uint8Array.of(0x02, 0, 0, 0, 0, 0x77);
const MULTI = Uint8Array.of(0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb);
const MULTI2 = Uint8Array.of(0x33, 0x33, 0x00, 0x00, 0x00, 0x01);

/** True when a frame injected from the wire reaches the driver. */
async function accepts(r: NetRig, frame: Uint8Array): Promise<boolean> {
  const before = r.client.receivedCount;
  r.port.inject(frame);
  await settle(4);
  return r.client.receivedCount > before;
}

const le32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24];
const macTable = (uni: Uint8Array[], multi: Uint8Array[]) => [...le32(uni.length), ...uni.flatMap((m) => [...m]), ...le32(multi.length), ...multi.flatMap((m) => [...m])];

describe('RX modes (§5.1.6.5.1): ack codes and their effect on filtering', () => {
  for (const layout of LAYOUTS) {
    test(`${layout}: with CTRL_RX the device starts filtering: own MAC and broadcast pass, others do not`, async () => {
      const r = await netRig({ layout });
      assert.equal(await accepts(r, frameTo(DEVICE_MAC, 80)), true);
      assert.equal(await accepts(r, frameTo(BROADCAST, 80)), true);
      assert.equal(await accepts(r, frameTo(OTHER, 80)), false);
      assert.equal(await accepts(r, frameTo(MULTI, 80)), false);
      assert.equal(r.dev.stats.rxDropped.filtered, 2);
    });
  }

  test('without CTRL_RX the driver cannot filter: own MAC, broadcast and all multicast pass', async () => {
    const r = await netRig({ without: ['CTRL_RX', 'CTRL_RX_EXTRA'] });
    assert.equal(await accepts(r, frameTo(MULTI, 80)), true);
    assert.equal(await accepts(r, frameTo(OTHER, 80)), false);
  });

  test('PROMISC on accepts everything, off restores filtering', async () => {
    const r = await netRig();
    assert.equal(await r.client.commandByName('RX', 'PROMISC', [1]), 0);
    assert.equal(await accepts(r, frameTo(OTHER, 80)), true);
    assert.equal(await accepts(r, frameTo(MULTI, 80)), true);
    assert.equal(await r.client.commandByName('RX', 'PROMISC', [0]), 0);
    assert.equal(await accepts(r, frameTo(OTHER, 80)), false);
  });

  test('ALLMULTI accepts every multicast address', async () => {
    const r = await netRig();
    assert.equal(await r.client.commandByName('RX', 'ALLMULTI', [1]), 0);
    assert.equal(await accepts(r, frameTo(MULTI, 80)), true);
    assert.equal(await accepts(r, frameTo(MULTI2, 80)), true);
    assert.equal(await accepts(r, frameTo(OTHER, 80)), false);
  });

  test('ALLUNI accepts every unicast address', async () => {
    const r = await netRig();
    assert.equal(await r.client.commandByName('RX', 'ALLUNI', [1]), 0);
    assert.equal(await accepts(r, frameTo(OTHER, 80)), true);
  });

  test('NOMULTI suppresses multicast even with ALLMULTI, but not broadcast', async () => {
    const r = await netRig();
    await r.client.commandByName('RX', 'ALLMULTI', [1]);
    assert.equal(await r.client.commandByName('RX', 'NOMULTI', [1]), 0);
    assert.equal(await accepts(r, frameTo(MULTI, 80)), false);
    assert.equal(await accepts(r, frameTo(BROADCAST, 80)), true);
  });

  test('NOUNI suppresses unicast, even to the device MAC and with ALLUNI', async () => {
    const r = await netRig();
    await r.client.commandByName('RX', 'ALLUNI', [1]);
    assert.equal(await r.client.commandByName('RX', 'NOUNI', [1]), 0);
    assert.equal(await accepts(r, frameTo(DEVICE_MAC, 80)), false);
    assert.equal(await accepts(r, frameTo(OTHER, 80)), false);
    assert.equal(await accepts(r, frameTo(BROADCAST, 80)), true);
  });

  test('NOBCAST suppresses broadcast', async () => {
    const r = await netRig();
    assert.equal(await r.client.commandByName('RX', 'NOBCAST', [1]), 0);
    assert.equal(await accepts(r, frameTo(BROADCAST, 80)), false);
    assert.equal(await accepts(r, frameTo(DEVICE_MAC, 80)), true);
  });

  test('an RX mode with a 2-byte argument is net-ctrl-malformed, answered ERR and not applied', async () => {
    const r = await netRig();
    assert.equal(await r.client.commandByName('RX', 'PROMISC', [1, 0]), 1);
    assert.deepEqual(r.rules(), ['net-ctrl-malformed']);
    assert.equal(r.dev.filter.modes.promisc, false);
  });
});

describe('MAC filtering (§5.1.6.5.2)', () => {
  test('MAC_TABLE_SET: listed unicast and multicast addresses pass; an empty table removes them', async () => {
    const r = await netRig();
    assert.equal(await r.client.commandByName('MAC', 'TABLE_SET', macTable([OTHER], [MULTI])), 0);
    assert.equal(await accepts(r, frameTo(OTHER, 80)), true);
    assert.equal(await accepts(r, frameTo(MULTI, 80)), true);
    assert.equal(await accepts(r, frameTo(MULTI2, 80)), false);
    assert.equal(await accepts(r, frameTo(DEVICE_MAC, 80)), true, 'the default MAC still passes');
    assert.equal(await r.client.commandByName('MAC', 'TABLE_SET', macTable([], [])), 0);
    assert.equal(await accepts(r, frameTo(OTHER, 80)), false);
    assert.equal(await accepts(r, frameTo(MULTI, 80)), false);
    assert.deepEqual(r.rules(), []);
  });

  test('more than 64 multicast entries switch to accepting all multicast', async () => {
    const r = await netRig();
    const many = Array.from({ length: 65 }, (_, i) => Uint8Array.of(0x01, 0x00, 0x5e, 0x01, 0x00, i));
    assert.equal(await r.client.commandByName('MAC', 'TABLE_SET', macTable([], many)), 0);
    assert.equal(await accepts(r, frameTo(MULTI2, 80)), true);
  });

  test('MAC_TABLE_SET whose counts do not match the data, or with a multicast unicast entry, is malformed', async () => {
    const r = await netRig();
    const bad = macTable([OTHER], [MULTI]);
    bad[0] = 3;
    assert.equal(await r.client.commandByName('MAC', 'TABLE_SET', bad), 1);
    assert.equal(await r.client.commandByName('MAC', 'TABLE_SET', macTable([MULTI], [])), 1);
    assert.equal(await r.client.commandByName('MAC', 'TABLE_SET', [...macTable([], []), 0]), 1);
    assert.deepEqual(r.rules(), ['net-ctrl-malformed', 'net-ctrl-malformed', 'net-ctrl-malformed']);
    assert.equal(await accepts(r, frameTo(OTHER, 80)), false);
  });

  test('MAC_ADDR_SET changes the filter and the mac config field (MAC negotiated); a reset restores it', async () => {
    const r = await netRig();
    const gen = r.dev.config.generation;
    assert.equal(await r.client.commandByName('MAC', 'ADDR_SET', [...OTHER]), 0);
    assert.deepEqual([...r.client.mac], [...OTHER]);
    assert.ok(r.dev.config.generation > gen);
    assert.equal(await accepts(r, frameTo(OTHER, 80)), true);
    assert.equal(await accepts(r, frameTo(DEVICE_MAC, 80)), false);
    r.m.driver.reset();
    assert.equal(r.dev.mac, '52:54:00:12:34:56');
  });

  test('MAC_ADDR_SET without MAC negotiated changes the filter only', async () => {
    const r = await netRig({ without: ['MAC'] });
    assert.equal(await r.client.commandByName('MAC', 'ADDR_SET', [...OTHER]), 0);
    assert.equal(r.dev.config.get('mac'), 0x563412005452n);
    assert.equal(await accepts(r, frameTo(OTHER, 80)), true);
  });

  test('MAC_ADDR_SET of a multicast address or with 5 bytes is malformed', async () => {
    const r = await netRig();
    assert.equal(await r.client.commandByName('MAC', 'ADDR_SET', [...MULTI]), 1);
    assert.equal(await r.client.commandByName('MAC', 'ADDR_SET', [2, 0, 0, 0, 0]), 1);
    assert.deepEqual(r.rules(), ['net-ctrl-malformed', 'net-ctrl-malformed']);
  });
});

describe('VLAN filtering (§5.1.6.5.3)', () => {
  for (const layout of LAYOUTS) {
    test(`${layout}: with CTRL_VLAN only tagged frames of added VLANs pass; DEL removes`, async () => {
      const r = await netRig({ layout });
      const tagged = (vid: number) => vlanTag(frameTo(DEVICE_MAC, 80), vid);
      assert.equal(await accepts(r, tagged(100)), false);
      assert.equal(await accepts(r, frameTo(DEVICE_MAC, 80)), true, 'untagged frames are not VLAN-filtered');
      assert.equal(await r.client.commandByName('VLAN', 'ADD', [100, 0]), 0);
      assert.equal(await accepts(r, tagged(100)), true);
      assert.equal(await accepts(r, tagged(200)), false);
      assert.equal(await r.client.commandByName('VLAN', 'DEL', [100, 0]), 0);
      assert.equal(await accepts(r, tagged(100)), false);
      assert.deepEqual([...r.dev.filter.vlans], []);
      assert.deepEqual(r.rules(), []);
    });
  }

  test('without CTRL_VLAN every tagged frame passes (MUST)', async () => {
    const r = await netRig({ without: ['CTRL_VLAN'] });
    assert.equal(await accepts(r, vlanTag(frameTo(DEVICE_MAC, 80), 300)), true);
  });

  test('VLAN id 4096 is malformed', async () => {
    const r = await netRig();
    assert.equal(await r.client.commandByName('VLAN', 'ADD', [0x00, 0x10]), 1);
    assert.deepEqual(r.rules(), ['net-ctrl-malformed']);
  });
});

describe('GUEST_OFFLOADS_SET (§5.1.6.5.8)', () => {
  const le64 = (v: bigint) => Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
  const udp = () =>
    udpFrame({ srcMac: OTHER, dstMac: DEVICE_MAC, src: Uint8Array.of(10, 0, 2, 2), dst: Uint8Array.of(10, 0, 2, 15) }, 53, 4000, new Uint8Array(40).fill(7)).frame;

  test('after DRIVER_OK every negotiated guest offload is on: DATA_VALID is set on a verified UDP frame', async () => {
    const r = await netRig();
    assert.ok(r.dev.guestOffloads & 2n);
    assert.equal(await accepts(r, udp()), true);
    assert.equal(r.client.received.at(-1)!.flags & 2, 2);
  });

  test('turning GUEST_CSUM off stops DATA_VALID; the value is what the driver set', async () => {
    const r = await netRig();
    assert.equal(await r.client.commandByName('GUEST_OFFLOADS', 'SET', le64(1n << 7n)), 0);
    assert.equal(r.dev.guestOffloads, 1n << 7n);
    assert.equal(await accepts(r, udp()), true);
    assert.equal(r.client.received.at(-1)!.flags, 0);
  });

  test('a frame with a wrong UDP checksum never gets DATA_VALID', async () => {
    const r = await netRig();
    const f = udp();
    f[40] ^= 0xff;
    assert.equal(await accepts(r, f), true);
    assert.equal(r.client.received.at(-1)!.flags, 0);
  });

  test('enabling an offload that was not negotiated is refused with the rule', async () => {
    const r = await netRig({ without: ['GUEST_TSO6'] });
    assert.equal(await r.client.commandByName('GUEST_OFFLOADS', 'SET', le64((1n << 1n) | (1n << 8n))), 1);
    const v = r.violations();
    assert.deepEqual(v.map((x) => x.rule), ['net-ctrl-offloads-not-negotiated']);
    assert.match(v[0]!.message, /GUEST_TSO6/);
  });
});

describe('commands whose feature was not negotiated, unknown commands', () => {
  const cases: [string, string, number[], Parameters<typeof netRig>[0]][] = [
    ['RX', 'PROMISC', [1], { without: ['CTRL_RX'] }],
    ['RX', 'ALLMULTI', [1], { without: ['CTRL_RX'] }],
    ['RX', 'ALLUNI', [1], { without: ['CTRL_RX_EXTRA'] }],
    ['RX', 'NOMULTI', [1], { without: ['CTRL_RX_EXTRA'] }],
    ['RX', 'NOUNI', [1], { without: ['CTRL_RX_EXTRA'] }],
    ['RX', 'NOBCAST', [1], { without: ['CTRL_RX_EXTRA'] }],
    ['MAC', 'TABLE_SET', [0, 0, 0, 0, 0, 0, 0, 0], { without: ['CTRL_RX'] }],
    ['MAC', 'ADDR_SET', [2, 0, 0, 0, 0, 1], { without: ['CTRL_MAC_ADDR'] }],
    ['VLAN', 'ADD', [1, 0], { without: ['CTRL_VLAN'] }],
    ['VLAN', 'DEL', [1, 0], { without: ['CTRL_VLAN'] }],
    ['ANNOUNCE', 'ACK', [], { without: ['GUEST_ANNOUNCE'] }],
    ['MQ', 'VQ_PAIRS_SET', [1, 0], { device: { queuePairs: 2 }, without: ['MQ'] }],
    ['GUEST_OFFLOADS', 'SET', [0, 0, 0, 0, 0, 0, 0, 0], { without: ['CTRL_GUEST_OFFLOADS'] }],
    ['NOTF_COAL', 'TX_SET', [0, 0, 0, 0, 0, 0, 0, 0], {}],
    ['STATS', 'QUERY', [], {}],
  ];
  for (const [cls, cmd, data, opts] of cases) {
    test(`${cls} ${cmd} without its feature: ERR and net-ctrl-not-negotiated`, async () => {
      const r = await netRig(opts);
      assert.equal(await r.client.commandByName(cls, cmd, data), 1);
      assert.deepEqual(r.rules(), ['net-ctrl-not-negotiated']);
      assert.equal(r.dev.stats.ctrlErrors, 1);
    });
  }

  test('an undefined class is ERR and net-ctrl-unknown; an undefined command of a known class too', async () => {
    const r = await netRig();
    assert.equal(await r.client.command(0x40, 0), 1);
    assert.equal(await r.client.command(0, 9, Uint8Array.of(1)), 1);
    assert.deepEqual(r.rules(), ['net-ctrl-unknown', 'net-ctrl-unknown']);
  });

  test('every command is traced with its decoded summary and outcome', async () => {
    const r = await netRig();
    await r.client.commandByName('VLAN', 'ADD', [5, 0]);
    const chain = r.events.find((e) => e.type === 'chain' && e.queueName === 'controlq');
    assert.ok(chain && chain.type === 'chain');
    assert.equal(chain.summary, 'ctrl VLAN ADD 5');
    assert.ok(r.events.some((e) => e.type === 'note' && e.message === 'controlq: VLAN ADD → OK (vlan 5 added)'));
  });
});
