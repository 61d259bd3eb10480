import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { connect } from '../../../../../engine/devices/net/ethernet-port';
import { attachPeer, Responder, UdpTunnel } from '../../../../../engine/devices/net/peers';
import { arpFrame, Parsed, RecordingPort } from './frames';

/** Ports that were free a moment ago (each tunnel needs the other's port before it exists). */
async function freePorts(n: number, type: 'udp4' | 'udp6' = 'udp4'): Promise<number[]> {
  const sockets = Array.from({ length: n }, () => createSocket(type));
  const host = type === 'udp4' ? '127.0.0.1' : '::1';
  const ports = await Promise.all(sockets.map((s) => new Promise<number>((resolve) => s.bind(0, host, () => resolve(s.address().port)))));
  await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

async function tunnelPair(): Promise<[UdpTunnel, UdpTunnel]> {
  const [pa, pb] = await freePorts(2);
  const a = await UdpTunnel.open({ remoteHost: '127.0.0.1', remotePort: pb!, localPort: pa });
  const b = await UdpTunnel.open({ remoteHost: '127.0.0.1', remotePort: pa!, localPort: pb });
  return [a, b];
}

async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('two tunnels on 127.0.0.1 carry frames both ways byte for byte, one datagram each', async () => {
  const [a, b] = await tunnelPair();
  const left = new RecordingPort();
  const right = new RecordingPort();
  connect(left, a);
  connect(right, b);
  assert.equal(a.localAddress, '127.0.0.1', 'a loopback remote binds loopback by default');
  const sizes = [14, 60, 64, 1514, 9014, 65_000];
  const toRight = sizes.map((n) => new Uint8Array(randomBytes(n)));
  const toLeft = sizes.map((n) => new Uint8Array(randomBytes(n)));
  for (const f of toRight) left.send(f);
  for (const f of toLeft) right.send(f);
  await until(() => right.frames.length === sizes.length && left.frames.length === sizes.length, 'all frames');
  const bySize = (fs: Uint8Array[]) => [...fs].sort((x, y) => x.length - y.length);
  assert.deepEqual(bySize(right.frames), toRight);
  assert.deepEqual(bySize(left.frames), toLeft);
  await until(() => a.stats.framesSent === sizes.length, 'send callbacks');
  assert.deepEqual(a.stats, { framesSent: 6, framesReceived: 6, sendErrors: 0, foreignDatagrams: 0, runts: 0 });
  await a.close();
  await b.close();
});

test('the sender may reuse its buffer as soon as receive() returns', async () => {
  const [a, b] = await tunnelPair();
  const right = new RecordingPort();
  connect(right, b);
  const frame = Uint8Array.from({ length: 100 }, (_, i) => i);
  a.receive(frame);
  frame.fill(0xee);
  await until(() => right.frames.length === 1, 'the frame');
  assert.deepEqual(right.frames[0], Uint8Array.from({ length: 100 }, (_, i) => i));
  await a.close();
  await b.close();
});

test('datagrams from anyone but the remote, and runts, are dropped', async () => {
  const [a, b] = await tunnelPair();
  const left = new RecordingPort();
  connect(left, a);
  const stranger = createSocket('udp4');
  await new Promise<void>((r) => stranger.bind(0, '127.0.0.1', () => r()));
  stranger.send(new Uint8Array(60), a.localPort, '127.0.0.1');
  b.receive(new Uint8Array(13));
  b.receive(new Uint8Array(60).fill(7));
  await until(() => a.stats.framesReceived === 1 && a.stats.foreignDatagrams === 1 && a.stats.runts === 1, 'the three datagrams');
  assert.equal(left.frames.length, 1);
  assert.deepEqual(left.frames[0], new Uint8Array(60).fill(7));
  stranger.close();
  await a.close();
  await b.close();
});

test('acceptFromAnyone takes frames from any sender', async () => {
  const [port] = await freePorts(1);
  const t = await UdpTunnel.open({ remoteHost: '127.0.0.1', remotePort: port!, acceptFromAnyone: true });
  const left = new RecordingPort();
  connect(left, t);
  const stranger = createSocket('udp4');
  stranger.send(new Uint8Array(60).fill(1), t.localPort, '127.0.0.1');
  await until(() => left.frames.length === 1, 'the frame');
  stranger.close();
  await t.close();
});

test('a port already in use, a bad local address and a bad remote port are clear errors', async () => {
  const [a, b] = await tunnelPair();
  await assert.rejects(UdpTunnel.open({ remoteHost: '127.0.0.1', remotePort: 9, localPort: a.localPort }), /udp tunnel: cannot bind 127\.0\.0\.1:\d+: .*EADDRINUSE/);
  await assert.rejects(UdpTunnel.open({ remoteHost: '127.0.0.1', remotePort: 9, localAddress: 'nowhere' }), /local address nowhere is not an IP address/);
  await assert.rejects(UdpTunnel.open({ remoteHost: '127.0.0.1', remotePort: 9, localAddress: '::1' }), /is IPv6 but remote 127\.0\.0\.1 is IPv4/);
  await assert.rejects(UdpTunnel.open({ remoteHost: '127.0.0.1', remotePort: 0 }), /remote port 0 is not a port/);
  await a.close();
  await b.close();
  a.receive(new Uint8Array(60));
  assert.equal(a.stats.sendErrors, 1, 'sending after close is counted, not thrown');
});

test('IPv6 loopback works too', async () => {
  const [pa, pb] = await freePorts(2, 'udp6');
  const a = await UdpTunnel.open({ remoteHost: '::1', remotePort: pb!, localPort: pa });
  const b = await UdpTunnel.open({ remoteHost: '::1', remotePort: pa!, localPort: pb });
  assert.equal(b.localAddress, '::1');
  assert.equal(b.describe(), `[::1]:${pb} → [::1]:${pa}`);
  const right = new RecordingPort();
  connect(right, b);
  a.receive(new Uint8Array(64).fill(3));
  await until(() => right.frames.length === 1, 'the frame');
  assert.deepEqual(right.frames[0], new Uint8Array(64).fill(3));
  await Promise.all([a.close(), b.close()]);
});

test('a responder behind a tunnel answers ARP sent into the other end (attachPeer with a udp spec)', async () => {
  const [pa, pb] = await freePorts(2);
  const guest = new RecordingPort();
  const link = await attachPeer(guest, `udp:127.0.0.1:${pb},local=127.0.0.1:${pa}`);
  assert.equal(link.description, `udp 127.0.0.1:${pa} → 127.0.0.1:${pb}`);
  const far = await UdpTunnel.open({ remoteHost: '127.0.0.1', remotePort: pa!, localPort: pb });
  const responder = new Responder();
  connect(far, responder);
  guest.send(arpFrame({ spa: '10.0.0.1', tpa: '10.0.0.2' }));
  await until(() => guest.frames.length === 1, 'the ARP reply');
  const r = new Parsed(guest.frames[0]!);
  assert.equal(r.u16(20), 2);
  assert.equal(r.ip4At(28), '10.0.0.2');
  assert.equal(r.macAt(22), responder.mac);
  await link.close();
  await far.close();
});
