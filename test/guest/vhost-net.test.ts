// The guest's own virtio_net driver against `virtio-debug serve net` over vhost-user (QEMU 7.2, TCG): the
// interface comes up, `ping -c 5` to an address the built-in responder answers gets 5 replies, and the pcap
// capture shows the frames — with split rings and one queue pair, and with packed rings and two pairs.
// Without qemu-system-x86_64 these tests fail (never skip): the guest suite is part of the product's tests.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, afterEach, describe, test } from 'node:test';
import { readPcap } from '../../engine/devices/net/peers';
import { describeRun, ensureQemuGuest, runGuest, stepResult } from './guest';
import { ServeProcess, killLeftovers, scratchDir } from './serve-process';

const MAC = '52:54:00:12:34:56';
const scratch = scratchDir('vd-vhost-net-');
after(() => scratch.remove());
afterEach(killLeftovers);

const prepare = ensureQemuGuest;

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

async function pingThrough(o: { pairs: number; packed: boolean; name: string }): Promise<void> {
  const g = await prepare();
  const socket = join(scratch.dir, `${o.name}.sock`);
  const pcap = join(scratch.dir, `${o.name}.pcap`);
  const serve = await ServeProcess.start(['serve', 'net', '--socket', socket, '--mac', MAC, '--peer', 'responder', '--pcap', pcap, '--queues', String(o.pairs)], socket);
  const run = await runGuest({
    kernel: g.kernel,
    initrd: g.initrd,
    vhostUser: [{ kind: 'net', socket, mac: MAC, numQueues: o.pairs, packed: o.packed }],
    // Two vCPUs with two pairs: Linux uses as many queue pairs as CPUs.
    ...(o.pairs > 1 ? { extraArgs: ['-smp', String(o.pairs)] } : {}),
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

describe('Linux guest on vhost-user net (virtio-debug serve net)', () => {
  test('split rings, one queue pair: ping -c 5 gets 5 replies from the responder; the pcap shows them', () =>
    pingThrough({ pairs: 1, packed: false, name: 'split' }));
  test('packed rings, two queue pairs: the same', () => pingThrough({ pairs: 2, packed: true, name: 'packed-mq' }));
});
