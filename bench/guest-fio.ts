/**
 * Figure 1, fio row (issue 13): a Linux guest (QEMU, TCG) runs Debian's fio — libaio, O_DIRECT, several requests
 * in flight, random offsets — on a vhost-user-blk disk served in alternating rounds by `virtio-debug serve blk`
 * and by `qemu-storage-daemon --export type=vhost-user-blk`: same guest, same image, same QEMU options. Prints
 * IOPS per back end and case (medians of BENCH_ROUNDS rounds) and serve ÷ qsd. Goal ≥ 1.0.
 * Needs fio on the host (apt-get install fio: it and its libraries go into the guest's initramfs,
 * test/guest/build-fio-initrd.sh), QEMU and qemu-storage-daemon, and the bundle (node scripts/build.mjs).
 */
import { existsSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeRun, ensureFioGuest, runGuest, type GuestImage } from '../test/guest/guest';
import { ServeProcess, scratchDir } from '../test/guest/serve-process';
import { median } from './guest-dd';
import { saveResult } from './out';
import { needQemuTools, startQsd, type Qsd } from './qsd';

type Backend = 'serve' | 'qsd';
interface FioCase {
  rw: 'randrw' | 'randread' | 'randwrite';
  bs: number;
  depth: number;
}
/** Mixed 70/30 small random I/O with a deep queue (a database's pattern), and large random reads. */
const CASES: FioCase[] = [
  { rw: 'randrw', bs: 4096, depth: 16 },
  { rw: 'randread', bs: 65536, depth: 8 },
];
const key = (c: FioCase) => `${c.rw} ${c.bs >> 10}k qd${c.depth}`;

/** One boot against one back end: IOPS (reads + writes) per case. */
async function boot(guest: GuestImage, backend: Backend, dir: string, image: string, mib: number, round: number): Promise<Record<string, number>> {
  const socket = join(dir, `${backend}-${round}.sock`);
  let serve: ServeProcess | undefined;
  let qsd: Qsd | undefined;
  if (backend === 'qsd') qsd = await startQsd(image, socket);
  else serve = await ServeProcess.start(['serve', 'blk', '--socket', socket, '--disk', image], socket);
  try {
    const steps = CASES.map((c) => `blk-fio:${c.rw}:${c.bs}:${c.depth}:${mib << 20}`);
    const run = await runGuest({ ...guest, memory: 512, steps, vhostUser: [{ kind: 'blk', socket }], timeoutMs: 300_000 });
    const lines = run.boots[0]?.lines.filter((l) => l.step === 'blk-fio') ?? [];
    const iops: Record<string, number> = {};
    CASES.forEach((c, i) => {
      const l = lines[i];
      if (!l || l.status !== 'ok') {
        throw new Error(`${backend}: no result for fio ${key(c)}${describeRun(run)}${serve ? `\nserve:\n${serve.output.slice(-2000)}` : `\nqsd:\n${qsd?.output() ?? ''}`}`);
      }
      iops[key(c)] = Number(l.fields.read_iops) + Number(l.fields.write_iops);
    });
    return iops;
  } finally {
    if (serve) await serve.stop('SIGTERM');
    await qsd?.stop();
  }
}

async function main(): Promise<void> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const mib = Number(process.env.BENCH_FIO_MIB ?? 16);
  needQemuTools();
  if (!existsSync(join(__dirname, '..', 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: node scripts/build.mjs');
  const guest = await ensureFioGuest();
  console.log(`guest fio (libaio, direct), ${mib} MiB per case, ${rounds} alternating rounds (serve, qemu-storage-daemon), medians`);
  const scratch = scratchDir('vd-bench-fio-');
  const image = join(scratch.dir, 'disk.img');
  writeFileSync(image, Buffer.alloc(0));
  truncateSync(image, (mib + 16) << 20);
  const samples: Record<Backend, Record<string, number[]>> = { serve: {}, qsd: {} };
  try {
    for (let round = 0; round < rounds; round++) {
      const order: Backend[] = round % 2 ? ['qsd', 'serve'] : ['serve', 'qsd'];
      for (const b of order) {
        const r = await boot(guest, b, scratch.dir, image, mib, round);
        for (const [k, v] of Object.entries(r)) (samples[b][k] ??= []).push(v);
        console.log(`  round ${round + 1} ${b.padEnd(5)} ${CASES.map((c) => `${key(c)}: ${r[key(c)]!.toFixed(0)}`).join('  ')} IOPS`);
      }
    }
  } finally {
    scratch.remove();
  }
  const cases = CASES.map((c) => {
    const serve = median(samples.serve[key(c)] ?? []);
    const qsd = median(samples.qsd[key(c)] ?? []);
    console.log(`${key(c).padEnd(18)} serve ${serve.toFixed(0).padStart(6)}  qsd ${qsd.toFixed(0).padStart(6)} IOPS  serve÷qsd ${(serve / qsd).toFixed(2)}`);
    return { ...c, name: key(c), serveIops: serve, qsdIops: qsd, figure1: serve / qsd };
  });
  saveResult('guest-fio', { figures: [1], rounds, mib, cases, samples });
}

if (require.main === module) void main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
