import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { connect } from '../../../../../engine/devices/net/ethernet-port';
import { EthernetSwitch, Responder } from '../../../../../engine/devices/net/peers';
import { arpFrame, BROADCAST, ethernet, icmpEchoFrame, Parsed, RecordingPort } from './frames';

const MAC = ['52:54:00:00:00:0a', '52:54:00:00:00:0b', '52:54:00:00:00:0c'];

/** Three hosts on a switch; host i has MAC[i] and sits on port i. */
function threeHosts(options: ConstructorParameters<typeof EthernetSwitch>[0] = {}) {
  const sw = new EthernetSwitch(options);
  const ports = MAC.map(() => sw.newPort());
  const hosts = ports.map((p) => {
    const h = new RecordingPort();
    connect(h, p);
    return h;
  });
  const send = (from: number, dst: string, tag = 0) => hosts[from]!.send(ethernet(dst, MAC[from]!, 0x88b5, [tag], 60));
  const received = () => hosts.map((h) => h.frames.length);
  const clear = () => hosts.forEach((h) => (h.frames.length = 0));
  return { sw, ports, hosts, send, received, clear };
}

test('unknown unicast floods, then learned addresses are forwarded to one port only', () => {
  const { sw, hosts, send, received, clear } = threeHosts();
  send(0, MAC[1]!);
  assert.deepEqual(received(), [0, 1, 1], 'B unknown: flooded to every port but the ingress');
  clear();
  send(1, MAC[0]!);
  assert.deepEqual(received(), [1, 0, 0], 'A learned on port 0: forwarded there only');
  clear();
  send(0, MAC[1]!);
  assert.deepEqual(received(), [0, 1, 0], 'B learned on port 1');
  assert.deepEqual(hosts[1]!.frames[0], ethernet(MAC[1]!, MAC[0]!, 0x88b5, [0], 60), 'frame unchanged');
  assert.deepEqual(sw.macTable().map((e) => [e.mac, e.port]), [[MAC[1], 1], [MAC[0], 0]]);
  assert.equal(sw.stats.flooded, 1);
  assert.equal(sw.stats.forwarded, 2);
});

test('broadcast and multicast always flood, even to learned hosts', () => {
  const { send, received, clear } = threeHosts();
  for (let i = 0; i < 3; i++) send(i, BROADCAST);
  assert.deepEqual(received(), [2, 2, 2]);
  clear();
  send(2, '01:00:5e:00:00:01');
  send(2, '33:33:00:00:00:01');
  assert.deepEqual(received(), [2, 2, 0]);
});

test('no hairpin: a frame for a MAC behind its own ingress port goes nowhere', () => {
  const { sw, hosts, send, received } = threeHosts();
  send(0, BROADCAST); // learn A on port 0
  hosts[0]!.frames.length = 0;
  hosts[1]!.frames.length = 0;
  hosts[2]!.frames.length = 0;
  // another station behind port 0 (say a bridge there) talks to A
  hosts[0]!.send(ethernet(MAC[0]!, '52:54:00:00:00:ff', 0x88b5, [1], 60));
  assert.deepEqual(received(), [0, 0, 0]);
  assert.equal(sw.stats.filtered, 1);
});

test('a station that moves is relearned on its new port', () => {
  const { hosts, send, received, clear } = threeHosts();
  send(0, BROADCAST);
  clear();
  hosts[2]!.send(ethernet(BROADCAST, MAC[0]!, 0x88b5, [2], 60)); // A now speaks from port 2
  clear();
  send(1, MAC[0]!);
  assert.deepEqual(received(), [0, 0, 1]);
});

test('the MAC table is bounded: the least recently seen entry makes room', () => {
  const { sw, send, received, clear } = threeHosts({ maxMacs: 2 });
  send(0, BROADCAST);
  send(1, BROADCAST);
  send(2, BROADCAST); // evicts A
  assert.equal(sw.stats.evicted, 1);
  assert.deepEqual(sw.macTable().map((e) => e.mac), [MAC[1], MAC[2]]);
  clear();
  send(1, MAC[0]!);
  assert.deepEqual(received(), [1, 0, 1], 'A forgotten: flooded');
  clear();
  send(2, MAC[1]!);
  assert.deepEqual(received(), [0, 1, 0], 'B still known (refreshed by its last frame)');
});

test('entries age out', () => {
  let now = 1000;
  const { sw, send, received, clear } = threeHosts({ ageingMs: 500, now: () => now });
  send(0, BROADCAST);
  now += 500;
  clear();
  send(1, MAC[0]!);
  assert.deepEqual(received(), [1, 0, 0], 'still known at exactly the ageing time');
  now += 501;
  clear();
  send(1, MAC[0]!);
  assert.deepEqual(received(), [1, 0, 1], 'aged out: flooded');
  assert.equal(sw.stats.aged, 1);
  assert.equal(sw.macTable().find((e) => e.mac === MAC[0]), undefined);
});

test('runts and multicast source addresses are dropped; a closed port neither sends nor receives', () => {
  const { sw, ports, hosts, send, received, clear } = threeHosts();
  hosts[0]!.send(new Uint8Array(13));
  hosts[0]!.send(ethernet(BROADCAST, '01:00:5e:00:00:01', 0x88b5, [], 60));
  assert.deepEqual(received(), [0, 0, 0]);
  assert.equal(sw.stats.filtered, 2);
  ports[2]!.close();
  assert.equal(sw.portCount, 2);
  send(0, BROADCAST);
  assert.deepEqual(received(), [0, 1, 0], 'flooding skips the closed port');
  clear();
  send(2, BROADCAST);
  assert.deepEqual(received(), [0, 0, 0], 'frames into a closed port go nowhere');
  assert.equal(sw.stats.filtered, 3);
});

test('removing a port forgets what was learned on it', () => {
  const sw = new EthernetSwitch();
  const a = new RecordingPort();
  const b = new RecordingPort();
  const c = new RecordingPort();
  const pa = sw.newPort();
  const pb = sw.newPort();
  const pc = sw.newPort();
  connect(a, pa);
  connect(b, pb);
  connect(c, pc);
  b.send(ethernet(BROADCAST, MAC[1]!, 0x88b5, [], 60));
  pb.close();
  a.send(ethernet(MAC[1]!, MAC[0]!, 0x88b5, [], 60));
  assert.equal(b.frames.length, 0);
  assert.equal(c.frames.length, 2, 'B\'s broadcast, then A\'s frame flooded because B is forgotten');
  assert.ok(!sw.macTable().some((e) => e.mac === MAC[1]));
});

test('delivery matches a reference learning bridge on random traffic (property)', () => {
  const frameArb = fc.record({ from: fc.nat(2), src: fc.nat(4), dst: fc.oneof(fc.nat(4), fc.constant(-1)) });
  fc.assert(
    fc.property(fc.array(frameArb, { maxLength: 60 }), (frames) => {
      const { hosts, clear } = threeHosts();
      const stations = ['02:00:00:00:00:01', '02:00:00:00:00:02', '02:00:00:00:00:03', '02:00:00:00:00:04', '02:00:00:00:00:05'];
      const where = new Map<number, number>();
      for (const f of frames) {
        clear();
        const dst = f.dst < 0 ? BROADCAST : stations[f.dst]!;
        hosts[f.from]!.send(ethernet(dst, stations[f.src]!, 0x88b5, [], 60));
        where.set(f.src, f.from);
        const known = f.dst < 0 ? undefined : where.get(f.dst);
        const expected = [0, 1, 2].map((p) => (p === f.from ? 0 : known === undefined || known === p ? 1 : 0));
        if (known === f.from) expected.fill(0);
        assert.deepEqual(hosts.map((h) => h.frames.length), expected);
      }
    }),
    { numRuns: 200 },
  );
});

test('two hosts and a responder on a switch: ARP and ping reach only the asker', async () => {
  const sw = new EthernetSwitch();
  const a = new RecordingPort();
  const b = new RecordingPort();
  const responder = new Responder({ mac: '02:00:00:00:aa:01' });
  connect(a, sw.newPort());
  connect(b, sw.newPort());
  connect(responder, sw.newPort());
  a.send(arpFrame({ sha: MAC[0], spa: '10.0.0.1', tpa: '10.0.0.50' }));
  assert.equal(b.frames.length, 1, 'B sees the broadcast request');
  await responder.flushed();
  assert.equal(a.frames.length, 1);
  assert.equal(b.frames.length, 1, 'the reply is unicast to A only');
  const gw = new Parsed(a.frames[0]!).macAt(22);
  a.send(icmpEchoFrame({ srcMac: MAC[0], src: '10.0.0.1', dst: '10.0.0.50', dstMac: gw }));
  await responder.flushed();
  assert.equal(a.frames.length, 2);
  assert.equal(new Parsed(a.frames[1]!).u8(34), 0, 'echo reply');
  assert.equal(b.frames.length, 1, 'the responder\'s MAC was learned: the request was not flooded to B');
  // B announced 10.0.0.2 (it answered nothing yet, but sends a gratuitous ARP): the responder steps aside.
  b.send(arpFrame({ sha: MAC[1], spa: '10.0.0.2', tpa: '10.0.0.2' }));
  a.send(arpFrame({ sha: MAC[0], spa: '10.0.0.1', tpa: '10.0.0.2' }));
  await responder.flushed();
  assert.equal(a.frames.length, 3, 'only B\'s gratuitous ARP reached A, no answer from the responder');
  assert.equal(new Parsed(a.frames[2]!).macAt(6), MAC[1]);
});
