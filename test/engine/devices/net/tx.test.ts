import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { onesComplementSum, pseudoHeaderSumV4, pseudoHeaderSumV6, verifyIpv4HeaderChecksum } from '../../../../engine/wire';
import { completeChecksum, segment } from '../../../../engine/devices/net/gso';
import { ethernetFrame, tcpFrame, udpFrame } from '../../../../engine/wire';
import { BROADCAST, DEVICE_MAC, LAYOUTS, netRig, settle } from './harness';

const PEER = Uint8Array.of(0x02, 0, 0, 0, 0, 0x22);
const v4 = { srcMac: DEVICE_MAC, dstMac: PEER, src: Uint8Array.of(10, 0, 2, 15), dst: Uint8Array.of(10, 0, 2, 2) };
const SRC6 = Uint8Array.from({ length: 16 }, (_, i) => (i === 0 ? 0xfd : i === 15 ? 1 : 0));
const DST6 = Uint8Array.from({ length: 16 }, (_, i) => (i === 0 ? 0xfd : i === 15 ? 2 : 0));
const payload = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 13 + seed) & 0xff);

/** IPv6 + TCP (proto 6) or UDP (17) with the checksum field holding the pseudo-header sum (partial). */
function ipv6Partial(proto: 6 | 17, data: Uint8Array): Uint8Array {
  const l4len = (proto === 6 ? 20 : 8) + data.length;
  const l4 = new Uint8Array(l4len);
  l4.set([0x30, 0x39, 0x00, 0x50]);
  if (proto === 6) {
    l4.set([0, 0, 0x10, 0], 4);
    l4[12] = 5 << 4;
    l4[13] = 0x18;
    l4.set(data, 20);
  } else {
    l4[4] = l4len >> 8;
    l4[5] = l4len & 0xff;
    l4.set(data, 8);
  }
  const seed = pseudoHeaderSumV6(SRC6, DST6, proto, l4len);
  const at = proto === 6 ? 16 : 6;
  l4[at] = seed >> 8;
  l4[at + 1] = seed & 0xff;
  const ip = new Uint8Array(40 + l4len);
  ip[0] = 0x60;
  ip[4] = l4len >> 8;
  ip[5] = l4len & 0xff;
  ip[6] = proto;
  ip[7] = 64;
  ip.set(SRC6, 8);
  ip.set(DST6, 24);
  ip.set(l4, 40);
  return ethernetFrame(PEER, DEVICE_MAC, 0x86dd, ip);
}

/** Recomputes the transport checksum of a wire frame (IPv4 or IPv6, no options/extensions): true when valid. */
function l4Valid(f: Uint8Array): boolean {
  const isV4 = f[12] === 0x08;
  const l3 = 14;
  const l4 = isV4 ? l3 + (f[l3]! & 0xf) * 4 : l3 + 40;
  const proto = isV4 ? f[l3 + 9]! : f[l3 + 6]!;
  const len = f.length - l4;
  const pseudo = isV4 ? pseudoHeaderSumV4(f.subarray(26, 30), f.subarray(30, 34), proto, len) : pseudoHeaderSumV6(f.subarray(22, 38), f.subarray(38, 54), proto, len);
  return onesComplementSum(f, l4, f.length, pseudo) === 0xffff;
}

describe('partial checksums completed by the device (CSUM, NEEDS_CSUM)', () => {
  for (const layout of LAYOUTS) {
    test(`${layout}: TCP and UDP over IPv4 and IPv6 leave the device fully checksummed, other bytes untouched`, async () => {
      const r = await netRig({ layout });
      const cases = [
        { frame: tcpFrame(v4, 40000, 80, 1, payload(333), true).frame, start: 34, off: 16 },
        { frame: udpFrame(v4, 5353, 53, payload(101), true).frame, start: 34, off: 6 },
        { frame: ipv6Partial(6, payload(500)), start: 54, off: 16 },
        { frame: ipv6Partial(17, payload(77)), start: 54, off: 6 },
      ];
      for (const c of cases) {
        assert.equal(l4Valid(c.frame), false, 'the partial frame does not verify yet');
        const used = await r.client.transmit(c.frame, { flags: 1, csumStart: c.start, csumOffset: c.off });
        assert.equal(used.len, 0, 'transmit buffers are returned with used length 0');
        const wire = r.port.frames.at(-1)!;
        assert.equal(wire.length, c.frame.length);
        assert.ok(l4Valid(wire), 'checksum verifies after completion');
        const at = c.start + c.off;
        assert.deepEqual([...wire.subarray(0, at), ...wire.subarray(at + 2)], [...c.frame.subarray(0, at), ...c.frame.subarray(at + 2)]);
      }
      assert.equal(r.dev.stats.txChecksummed, 4);
      assert.deepEqual(r.rules(), []);
    });
  }

  test('a computed checksum of 0 is sent as 0xffff', () => {
    const f = new Uint8Array(20);
    f[14] = 0xff;
    f[15] = 0xff;
    assert.ok(completeChecksum(f, 14, 4));
    assert.deepEqual([f[18], f[19]], [0xff, 0xff]);
  });

  test('the trace summary carries the header fields and the decoded frame', async () => {
    const r = await netRig();
    await r.client.transmit(udpFrame(v4, 5353, 53, payload(10), true).frame, { flags: 1, csumStart: 34, csumOffset: 6 });
    const chain = r.events.find((e) => e.type === 'chain' && e.queueName === 'transmitq1');
    assert.ok(chain?.type === 'chain');
    assert.equal(chain.summary, 'UDP 10.0.2.15:5353 > 10.0.2.2:53 len 18 (52 B) [NEEDS_CSUM csum 34+6]');
  });

  test('frames sent again, alternating or changed by one byte, are summarised each as itself (summaries are remembered)', async () => {
    const r = await netRig();
    const a = udpFrame(v4, 5353, 53, payload(10), false).frame;
    const b = udpFrame(v4, 5354, 53, payload(10), false).frame;
    for (const f of [a, b, a, b, a]) await r.client.transmit(f);
    const c = Uint8Array.from(a);
    c[14 + 20 + 1] ^= 1; // source port 5353 -> 5352
    await r.client.transmit(c);
    const got = r.events.flatMap((e) => (e.type === 'chain' && e.queueName === 'transmitq1' ? [e.summary?.split(' (')[0]] : []));
    const A = 'UDP 10.0.2.15:5353 > 10.0.2.2:53 len 18';
    const B = 'UDP 10.0.2.15:5354 > 10.0.2.2:53 len 18';
    assert.deepEqual(got, [A, B, A, B, A, 'UDP 10.0.2.15:5352 > 10.0.2.2:53 len 18']);
  });
});

describe('GSO packets segmented for the wire (HOST_TSO4/TSO6/USO/UFO)', () => {
  const tcpSeq = (f: Uint8Array, l4: number) => ((f[l4 + 4]! << 24) | (f[l4 + 5]! << 16) | (f[l4 + 6]! << 8) | f[l4 + 7]!) >>> 0;

  for (const layout of LAYOUTS) {
    test(`${layout}: a 4000-byte TCPv4 GSO packet leaves as 3 valid segments of at most gso_size`, async () => {
      const r = await netRig({ layout });
      const data = payload(4000, 5);
      const { frame } = tcpFrame(v4, 40000, 80, 0xfffff000, data, true);
      await r.client.transmit(frame, { flags: 1, gsoType: 1, gsoSize: 1448, hdrLen: 54, csumStart: 34, csumOffset: 16 });
      const segs = r.port.frames;
      assert.equal(segs.length, 3);
      let joined: number[] = [];
      segs.forEach((s, i) => {
        assert.ok(s.length <= 54 + 1448);
        assert.equal((s[16]! << 8) | s[17]!, s.length - 14, 'IPv4 total length');
        assert.equal((s[18]! << 8) | s[19]!, i, 'IPv4 id increments');
        assert.ok(verifyIpv4HeaderChecksum(s, 14));
        assert.ok(l4Valid(s), `segment ${i} TCP checksum`);
        assert.equal(tcpSeq(s, 34), (0xfffff000 + 1448 * i) >>> 0, 'sequence numbers advance (and wrap)');
        assert.equal(s[47]! & 0x08, i === 2 ? 0x08 : 0, 'PSH only on the last segment');
        joined = joined.concat([...s.subarray(54)]);
      });
      assert.deepEqual(joined, [...data]);
      assert.equal(r.dev.stats.txSegmented, 1);
      assert.deepEqual(r.rules(), []);
    });
  }

  test('TCPv6 segments carry the right payload length and checksums', () => {
    const data = payload(3000, 2);
    const segs = segment(ipv6Partial(6, data), { gsoType: 4, gsoSize: 1000, csumStart: 54, csumOffset: 16 });
    assert.ok(Array.isArray(segs));
    assert.equal(segs.length, 3);
    for (const s of segs) {
      assert.equal((s[18]! << 8) | s[19]!, s.length - 54, 'IPv6 payload length');
      assert.ok(l4Valid(s));
    }
    assert.deepEqual(segs.flatMap((s) => [...s.subarray(74)]), [...data]);
  });

  test('USO (UDP_L4) makes full UDP datagrams with their own length and checksum', () => {
    const data = payload(2500, 3);
    const { frame } = udpFrame(v4, 4000, 4001, data, true);
    const segs = segment(frame, { gsoType: 5, gsoSize: 1200, csumStart: 34, csumOffset: 6 });
    assert.ok(Array.isArray(segs));
    assert.deepEqual(segs.map((s) => s.length - 42), [1200, 1200, 100]);
    for (const s of segs) {
      assert.equal((s[38]! << 8) | s[39]!, s.length - 34, 'UDP length');
      assert.ok(l4Valid(s));
    }
  });

  test('UFO over IPv4 fragments one datagram (offsets, MF) whose reassembly verifies', () => {
    const data = payload(3000, 4);
    const { frame } = udpFrame(v4, 4000, 4001, data, true);
    const segs = segment(frame, { gsoType: 3, gsoSize: 1480, csumStart: 34, csumOffset: 6 });
    assert.ok(Array.isArray(segs));
    assert.equal(segs.length, 3);
    const body: number[] = [];
    segs.forEach((s, i) => {
      const fragField = (s[20]! << 8) | s[21]!;
      assert.equal(fragField & 0x1fff, (1480 * i) / 8, 'fragment offset');
      assert.equal((fragField & 0x2000) !== 0, i < 2, 'more fragments');
      assert.ok(verifyIpv4HeaderChecksum(s, 14));
      body.push(...s.subarray(34));
    });
    const whole = new Uint8Array(34 + body.length);
    whole.set(frame.subarray(0, 34));
    whole.set(body, 34);
    assert.ok(l4Valid(whole));
  });

  test('UFO over IPv6 inserts fragment headers', () => {
    const segs = segment(ipv6Partial(17, payload(2000)), { gsoType: 3, gsoSize: 1232, csumStart: 54, csumOffset: 6 });
    assert.ok(Array.isArray(segs));
    assert.equal(segs.length, 2);
    for (const s of segs) assert.equal(s[20], 44, 'next header: fragment');
    assert.equal(((segs[1]![56]! << 8) | segs[1]![57]!) & 0xfff8, 1232);
  });

  test('packets the device cannot segment are refused with a reason', () => {
    const { frame } = tcpFrame(v4, 1, 2, 0, payload(100), true);
    assert.match(String(segment(frame, { gsoType: 4, gsoSize: 50, csumStart: 34, csumOffset: 16 })), /TCPV6 on an IPv4 packet/);
    assert.match(String(segment(frame, { gsoType: 1, gsoSize: 0, csumStart: 34, csumOffset: 16 })), /gso_size is 0/);
    assert.match(String(segment(frame, { gsoType: 1, gsoSize: 50, csumStart: 20, csumOffset: 16 })), /csum_start 20/);
    assert.match(String(segment(frame, { gsoType: 0x21, gsoSize: 50, csumStart: 34, csumOffset: 16 })), /UDP-tunnel/);
    assert.match(String(segment(ethernetFrame(BROADCAST, DEVICE_MAC, 0x0806, new Uint8Array(28)), { gsoType: 1, gsoSize: 50, csumStart: 34, csumOffset: 16 })), /not IP/);
  });

  test('frames after a transmit with the link down are dropped; the buffers still come back', async () => {
    const r = await netRig();
    r.dev.setLink(false);
    const used = await r.client.transmit(tcpFrame(v4, 1, 2, 0, payload(3000), true).frame, { flags: 1, gsoType: 1, gsoSize: 1000, csumStart: 34, csumOffset: 16 });
    await settle();
    assert.equal(used.len, 0);
    assert.equal(r.port.frames.length, 0);
    assert.equal(r.dev.stats.txDropped.linkDown, 3);
  });
});
