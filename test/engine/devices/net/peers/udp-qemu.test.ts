// Interoperability with QEMU's `-netdev dgram` (QEMU 7.2+): a tunnel talks to QEMU's user-mode network
// (slirp) through a hub, with no guest at all. Slirp answers ARP and ping for its gateway 10.0.2.2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect } from '../../../../../engine/devices/net/ethernet-port';
import { UdpTunnel } from '../../../../../engine/devices/net/peers';
import { arpFrame, icmpEchoFrame, onesComplementSum, Parsed, RecordingPort } from './frames';

const QEMU = 'qemu-system-x86_64';

async function freePorts(n: number): Promise<number[]> {
  const sockets = Array.from({ length: n }, () => createSocket('udp4'));
  const ports = await Promise.all(sockets.map((s) => new Promise<number>((resolve) => s.bind(0, '127.0.0.1', () => resolve(s.address().port)))));
  await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

test('a tunnel exchanges ARP and ping with QEMU -netdev dgram (slirp behind a hub)', async (t) => {
  const probe = spawnSync(QEMU, ['--version'], { encoding: 'utf8' });
  if (probe.error) throw new Error(`${QEMU} is not installed (Debian package qemu-system-x86, listed in .ci/run): ${probe.error.message}`);
  const [qemuPort, ourPort] = await freePorts(2);
  const qemu = spawn(QEMU, [
    '-machine', 'none', '-nodefaults', '-display', 'none', '-monitor', 'none', '-serial', 'none',
    '-netdev', `dgram,id=d0,local.type=inet,local.host=127.0.0.1,local.port=${qemuPort},remote.type=inet,remote.host=127.0.0.1,remote.port=${ourPort}`,
    '-netdev', 'user,id=u0,net=10.0.2.0/24,restrict=on',
    '-netdev', 'hubport,id=h0,hubid=0,netdev=d0',
    '-netdev', 'hubport,id=h1,hubid=0,netdev=u0',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  qemu.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const tunnel = await UdpTunnel.open({ remoteHost: '127.0.0.1', remotePort: qemuPort!, localPort: ourPort });
  t.after(async () => {
    qemu.kill('SIGTERM');
    await tunnel.close();
  });
  const guest = new RecordingPort();
  connect(guest, tunnel);

  // QEMU binds its socket a moment after it starts: ask again until slirp answers.
  const deadline = Date.now() + 15_000;
  while (guest.frames.length === 0) {
    if (qemu.exitCode !== null) throw new Error(`QEMU exited with ${qemu.exitCode}: ${stderr}`);
    if (Date.now() > deadline) throw new Error(`no ARP reply from QEMU's slirp within 15 s; QEMU said: ${stderr}`);
    guest.send(arpFrame({ spa: '10.0.2.15', tpa: '10.0.2.2' }));
    await new Promise((r) => setTimeout(r, 200));
  }
  const arp = new Parsed(guest.frames[0]!);
  assert.equal(arp.u16(12), 0x0806);
  assert.equal(arp.u16(20), 2, 'ARP reply');
  assert.equal(arp.ip4At(28), '10.0.2.2');
  assert.equal(arp.ip4At(38), '10.0.2.15');
  const gatewayMac = arp.macAt(22);

  guest.frames.length = 0;
  const data = Array.from({ length: 32 }, (_, i) => i);
  guest.send(icmpEchoFrame({ src: '10.0.2.15', dst: '10.0.2.2', dstMac: gatewayMac, id: 0x4242, seq: 5, data }));
  const until = Date.now() + 5000;
  while (!guest.frames.some((f) => f.length > 34 && f[23] === 1)) {
    if (Date.now() > until) throw new Error(`no ICMP reply from QEMU's slirp; frames seen: ${guest.frames.length}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const reply = new Parsed(guest.frames.find((f) => f.length > 34 && f[23] === 1)!);
  assert.equal(reply.macAt(6), gatewayMac);
  assert.equal(reply.ip4At(26), '10.0.2.2');
  assert.equal(reply.ip4At(30), '10.0.2.15');
  assert.equal(reply.u8(34), 0, 'echo reply');
  assert.equal(reply.u16(38), 0x4242);
  assert.equal(reply.u16(40), 5);
  assert.deepEqual(reply.bytes(42, 32), data);
  assert.equal(onesComplementSum(reply.bytes(34, 40)), 0xffff);
  assert.equal(tunnel.stats.foreignDatagrams, 0, 'QEMU sends from its local port, which is our remote');
});
