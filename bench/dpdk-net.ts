/**
 * Figure 4 of issue 13 (and serve's peak RSS for figure 8): DPDK's virtio_user PMD (dpdk-testpmd, a vhost-user
 * front end without a VM) into a vhost-user net back end that is, in alternating rounds, `virtio-debug serve
 * net`, `serve net --trace FILE`, and DPDK's own net_vhost PMD (a second testpmd, --vdev
 * net_vhost0,iface=SOCK). Two workloads:
 *  - txonly: testpmd sends 64-byte UDP frames as fast as it can; the back end consumes them (serve: `--peer
 *    none`; net_vhost: rxonly). Figure: the front end's Tx-pps.
 *  - io: a pcap port replays ICMP echo requests forever (infinite_rx) and testpmd io-forwards them into the
 *    back end, which answers each one (serve: `--peer responder`; net_vhost: macswap, DPDK's reflector);
 *    the answers come back and leave through the pcap port. Figure: round trips per second (that port's
 *    Tx-pps).
 * Each figure is the median of the per-second Tx-pps samples after the first two (start-up), median over
 * rounds; the ratio is serve ÷ net_vhost with --trace off and on.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PcapWriter, parseMac } from '../engine/devices/net/peers';
import { icmpEchoRequest, parseIpv4 } from '../engine/wire';
import { ServeProcess, scratchDir } from '../test/guest/serve-process';
import { median } from './guest-dd';
import { saveResult } from './out';
import { Testpmd, requireTestpmd } from './testpmd';

/** serve-b, serve-b-trace: the serve of another built checkout (BENCH_NET_SERVE_B=DIR), for an A/B in one run. */
type NetBackend = 'serve' | 'serve-trace' | 'net_vhost' | 'serve-b' | 'serve-b-trace';
type Workload = 'txonly' | 'io';
const MAC = '52:54:00:12:34:56';
const RESPONDER_MAC = '02:76:64:00:00:01';

function peakRssKiB(pid: number | undefined): number {
  try {
    const m = pid ? /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8')) : null;
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

async function waitForFile(path: string, alive: () => boolean, what: string, output: () => string): Promise<void> {
  const end = Date.now() + 20_000;
  while (!existsSync(path)) {
    if (!alive()) throw new Error(`${what} ended before listening on ${path}:\n${output().slice(-2000)}`);
    if (Date.now() > end) throw new Error(`${what} did not listen on ${path} within 20 s:\n${output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface OneRun {
  pps: number;
  /** The per-second samples the median is taken from. */
  perSecond: number[];
  /** serve's VmHWM, KiB (0 for net_vhost). */
  rssKiB: number;
}

async function once(dir: string, requests: string, backend: NetBackend, workload: Workload, seconds: number, tag: string): Promise<OneRun> {
  const socket = join(dir, `${tag}.sock`);
  let serve: ServeProcess | undefined;
  let reference: Testpmd | undefined;
  let front: Testpmd | undefined;
  try {
    if (backend === 'net_vhost') {
      reference = Testpmd.start('1,0', [`net_vhost0,iface=${socket},queues=1`], [`--forward-mode=${workload === 'txonly' ? 'rxonly' : 'macswap'}`]);
      const ref = reference;
      await waitForFile(socket, () => ref.running, 'testpmd (net_vhost)', () => ref.output);
    } else {
      const peer = workload === 'txonly' ? 'none' : 'responder';
      const trace = backend.endsWith('-trace') ? ['--trace', join(dir, `${tag}.jsonl`)] : [];
      const b = backend.startsWith('serve-b') ? process.env.BENCH_NET_SERVE_B : undefined;
      serve = await ServeProcess.start(['serve', 'net', '--socket', socket, '--mac', MAC, '--peer', peer, ...trace], socket, 20_000, ...(b ? [b] : []));
    }
    const virtio = `net_virtio_user0,path=${socket},queues=1`;
    front =
      workload === 'txonly'
        ? Testpmd.start('0,1', [virtio], ['--forward-mode=txonly'])
        : Testpmd.start('0,1', [`net_pcap0,rx_pcap=${requests},infinite_rx=1,tx_pcap=/dev/null`, virtio], ['--forward-mode=io', '--no-flush-rx']);
    const port = 0; // txonly: the virtio port; io: the pcap port, where the answers leave
    const f = front;
    const samples = 2 + seconds;
    await f.until(() => f.txPps(port).length >= samples, (seconds + 30) * 1000);
    const pps = f.txPps(port).slice(2);
    if (pps.length < Math.min(3, seconds)) throw new Error(`${backend} ${workload}: testpmd printed ${f.txPps(port).length} statistics blocks:\n${f.output.slice(-3000)}${serve ? `\nserve:\n${serve.output.slice(-2000)}` : ''}`);
    return { pps: median(pps), perSecond: pps, rssKiB: peakRssKiB(serve?.child.pid) };
  } finally {
    await front?.stop();
    await reference?.stop();
    await serve?.stop('SIGTERM');
  }
}

export interface DpdkNetResult {
  rounds: number;
  seconds: number;
  samples: Record<Workload, Record<NetBackend, number[]>>;
  peakRssKiB: number[];
}

export async function runDpdkNet(rounds: number, seconds: number, log: (s: string) => void): Promise<DpdkNetResult> {
  requireTestpmd();
  if (!existsSync(join(__dirname, '..', 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: node scripts/build.mjs');
  const scratch = scratchDir('vd-bench-dpdk-');
  const requests = join(scratch.dir, 'requests.pcap');
  const w = PcapWriter.open(requests);
  for (let seq = 0; seq < 256; seq++) {
    w.write(icmpEchoRequest({ srcMac: parseMac(MAC), dstMac: parseMac(RESPONDER_MAC), src: parseIpv4('10.0.2.15'), dst: parseIpv4('10.0.2.2') }, 0x4242, seq, new Uint8Array(18)));
  }
  w.closeSync();
  // BENCH_NET_WORKLOADS=io, BENCH_NET_BACKENDS=serve,net_vhost: a subset, for investigating one figure.
  // BENCH_NET_SERVE_B=DIR (a checkout with its dist built) adds serve-b and serve-b-trace: that build's serve.
  const pick = <T extends string>(env: string | undefined, all: readonly T[]): T[] => (env ? all.filter((x) => env.split(',').includes(x)) : [...all]);
  const workloads = pick(process.env.BENCH_NET_WORKLOADS, ['txonly', 'io'] as const);
  const all: NetBackend[] = process.env.BENCH_NET_SERVE_B ? ['serve', 'serve-b', 'serve-trace', 'serve-b-trace', 'net_vhost'] : ['serve', 'serve-trace', 'net_vhost'];
  const backends = pick(process.env.BENCH_NET_BACKENDS, all);
  const none = (): Record<NetBackend, number[]> => ({ serve: [], 'serve-trace': [], net_vhost: [], 'serve-b': [], 'serve-b-trace': [] });
  const result: DpdkNetResult = { rounds, seconds, samples: { txonly: none(), io: none() }, peakRssKiB: [] };
  try {
    for (let round = 0; round < rounds; round++) {
      const order: NetBackend[] = round % 2 ? [...backends].reverse() : backends;
      for (const workload of workloads) {
        for (const b of order) {
          const r = await once(scratch.dir, requests, b, workload, seconds, `${workload}-${b}-${round}`);
          result.samples[workload][b].push(r.pps);
          if (r.rssKiB) result.peakRssKiB.push(r.rssKiB);
          log(`  round ${round + 1} ${workload.padEnd(6)} ${b.padEnd(11)} ${(r.pps / 1e3).toFixed(1)} kpps${r.rssKiB ? `, serve peak RSS ${(r.rssKiB / 1024).toFixed(0)} MiB` : ''} (per second: ${r.perSecond.map((x) => (x / 1e3).toFixed(1)).join(' ')})`);
        }
      }
    }
  } finally {
    scratch.remove();
  }
  return result;
}

async function main(): Promise<void> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const seconds = Number(process.env.BENCH_NET_SECONDS ?? 4);
  console.log(`DPDK virtio_user into serve net / serve net --trace / DPDK net_vhost, ${seconds} s per run, ${rounds} alternating rounds, medians`);
  const r = await runDpdkNet(rounds, seconds, (s) => console.log(s));
  const cases = (['txonly', 'io'] as const).map((workload) => {
    const m = (b: NetBackend) => median(r.samples[workload][b]);
    return {
      workload,
      serve: m('serve'),
      serveTrace: m('serve-trace'),
      netVhost: m('net_vhost'),
      ratio: m('serve') / m('net_vhost'),
      ratioTrace: m('serve-trace') / m('net_vhost'),
      ...(process.env.BENCH_NET_SERVE_B ? { serveB: m('serve-b'), serveBTrace: m('serve-b-trace') } : {}),
    };
  });
  const peak = Math.max(...r.peakRssKiB, 0) / 1024;
  saveResult('dpdk-net', { figures: [4, 8], rounds, seconds, cases, peakRssMiB: peak, samples: r.samples });
  for (const c of cases) {
    const b = c.serveB !== undefined ? `  serve-b ${(c.serveB / 1e3).toFixed(1)} (--trace ${((c.serveBTrace ?? NaN) / 1e3).toFixed(1)}) kpps` : '';
    console.log(`${c.workload.padEnd(6)} serve ${(c.serve / 1e3).toFixed(1)} kpps (--trace ${(c.serveTrace / 1e3).toFixed(1)})  net_vhost ${(c.netVhost / 1e3).toFixed(1)} kpps  serve÷net_vhost ${c.ratio.toFixed(2)} (--trace ${c.ratioTrace.toFixed(2)})${b}`);
  }
  console.log(`serve peak RSS ${peak.toFixed(0)} MiB`);
}

if (require.main === module) void main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
