// DPDK as a second real driver: dpdk-testpmd's net_virtio_user PMD is a vhost-user front end (no VM) against
// `virtio-debug serve net`. txonly: every packet testpmd counts as sent reaches the wire (the pcap). io
// forwarding against the responder: ICMP echo requests read from a pcap port are forwarded into the device,
// the responder answers each one, and every reply comes back out of testpmd. No packet may be lost.
// Without dpdk-testpmd (Debian's dpdk-dev) these tests fail (never skip).
import assert from 'node:assert/strict';
import { type ChildProcess, spawnSync } from 'node:child_process';
import { spawnTied } from '../../adapter/qemu/spawn-tied';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, describe, test } from 'node:test';
import { PcapWriter, parseMac, readPcap } from '../../engine/devices/net/peers';
import { icmpEchoRequest, parseIpv4 } from '../../engine/wire';
import { ServeProcess, killLeftovers, scratchDir } from './serve-process';

const TESTPMD = process.env.VIRTIO_DEBUG_TESTPMD ?? 'dpdk-testpmd';
const MAC = '52:54:00:12:34:56';
const RESPONDER_MAC = '02:76:64:00:00:01';
const scratch = scratchDir('vd-dpdk-');
after(() => scratch.remove());
afterEach(killLeftovers);
const testpmds = new Set<ChildProcess>();
afterEach(() => {
  for (const c of testpmds) c.kill('SIGKILL');
  testpmds.clear();
});

function requireTestpmd(): void {
  const r = spawnSync(TESTPMD, ['--help'], { encoding: 'utf8', timeout: 20_000 });
  const missing = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  assert.ok(!missing, `${TESTPMD} is missing: apt-get install dpdk-dev (listed in .ci/run)`);
}

interface PortStats {
  rx: number;
  rxDropped: number;
  tx: number;
  txDropped: number;
}

/** The "Forward statistics for port N" blocks testpmd prints when it stops. */
function forwardStats(output: string): Map<number, PortStats> {
  const out = new Map<number, PortStats>();
  const re = /Forward statistics for port (\d+)\s+-+\s+RX-packets:\s+(\d+)\s+RX-dropped:\s+(\d+)\s+RX-total:\s+\d+\s+TX-packets:\s+(\d+)\s+TX-dropped:\s+(\d+)/g;
  for (const m of output.matchAll(re)) out.set(Number(m[1]), { rx: Number(m[2]), rxDropped: Number(m[3]), tx: Number(m[4]), txDropped: Number(m[5]) });
  return out;
}

/** The last periodic "NIC statistics for port N" TX-packets value. */
function nicTx(output: string, port: number): number {
  let tx = 0;
  const re = new RegExp(`NIC statistics for port ${port}\\s+#+\\s+RX-packets:\\s+\\d+[^]*?TX-packets:\\s+(\\d+)`, 'g');
  for (const m of output.matchAll(re)) tx = Number(m[1]);
  return tx;
}

let prefixes = 0;

/**
 * Runs testpmd (no hugepages, no PCI) until `done(output)` holds or `maxMs` passed, then SIGINT: it stops
 * forwarding, prints its statistics, closes its ports (the vhost-user front end disconnects) and exits.
 */
async function testpmd(vdevs: string[], appArgs: string[], done: (output: string) => boolean, maxMs: number): Promise<string> {
  const args = ['-l', '0,1', '--no-huge', '-m', '512', '--no-pci', `--file-prefix=vd${process.pid}x${prefixes++}`];
  for (const v of vdevs) args.push('--vdev', v);
  // --stats-period keeps testpmd running without a terminal (it would quit at "Press enter to exit").
  args.push('--', '--auto-start', '--nb-cores=1', '--total-num-mbufs=8192', '--stats-period', '1', ...appArgs);
  const child = spawnTied(TESTPMD, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  testpmds.add(child);
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  const end = Date.now() + maxMs;
  while (!done(output) && Date.now() < end && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
  child.kill('SIGINT');
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await exited;
  clearTimeout(killer);
  testpmds.delete(child);
  assert.equal(code, 0, `testpmd exit code ${code}:\n${output.slice(-3000)}`);
  return output;
}

describe('DPDK testpmd (net_virtio_user) against virtio-debug serve net', () => {
  test('txonly: every packet testpmd sent is on the wire', async () => {
    requireTestpmd();
    const socket = join(scratch.dir, 'txonly.sock');
    const pcap = join(scratch.dir, 'txonly.pcap');
    const serve = await ServeProcess.start(['serve', 'net', '--socket', socket, '--mac', MAC, '--peer', 'none', '--pcap', pcap], socket);
    const output = await testpmd([`net_virtio_user0,path=${socket},queues=1`], ['--forward-mode=txonly'], (o) => nicTx(o, 0) >= 20_000, 15_000);
    const stats = forwardStats(output).get(0);
    assert.ok(stats, `no forward statistics in testpmd's output:\n${output.slice(-3000)}`);
    assert.ok(stats.tx > 1000, `testpmd sent only ${stats.tx} packets`);
    await serve.waitFor(/front end disconnected/);
    const exit = await serve.stop('SIGTERM');
    assert.equal(exit.code, 0, exit.output);
    // virtio_user forwards its driver's status writes (SET_STATUS with ACKNOWLEDGE first): they are judged with
    // the in-process rules, and DPDK's initialisation breaks none of them.
    assert.match(exit.output, /front end mirrors its driver's status writes/, 'virtio_user is told from a QEMU-style front end');
    const judged = /violation (status-|features-|config-|queue-)/;
    assert.deepEqual(serve.violations().filter((l) => judged.test(l)), [], 'DPDK breaks no status, feature, config or queue rule');
    const frames = readPcap(pcap).records;
    assert.equal(frames.length, stats.tx, `testpmd counted ${stats.tx} sent, the wire saw ${frames.length}`);
    const udp = frames.filter((r) => r.data[12] === 0x08 && r.data[13] === 0x00 && r.data[23] === 17);
    assert.equal(udp.length, frames.length, 'every frame is testpmd\'s IPv4/UDP packet');
  });

  test('io forwarding against the responder: 500 echo requests in, 500 replies out', async () => {
    requireTestpmd();
    const socket = join(scratch.dir, 'io.sock');
    const wire = join(scratch.dir, 'wire.pcap');
    const input = join(scratch.dir, 'requests.pcap');
    const replies = join(scratch.dir, 'replies.pcap');
    const commands = join(scratch.dir, 'io.cmds');
    // 500 requests: the virtio receive ring (256) and the device's receive backlog (256) hold every reply
    // even while testpmd's one forwarding core is busy sending, so a lost packet is a real loss.
    const COUNT = 500;
    const w = PcapWriter.open(input);
    const ident = 0x4242;
    for (let seq = 0; seq < COUNT; seq++) {
      w.write(icmpEchoRequest({ srcMac: parseMac(MAC), dstMac: parseMac(RESPONDER_MAC), src: parseIpv4('10.0.2.15'), dst: parseIpv4('10.0.2.2') }, ident, seq, new Uint8Array(56).fill(seq & 0xff)));
    }
    w.closeSync();
    // io forwarding with retry: a full transmit ring waits instead of dropping.
    writeFileSync(commands, 'set fwd io retry\nset burst tx delay 100 retry 20000\n');
    const serve = await ServeProcess.start(['serve', 'net', '--socket', socket, '--mac', MAC, '--peer', 'responder', '--pcap', wire], socket);
    const output = await testpmd(
      [`net_pcap0,rx_pcap=${input},tx_pcap=${replies}`, `net_virtio_user0,path=${socket},queues=1`],
      [`--cmdline-file=${commands}`, '--no-flush-rx'],
      (o) => nicTx(o, 0) >= COUNT,
      30_000,
    );
    const stats = forwardStats(output);
    assert.deepEqual(stats.get(0), { rx: COUNT, rxDropped: 0, tx: COUNT, txDropped: 0 }, `pcap port:\n${output.slice(-3000)}`);
    assert.deepEqual(stats.get(1), { rx: COUNT, rxDropped: 0, tx: COUNT, txDropped: 0 }, 'virtio_user port');
    const back = readPcap(replies).records.map((r) => r.data);
    assert.equal(back.length, COUNT, 'every reply came back out of testpmd');
    const seqs = new Set<number>();
    for (const f of back) {
      assert.equal(f[34], 0, 'an ICMP echo reply');
      assert.equal((f[38]! << 8) | f[39]!, ident);
      seqs.add((f[40]! << 8) | f[41]!);
    }
    assert.equal(seqs.size, COUNT, 'one reply per request');
    await serve.waitFor(/front end disconnected/);
    const exit = await serve.stop('SIGTERM');
    assert.equal(exit.code, 0, exit.output);
    assert.equal(readPcap(wire).records.length, 2 * COUNT, 'the wire capture holds every request and every reply');
  });
});
