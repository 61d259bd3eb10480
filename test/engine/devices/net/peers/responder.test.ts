import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { connect } from '../../../../../engine/devices/net/ethernet-port';
import { decodePacket, firstError, layerValues } from '../../../../../engine/decode';
import { DEFAULT_RESPONDER_MAC, Responder } from '../../../../../engine/devices/net/peers';
import { KnownHosts } from '../../../../../engine/devices/net/peers/known-hosts';
import { echoReplyFrame } from '../../../../../engine/devices/net/peers/responder';
import { ETH_MIN_FRAME } from '../../../../../engine/wire/ethernet';
import { icmpEchoReplyMessage } from '../../../../../engine/wire/icmp';
import { IPPROTO_ICMP, ipv4Frame } from '../../../../../engine/wire/ipv4';
import {
  arpFrame, BROADCAST, checksum, GUEST_MAC, icmpEchoFrame, icmpv6Frame, ip6, neighborSolicitation, nextTurn,
  onesComplementSum, Parsed, RecordingPort,
} from './frames';

const R_MAC = '02:00:00:00:aa:01';

function rig(options: ConstructorParameters<typeof Responder>[0] = { mac: R_MAC }) {
  const responder = new Responder(options);
  const guest = new RecordingPort();
  connect(guest, responder);
  return { responder, guest };
}

describe('ARP', () => {
  test('answers who-has for another address, on a later turn, with a well-formed reply', async () => {
    const { responder, guest } = rig();
    guest.send(arpFrame({ spa: '10.0.0.1', tpa: '10.0.0.2' }));
    assert.equal(guest.frames.length, 0, 'the reply must not come from inside receive()');
    await responder.flushed();
    assert.equal(guest.frames.length, 1);
    const r = new Parsed(guest.frames[0]!);
    assert.equal(r.f.length, 60, 'padded to the Ethernet minimum');
    assert.equal(r.macAt(0), GUEST_MAC);
    assert.equal(r.macAt(6), R_MAC);
    assert.equal(r.u16(12), 0x0806);
    assert.deepEqual([r.u16(14), r.u16(16), r.u8(18), r.u8(19), r.u16(20)], [1, 0x0800, 6, 4, 2]);
    assert.equal(r.macAt(22), R_MAC, 'sender hardware address');
    assert.equal(r.ip4At(28), '10.0.0.2', 'sender protocol address = the address asked for');
    assert.equal(r.macAt(32), GUEST_MAC, 'target hardware address');
    assert.equal(r.ip4At(38), '10.0.0.1', 'target protocol address = the asker');
    assert.deepEqual(r.bytes(42, 18), new Array(18).fill(0), 'zero padding');
    assert.equal(responder.stats.arpRequests, 1);
    assert.equal(responder.stats.arpReplies, 1);
    assert.equal(responder.stats.requestsSeen, 1);
    assert.equal(responder.stats.repliesSent, 1);
  });

  test('answers for any address but the sender\'s own (property)', async () => {
    const addr = fc.tuple(fc.integer({ min: 1, max: 223 }).filter((a) => a !== 127), fc.nat(255), fc.nat(255), fc.nat(255)).map((a) => a.join('.'));
    await fc.assert(
      fc.asyncProperty(addr, addr, async (spa, tpa) => {
        const { responder, guest } = rig();
        guest.send(arpFrame({ spa, tpa }));
        await responder.flushed();
        if (spa === tpa) {
          assert.equal(guest.frames.length, 0);
          assert.equal(responder.stats.notAnswered, 1);
        } else {
          assert.equal(guest.frames.length, 1);
          const r = new Parsed(guest.frames[0]!);
          assert.equal(r.ip4At(28), tpa);
          assert.equal(r.ip4At(38), spa);
        }
      }),
      { numRuns: 200 },
    );
  });

  test('gratuitous ARP, probes, replies and requests to another MAC get no answer', async () => {
    const { responder, guest } = rig();
    guest.send(arpFrame({ spa: '10.0.0.1', tpa: '10.0.0.1' })); // gratuitous
    guest.send(arpFrame({ spa: '0.0.0.0', tpa: '10.0.0.1' })); // RFC 5227 probe
    guest.send(arpFrame({ oper: 2, spa: '10.0.0.1', tpa: '10.0.0.9' })); // a reply
    guest.send(arpFrame({ spa: '10.0.0.1', tpa: '10.0.0.9', dst: '52:54:00:99:99:99' })); // unicast elsewhere
    await responder.flushed();
    await nextTurn();
    assert.equal(guest.frames.length, 0);
    assert.equal(responder.stats.arpRequests, 2);
    assert.equal(responder.stats.notAnswered, 2);
    assert.equal(responder.stats.ignored, 2);
    assert.equal(responder.stats.repliesSent, 0);
  });

  test('a unicast request to the responder\'s MAC is answered (Linux re-validates neighbours that way)', async () => {
    const { responder, guest } = rig();
    guest.send(arpFrame({ spa: '10.0.0.1', tpa: '10.0.0.9', dst: R_MAC }));
    await responder.flushed();
    assert.equal(guest.frames.length, 1);
  });

  test('steps aside for an address another host has claimed', async () => {
    const { responder, guest } = rig();
    const other = '52:54:00:00:00:02';
    guest.send(arpFrame({ sha: other, spa: '10.0.0.5', tpa: '10.0.0.5' })); // the other host announces itself
    guest.send(arpFrame({ spa: '10.0.0.1', tpa: '10.0.0.5' }));
    guest.send(arpFrame({ spa: '10.0.0.1', tpa: '10.0.0.6' }));
    await responder.flushed();
    assert.equal(guest.frames.length, 1);
    assert.equal(new Parsed(guest.frames[0]!).ip4At(28), '10.0.0.6');
  });

  test('a claimed address is answered again once it has aged out', async () => {
    let now = 0;
    const { responder, guest } = rig({ mac: R_MAC, knownHostAgeingMs: 1000, now: () => now });
    guest.send(arpFrame({ sha: '52:54:00:00:00:02', spa: '10.0.0.5', tpa: '10.0.0.5' }));
    guest.send(arpFrame({ spa: '10.0.0.1', tpa: '10.0.0.5' }));
    now = 1001;
    guest.send(arpFrame({ spa: '10.0.0.1', tpa: '10.0.0.5' }));
    await responder.flushed();
    assert.equal(guest.frames.length, 1);
  });
});

describe('ICMP echo', () => {
  const data = Array.from({ length: 56 }, (_, i) => (i * 7 + 3) & 0xff);

  test('replies with swapped addresses, TTL 64, same id/seq/data and correct checksums', async () => {
    const { responder, guest } = rig();
    guest.send(icmpEchoFrame({ src: '10.0.0.1', dst: '10.0.0.77', dstMac: R_MAC, id: 0xbeef, seq: 42, data, ttl: 3 }));
    assert.equal(guest.frames.length, 0);
    await responder.flushed();
    assert.equal(guest.frames.length, 1);
    const r = new Parsed(guest.frames[0]!);
    assert.equal(r.f.length, 14 + 20 + 8 + 56);
    assert.equal(r.macAt(0), GUEST_MAC);
    assert.equal(r.macAt(6), R_MAC);
    assert.equal(r.u16(12), 0x0800);
    assert.equal(r.u8(14), 0x45);
    assert.equal(r.u16(16), 20 + 8 + 56, 'IP total length');
    assert.equal(r.u8(22), 64, 'TTL');
    assert.equal(r.u8(23), 1, 'protocol ICMP');
    assert.equal(r.u16(20) & 0x3fff, 0, 'not fragmented');
    assert.equal(r.ip4At(26), '10.0.0.77');
    assert.equal(r.ip4At(30), '10.0.0.1');
    assert.equal(onesComplementSum(r.bytes(14, 20)), 0xffff, 'IP header checksum');
    assert.deepEqual([r.u8(34), r.u8(35)], [0, 0], 'echo reply');
    assert.equal(r.u16(38), 0xbeef);
    assert.equal(r.u16(40), 42);
    assert.deepEqual(r.bytes(42, 56), data);
    assert.equal(onesComplementSum(r.bytes(34, 64)), 0xffff, 'ICMP checksum');
    assert.equal(responder.stats.icmpEchoRequests, 1);
    assert.equal(responder.stats.icmpEchoReplies, 1);
  });

  test('Ethernet padding after a short request is not echoed back', async () => {
    const { responder, guest } = rig();
    guest.send(icmpEchoFrame({ src: '10.0.0.1', dst: '10.0.0.2', dstMac: R_MAC, data: [1, 2, 3], padTo: 60 }));
    await responder.flushed();
    const r = new Parsed(guest.frames[0]!);
    assert.equal(r.u16(16), 20 + 8 + 3);
    assert.deepEqual(r.bytes(42, 3), [1, 2, 3]);
    assert.equal(onesComplementSum(r.bytes(34, 11)), 0xffff);
  });

  test('answers any destination address (property), never the sender\'s own', async () => {
    const addr = fc.tuple(fc.integer({ min: 1, max: 223 }).filter((a) => a !== 127), fc.nat(255), fc.nat(255), fc.nat(255)).map((a) => a.join('.'));
    await fc.assert(
      fc.asyncProperty(addr, addr, fc.array(fc.nat(255), { maxLength: 1400 }), fc.nat(0xffff), async (src, dst, payload, seq) => {
        const { responder, guest } = rig();
        guest.send(icmpEchoFrame({ src, dst, dstMac: R_MAC, data: payload, seq }));
        await responder.flushed();
        if (src === dst) {
          assert.equal(guest.frames.length, 0);
          return;
        }
        const r = new Parsed(guest.frames[0]!);
        assert.equal(r.ip4At(26), dst);
        assert.equal(r.ip4At(30), src);
        assert.equal(r.u16(40), seq);
        assert.deepEqual(r.bytes(42, payload.length), payload);
        assert.equal(onesComplementSum(r.bytes(14, 20)), 0xffff);
        assert.equal(onesComplementSum(r.bytes(34, 8 + payload.length)), 0xffff);
      }),
      { numRuns: 150 },
    );
  });

  test('the reply built in place is, byte for byte, the one ipv4Frame and icmpEchoReplyMessage build (property)', () => {
    const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
    fc.assert(
      fc.property(bytes(6, 6), bytes(6, 6), bytes(4, 4), bytes(4, 4), fc.nat(0x2ffff), fc.nat(255), bytes(8, 1500), (srcMac, dstMac, src, dst, id, tos, icmp) => {
        const built = echoReplyFrame(srcMac, dstMac, src, dst, id, tos, icmp);
        const reference = ipv4Frame({ srcMac, dstMac, src, dst, protocol: IPPROTO_ICMP, id, tos }, icmpEchoReplyMessage(icmp), ETH_MIN_FRAME);
        assert.deepEqual(built, reference);
      }),
      { numRuns: 500 },
    );
  });

  test('no reply to its own address, another MAC, a bad checksum, or a non-echo message', async () => {
    const { responder, guest } = rig();
    guest.send(icmpEchoFrame({ src: '10.0.0.1', dst: '10.0.0.1', dstMac: R_MAC }));
    guest.send(icmpEchoFrame({ src: '10.0.0.1', dst: '10.0.0.2', dstMac: '52:54:00:99:99:99' }));
    guest.send(icmpEchoFrame({ src: '10.0.0.1', dst: '10.0.0.2', dstMac: R_MAC, corruptIcmp: true }));
    guest.send(icmpEchoFrame({ src: '10.0.0.1', dst: '10.0.0.2', dstMac: R_MAC, type: 0 }));
    await responder.flushed();
    await nextTurn();
    assert.equal(guest.frames.length, 0);
    assert.equal(responder.stats.notAnswered, 1);
    assert.equal(responder.stats.malformed, 1);
    assert.equal(responder.stats.ignored, 2);
  });
});

describe('IPv6', () => {
  const guestIp = 'fe80::5054:ff:fe12:3456';

  test('answers a neighbour solicitation with a solicited advertisement carrying its MAC', async () => {
    const { responder, guest } = rig();
    guest.send(neighborSolicitation(guestIp, 'fd00::99'));
    await responder.flushed();
    assert.equal(guest.frames.length, 1);
    const r = new Parsed(guest.frames[0]!);
    assert.equal(r.macAt(0), GUEST_MAC);
    assert.equal(r.u16(12), 0x86dd);
    assert.equal(r.u8(20), 58);
    assert.equal(r.u8(21), 255, 'hop limit 255 (RFC 4861 §7.1.2)');
    assert.deepEqual(r.bytes(22, 16), ip6('fd00::99'));
    assert.deepEqual(r.bytes(38, 16), ip6(guestIp));
    const len = r.u16(18);
    assert.equal(len, 32);
    assert.equal(r.u8(54), 136);
    assert.equal(r.u8(58) & 0xe0, 0x60, 'solicited and override, not router');
    assert.deepEqual(r.bytes(62, 16), ip6('fd00::99'));
    assert.deepEqual(r.bytes(78, 2), [2, 1], 'target link-layer address option');
    assert.equal(r.macAt(80), R_MAC);
    const pseudo = [...r.bytes(22, 32), 0, 0, 0, len, 0, 0, 0, 58, ...r.bytes(54, len)];
    assert.equal(checksum(pseudo), 0, 'ICMPv6 checksum');
    assert.equal(responder.stats.neighborAdvertisements, 1);
  });

  test('duplicate address detection and a solicitation for the sender\'s own address get no answer', async () => {
    const { responder, guest } = rig();
    guest.send(neighborSolicitation('::', guestIp));
    guest.send(neighborSolicitation(guestIp, guestIp));
    await responder.flushed();
    await nextTurn();
    assert.equal(guest.frames.length, 0);
    assert.equal(responder.stats.notAnswered, 2);
  });

  test('answers an ICMPv6 echo request', async () => {
    const { responder, guest } = rig();
    const message = [128, 0, 0, 0, 0x12, 0x34, 0, 9, 0xde, 0xad, 0xbe, 0xef];
    guest.send(icmpv6Frame(R_MAC, guestIp, 'fe80::1', 64, message));
    await responder.flushed();
    const r = new Parsed(guest.frames[0]!);
    assert.equal(r.u8(21), 64);
    assert.deepEqual(r.bytes(22, 16), ip6('fe80::1'));
    assert.deepEqual(r.bytes(38, 16), ip6(guestIp));
    assert.deepEqual(r.bytes(54, 12), [129, 0, r.u8(56), r.u8(57), 0x12, 0x34, 0, 9, 0xde, 0xad, 0xbe, 0xef]);
    const pseudo = [...r.bytes(22, 32), 0, 0, 0, 12, 0, 0, 0, 58, ...r.bytes(54, 12)];
    assert.equal(checksum(pseudo), 0);
  });

  test('ipv6: false leaves IPv6 alone', async () => {
    const { responder, guest } = rig({ mac: R_MAC, ipv6: false });
    guest.send(neighborSolicitation(guestIp, 'fd00::99'));
    await responder.flushed();
    assert.equal(guest.frames.length, 0);
    assert.equal(responder.stats.ignored, 1);
  });
});

describe('robustness and options', () => {
  test('garbage and mutated requests never throw; every reply is a frame for the sender', async () => {
    const valid = [
      arpFrame({ spa: '10.0.0.1', tpa: '10.0.0.2' }),
      icmpEchoFrame({ src: '10.0.0.1', dst: '10.0.0.2', dstMac: R_MAC, data: [1, 2, 3, 4] }),
      neighborSolicitation('fe80::1', 'fe80::2'),
      icmpv6Frame(R_MAC, 'fe80::1', 'fe80::2', 64, [128, 0, 0, 0, 0, 1, 0, 1]),
    ];
    const mutated = fc
      .tuple(fc.constantFrom(...valid), fc.array(fc.tuple(fc.nat(200), fc.nat(255)), { maxLength: 6 }), fc.nat(120))
      .map(([f, edits, cut]) => {
        const copy = Uint8Array.from(f);
        for (const [at, value] of edits) if (at < copy.length) copy[at] = value;
        return copy.subarray(0, Math.min(copy.length, cut));
      });
    const random = fc.uint8Array({ maxLength: 200 });
    let replies = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(mutated, random), { maxLength: 20 }), async (frames) => {
        const { responder, guest } = rig();
        for (const f of frames) assert.doesNotThrow(() => responder.receive(f));
        await responder.flushed();
        replies += guest.frames.length;
        for (const reply of guest.frames) {
          assert.ok(reply.length >= 60 && new Parsed(reply).macAt(6) === R_MAC);
          // The decoders' view of every reply: complete, with correct checksums wherever there are any.
          const layers = decodePacket(reply);
          assert.equal(firstError(layers), undefined);
          const values = layerValues(layers);
          assert.notEqual(values['pkt.ip.checksum_ok'], false);
          assert.notEqual(values['pkt.icmp.checksum_ok'], false);
          assert.ok(values['pkt.arp.op'] === 'reply' || values['pkt.icmp.checksum_ok'] === true, 'an ARP reply or an ICMP message');
        }
        const s = responder.stats;
        assert.equal(s.framesReceived, frames.length);
        assert.ok(s.repliesSent <= s.requestsSeen);
      }),
      { numRuns: 300 },
    );
    assert.ok(replies > 100, `the mutations left enough valid requests to check replies (${replies})`);
  });

  test('default MAC is locally administered unicast; a bad or multicast MAC is refused', () => {
    const first = parseInt(DEFAULT_RESPONDER_MAC.slice(0, 2), 16);
    assert.equal(first & 3, 2);
    assert.equal(new Responder().mac, DEFAULT_RESPONDER_MAC);
    assert.equal(new Responder({ mac: Uint8Array.of(2, 0, 0, 0, 0, 9) }).mac, '02:00:00:00:00:09');
    assert.throws(() => new Responder({ mac: '02:00:00:00:00' }), /bad MAC address/);
    assert.throws(() => new Responder({ mac: '01:00:5e:00:00:01' }), /multicast/);
  });

  test('the pending queue is bounded and close() drops what is queued', async () => {
    const { responder, guest } = rig({ mac: R_MAC, maxPendingReplies: 3 });
    for (let i = 0; i < 5; i++) guest.send(arpFrame({ spa: '10.0.0.1', tpa: `10.0.0.${10 + i}` }));
    await responder.flushed();
    assert.equal(guest.frames.length, 3);
    assert.equal(responder.stats.dropped, 2);
    guest.send(arpFrame({ spa: '10.0.0.1', tpa: '10.0.0.20' }));
    responder.close();
    await nextTurn();
    assert.equal(guest.frames.length, 3);
    assert.equal(responder.stats.dropped, 3);
  });

  test('replies sent to a frame captured later are not affected by the asker reusing its buffer', async () => {
    const { responder, guest } = rig();
    const req = icmpEchoFrame({ src: '10.0.0.1', dst: '10.0.0.2', dstMac: R_MAC, data: [9, 9, 9, 9] });
    guest.send(req);
    req.fill(0);
    await responder.flushed();
    assert.deepEqual(new Parsed(guest.frames[0]!).bytes(42, 4), [9, 9, 9, 9]);
  });

  test('broadcast ICMP is not answered (only requests sent to its MAC)', async () => {
    const { responder, guest } = rig();
    guest.send(icmpEchoFrame({ src: '10.0.0.1', dst: '10.0.0.255', dstMac: BROADCAST }));
    await responder.flushed();
    assert.equal(guest.frames.length, 0);
  });
});

describe('KnownHosts', () => {
  test('noting the same host again within a clock tick changes nothing; another MAC or a later tick does', () => {
    let now = 1000;
    const hosts = new KnownHosts(2, 50, () => now);
    const ip = Uint8Array.of(10, 0, 0, 1);
    const a = Uint8Array.of(2, 0, 0, 0, 0, 0xa);
    const b = Uint8Array.of(2, 0, 0, 0, 0, 0xb);
    hosts.note(ip, a);
    hosts.note(ip, a);
    assert.equal(hosts.ownedByAnother(ip, b), true);
    hosts.note(ip, b); // same tick, another owner
    assert.deepEqual([hosts.ownedByAnother(ip, a), hosts.ownedByAnother(ip, b)], [true, false]);
    now += 40;
    hosts.note(ip, b); // refreshed at 1040: still owned at 1080
    now += 40;
    assert.equal(hosts.ownedByAnother(ip, a), true);
    now += 11;
    assert.equal(hosts.ownedByAnother(ip, a), false, 'aged out 51 ms after the last note');
    hosts.note(ip, b);
    assert.equal(hosts.size, 1, 'noted again after ageing out');
  });
});
