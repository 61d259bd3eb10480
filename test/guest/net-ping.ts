// Ping through `virtio-debug serve net` from a Linux guest: the check shared by the vhost-user net guest
// tests (QEMU 7.2 and QEMU 10): the interface comes up, `ping -c 5` gets 5 replies from the responder, no rule
// is broken, and the pcap capture shows the echoes and the ARP exchange.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readPcap } from '../../engine/devices/net/peers';
import { describeRun, ensureQemuGuest, type OtherQemu, runGuest, stepResult } from './guest';
import { ServeProcess } from './serve-process';

export const MAC = '52:54:00:12:34:56';

const ip = (b: Uint8Array, o: number) => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;

/** ICMP echo requests and replies in a capture, as "request 10.0.2.15>10.0.2.2 seq 1" strings. */
function icmpEchoes(path: string): string[] {
  const out: string[] = [];
  for (const r of readPcap(path).records) {
    const f = r.data;
    if (f.length < 42 || f[12] !== 0x08 || f[13] !== 0x00 || f[23] !== 1) continue;
    const ihl = (f[14]! & 0x0f) * 4;
    const type = f[14 + ihl];
    if (type !== 0 && type !== 8) continue;
    const seq = (f[14 + ihl + 6]! << 8) | f[14 + ihl + 7]!;
    out.push(`${type === 8 ? 'request' : 'reply'} ${ip(f, 26)}>${ip(f, 30)} seq ${seq}`);
  }
  return out;
}

/** `dir`: a scratch folder for the socket and capture; `qemu`: another QEMU than the machine's. */
export async function pingThrough(o: { pairs: number; packed: boolean; name: string; dir: string; qemu?: OtherQemu }): Promise<void> {
  const g = await ensureQemuGuest();
  const socket = join(o.dir, `${o.name}.sock`);
  const pcap = join(o.dir, `${o.name}.pcap`);
  // One pair: serve's default (it offers 16, QEMU's netdev asks for 1); more: --queues as a user would.
  const queues = o.pairs > 1 ? ['--queues', String(o.pairs)] : [];
  const serve = await ServeProcess.start(['serve', 'net', '--socket', socket, '--mac', MAC, '--peer', 'responder', '--pcap', pcap, ...queues], socket);
  const run = await runGuest({
    kernel: g.kernel,
    initrd: g.initrd,
    vhostUser: [{ kind: 'net', socket, mac: MAC, numQueues: o.pairs, packed: o.packed }],
    ...(o.qemu ? { qemu: o.qemu.binary } : {}),
    // Two vCPUs with two pairs: Linux uses as many queue pairs as CPUs.
    extraArgs: [...(o.qemu?.args ?? []), ...(o.pairs > 1 ? ['-smp', String(o.pairs)] : [])],
    steps: ['net-up', 'net-ping:10.0.2.2:5', 'poweroff'],
    timeoutMs: 120_000,
  });
  assert.equal(run.timedOut, false, describeRun(run));
  const up = stepResult(run, 'net-up');
  assert.equal(up.status, 'ok', up.raw + describeRun(run));
  assert.deepEqual([up.fields.mac, up.fields.carrier, up.fields.queues], [MAC, '1', String(o.pairs)], up.raw);
  const ping = stepResult(run, 'net-ping');
  assert.deepEqual([ping.status, ping.fields.sent, ping.fields.received], ['ok', '5', '5'], ping.raw + describeRun(run));

  const exit = await serve.stop('SIGTERM');
  assert.equal(exit.code, 0, exit.output);
  assert.match(exit.output, /front end connected/);
  // Every rule holds for the Linux driver (the pairs in use follow the rings QEMU enabled).
  assert.deepEqual(serve.violations(), []);

  const echoes = icmpEchoes(pcap);
  for (let seq = 0; seq < 5; seq++) {
    assert.ok(echoes.includes(`request 10.0.2.15>10.0.2.2 seq ${seq}`), `request ${seq} in the capture: ${echoes.join(', ')}`);
    assert.ok(echoes.includes(`reply 10.0.2.2>10.0.2.15 seq ${seq}`), `reply ${seq} in the capture`);
  }
  const arp = readPcap(pcap).records.filter((r) => r.data[12] === 0x08 && r.data[13] === 0x06);
  assert.ok(arp.length >= 2, 'the ARP request and its reply are captured too');
}

