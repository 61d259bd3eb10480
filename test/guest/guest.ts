// Helpers for guest tests: build the Linux test guest (build-guest.sh), assemble the QEMU command line
// measured in docs/architecture.md ("Measured facts"), boot it and collect the "VDTEST ..." result lines that its /init (init.sh) prints.
import { execFile, spawnSync, type ChildProcess } from 'node:child_process';
import { spawnTied } from '../../adapter/qemu/spawn-tied';
import assert from 'node:assert/strict';
import { join } from 'node:path';

/** The kernel and initramfs built by build-guest.sh (cached outside the repository). */
export interface GuestImage {
  kernel: string;
  initrd: string;
  /** Kernel release, e.g. 6.1.0-56-cloud-amd64. */
  release: string;
}

let building: Promise<GuestImage> | undefined;

/** Builds (or finds in the cache) the guest kernel + initramfs; once per process. */
export function ensureGuest(): Promise<GuestImage> {
  building ??= new Promise<GuestImage>((resolve, reject) => {
    const script = join(__dirname, 'build-guest.sh');
    execFile('bash', [script], { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`test/guest/build-guest.sh failed (${err.message.split('\n')[0]}):\n${stderr}`));
        return;
      }
      const out: Record<string, string | undefined> = {};
      for (const m of stdout.matchAll(/^(\w+)=(.*)$/gm)) out[m[1] as string] = m[2];
      if (!out.kernel || !out.initrd || !out.release) {
        reject(new Error(`test/guest/build-guest.sh printed no kernel/initrd:\n${stdout}${stderr}`));
        return;
      }
      resolve({ kernel: out.kernel, initrd: out.initrd, release: out.release });
    });
  });
  return building;
}

/** A vhost-user device QEMU connects to (the back end must already listen on `socket`). */
export interface VhostUserDevice {
  kind: 'blk' | 'net' | 'rng';
  socket: string;
  /**
   * blk: request queues (num-queues); net: queue pairs (queues=, mq=on when > 1). Default 1; 'qemu' leaves
   * QEMU's own default (blk: one request queue per vCPU).
   */
  numQueues?: number | 'qemu';
  packed?: boolean;
  /** net only. */
  mac?: string;
  /** Seconds after which QEMU reconnects when the back end goes away (chardev reconnect=). */
  reconnect?: number;
}

/** A raw image served by QEMU's own virtio-blk-pci (no vhost-user): the reference to compare against. */
export interface QemuDisk {
  file: string;
  readonly?: boolean;
}

export interface QemuOptions {
  kernel: string;
  initrd: string;
  /** init.sh steps, e.g. ['blk-info', 'net-ping:10.0.2.2:5']; joined into vdtest=. */
  steps?: readonly string[];
  /** More kernel command line. */
  append?: string;
  /** Guest RAM: '256M' or MiB. Default 256 MiB. */
  memory?: string | number;
  vhostUser?: readonly VhostUserDevice[];
  disks?: readonly QemuDisk[];
  /** QEMU's own virtio-net-pci on user-mode networking (10.0.2.2 answers ping). */
  userNet?: boolean;
  /** Let a guest reboot restart it (no -no-reboot). Default: when a step is 'reboot'. */
  allowReboot?: boolean;
  extraArgs?: readonly string[];
}

/** The command line for qemu-system-x86_64: TCG, q35, shared memfd RAM (vhost-user needs it), serial on stdio. */
export function qemuArgs(o: QemuOptions): string[] {
  const memory = typeof o.memory === 'number' ? `${o.memory}M` : (o.memory ?? '256M');
  if (!/^\d+[MG]$/.test(memory)) throw new Error(`memory must look like 256M or 1G, not ${memory}`);
  const steps = o.steps ?? [];
  for (const s of steps) {
    if (!/^[a-z0-9-]+(:[^\s,:]+)*$/.test(s)) throw new Error(`bad vdtest step ${JSON.stringify(s)}`);
  }
  // no_timer_check: under TCG on a loaded host the kernel's IO-APIC timer check can fail and panic the boot.
  const cmdline = ['console=ttyS0', 'no_timer_check', 'panic=-1', 'quiet'];
  if (steps.length) cmdline.push(`vdtest=${steps.join(',')}`);
  if (o.append) cmdline.push(o.append);
  const args = [
    '-nodefaults', '-nographic', '-serial', 'stdio', '-accel', 'tcg', '-smp', '1',
    '-m', memory,
    '-object', `memory-backend-memfd,id=mem,size=${memory},share=on`,
    '-machine', 'q35,memory-backend=mem',
    '-kernel', o.kernel, '-initrd', o.initrd, '-append', cmdline.join(' '),
  ];
  const allowReboot = o.allowReboot ?? steps.some((s) => s === 'reboot');
  if (!allowReboot) args.push('-no-reboot');
  (o.disks ?? []).forEach((d, i) => {
    if (/,/.test(d.file)) throw new Error(`a disk path with a comma needs escaping: ${d.file}`);
    args.push('-drive', `file=${d.file},format=raw,if=none,id=disk${i}${d.readonly ? ',readonly=on' : ''}`);
    args.push('-device', `virtio-blk-pci,drive=disk${i}`);
  });
  if (o.userNet) args.push('-netdev', 'user,id=usernet', '-device', 'virtio-net-pci,netdev=usernet');
  (o.vhostUser ?? []).forEach((v, i) => {
    if (/,/.test(v.socket)) throw new Error(`a socket path with a comma needs escaping: ${v.socket}`);
    const queues = v.numQueues === 'qemu' ? 1 : (v.numQueues ?? 1);
    const blkQueues = v.numQueues === 'qemu' ? '' : `,num-queues=${queues}`;
    const packed = v.packed ? ',packed=on' : '';
    args.push('-chardev', `socket,id=vu${i},path=${v.socket}${v.reconnect ? `,reconnect=${v.reconnect}` : ''}`);
    if (v.kind === 'blk') {
      args.push('-device', `vhost-user-blk-pci,chardev=vu${i}${blkQueues}${packed}`);
    } else if (v.kind === 'rng') {
      args.push('-device', `vhost-user-rng-pci,chardev=vu${i}${packed}`);
    } else {
      // vectors=0: QEMU 7.2 under TCG segfaults in vhost_net_start without it (docs/architecture.md, "Measured facts").
      args.push('-netdev', `vhost-user,id=vun${i},chardev=vu${i}${queues > 1 ? `,queues=${queues}` : ''}`);
      args.push('-device', `virtio-net-pci,netdev=vun${i},vectors=0${queues > 1 ? ',mq=on' : ''}${packed}${v.mac ? `,mac=${v.mac}` : ''}`);
    }
  });
  args.push(...(o.extraArgs ?? []));
  return args;
}

/** One "VDTEST <step> <status> key=value ..." line. */
export interface VdtestLine {
  step: string;
  /** ok | fail (empty for "VDTEST done"). */
  status: string;
  fields: Record<string, string>;
  raw: string;
}

/** Parses a console line; the marker may follow firmware escape sequences on the same line. */
export function parseVdtestLine(line: string): VdtestLine | undefined {
  const at = line.indexOf('VDTEST ');
  if (at < 0) return undefined;
  const raw = line.slice(at).replace(/\r$/, '');
  const tokens = raw.slice('VDTEST '.length).match(/[^\s"=]+="[^"]*"|\S+/g) ?? [];
  const [step = '', status = '', ...rest] = tokens;
  const fields: Record<string, string> = {};
  for (const t of rest) {
    const eq = t.indexOf('=');
    if (eq <= 0) continue;
    const value = t.slice(eq + 1);
    fields[t.slice(0, eq)] = value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  }
  return { step, status: step === 'done' ? '' : status, fields, raw };
}

/** The bytes blk-write-pattern writes: 16-byte records "%015x\n" of each record's own disk offset. */
export function patternBytes(offset: number, length: number): Buffer {
  let s = '';
  for (let i = 0; i < length; i += 16) s += `${(offset + i).toString(16).padStart(15, '0')}\n`;
  return Buffer.from(s, 'latin1');
}

export interface GuestBoot {
  lines: VdtestLine[];
  /** The boot reached "VDTEST done". */
  done: boolean;
}

export interface GuestRun {
  boots: GuestBoot[];
  /** Everything on the serial console (and QEMU's stderr, prefixed "qemu: "). */
  console: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  durationMs: number;
}

export interface RunGuestOptions extends QemuOptions {
  /** Default 120 s: a TCG boot takes a few seconds, a loaded CI machine more. */
  timeoutMs?: number;
  /** Boots to wait for when the steps reboot; QEMU is stopped after that many "VDTEST done". Default 1. */
  boots?: number;
  /** QEMU binary. Default: $VIRTIO_DEBUG_QEMU or qemu-system-x86_64. */
  qemu?: string;
  /** Every parsed result line as it arrives (e.g. to act on the guest's progress). */
  onLine?: (line: VdtestLine) => void;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Boots QEMU, collects the result lines, and stops QEMU (poweroff, enough boots, or timeout). */
export function runGuest(o: RunGuestOptions): Promise<GuestRun> {
  const qemu = o.qemu ?? process.env.VIRTIO_DEBUG_QEMU ?? 'qemu-system-x86_64';
  const args = qemuArgs(o);
  const wantedBoots = o.boots ?? 1;
  const started = Date.now();
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A test process that exits early must not leave QEMU running.
    process.on('exit', () => {
      for (const c of running) c.kill('SIGKILL');
    });
  }
  return new Promise<GuestRun>((resolve, reject) => {
    const child = spawnTied(qemu, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    const boots: GuestBoot[] = [];
    let consoleText = '';
    let partial = '';
    let timedOut = false;
    let finished = false;
    let killTimer: NodeJS.Timeout | undefined;

    const stop = () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      killTimer ??= setTimeout(() => child.kill('SIGKILL'), 3000);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, o.timeoutMs ?? 120_000);

    const onConsoleLine = (line: string) => {
      const parsed = parseVdtestLine(line);
      if (!parsed) return;
      if (parsed.step === 'boot') boots.push({ lines: [], done: false });
      const boot = boots[boots.length - 1];
      if (!boot) return; // a result line before any boot line: cannot happen with init.sh
      boot.lines.push(parsed);
      o.onLine?.(parsed);
      if (parsed.step === 'done') {
        boot.done = true;
        // poweroff ends QEMU by itself; a rebooting guest would start over, so stop it after enough boots.
        if (boots.filter((b) => b.done).length >= wantedBoots && boot.lines.some((l) => l.step === 'reboot')) {
          stop();
        }
      }
    };

    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (chunk: string) => {
      consoleText += chunk;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      lines.forEach(onConsoleLine);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      consoleText += chunk.replace(/^(?=.)/gm, 'qemu: ');
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      running.delete(child);
      reject(
        err.code === 'ENOENT'
          ? new Error(`${qemu} not found: install Debian's qemu-system-x86 (apt-get install qemu-system-x86)`)
          : err,
      );
    });
    child.on('close', (exitCode, signal) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      running.delete(child);
      if (partial) onConsoleLine(partial);
      resolve({ boots, console: consoleText, exitCode, signal, timedOut, durationMs: Date.now() - started });
    });
  });
}

/** The result line of `step` in boot `boot` (default the first); throws with the console tail if absent. */
export function stepResult(run: GuestRun, step: string, boot = 0): VdtestLine {
  const line = run.boots[boot]?.lines.find((l) => l.step === step);
  if (!line) {
    throw new Error(`no "VDTEST ${step}" line in boot ${boot}${describeRun(run)}`);
  }
  return line;
}

/** A short account of a run for assertion messages: how it ended and the last console lines. */
export function describeRun(run: GuestRun): string {
  const how = run.timedOut ? 'timed out' : `exit ${run.exitCode ?? run.signal}`;
  const tail = run.console.split('\n').filter((l) => !l.includes('VDLOG')).slice(-25).join('\n');
  return ` (QEMU ${how} after ${run.durationMs} ms; console tail:\n${tail})`;
}

/** A second QEMU to run the guest tests against: the binary and what it needs on its command line. */
export interface OtherQemu {
  binary: string;
  /** -L with the extracted firmware folder. */
  args: string[];
  version: string;
}

let qemu10: Promise<OtherQemu> | undefined;

/** QEMU 10.0 from bookworm-backports, extracted into the cache by fetch-qemu.sh (once per process). */
export function ensureQemu10(): Promise<OtherQemu> {
  qemu10 ??= new Promise<OtherQemu>((resolve, reject) => {
    execFile('bash', [join(__dirname, 'fetch-qemu.sh')], { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`test/guest/fetch-qemu.sh failed (${err.message.split('\n')[0]}):\n${stderr}`));
        return;
      }
      const root = stdout.trim();
      const binary = join(root, 'usr/bin/qemu-system-x86_64');
      const version = spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? '';
      resolve({ binary, args: ['-L', join(root, 'usr/share/qemu')], version });
    });
  });
  return qemu10;
}

let qemuGuest: Promise<GuestImage> | undefined;

/** QEMU must be installed (the test fails with the install command otherwise); then the guest is built. */
export function ensureQemuGuest(): Promise<GuestImage> {
  qemuGuest ??= (async () => {
    const qemu = process.env.VIRTIO_DEBUG_QEMU ?? 'qemu-system-x86_64';
    const version = spawnSync(qemu, ['--version'], { encoding: 'utf8' });
    assert.equal(version.status, 0, `${qemu} is missing: apt-get install qemu-system-x86 (listed in .ci/run)`);
    return ensureGuest();
  })();
  return qemuGuest;
}

let fioGuest: Promise<GuestImage> | undefined;
/**
 * The guest with Debian's fio in its initramfs (build-fio-initrd.sh: the base initramfs + fio and its
 * libraries), for the `blk-fio` step. Boot it with `memory: 512` or more.
 */
export function ensureFioGuest(): Promise<GuestImage> {
  fioGuest ??= ensureQemuGuest().then(
    (base) =>
      new Promise<GuestImage>((resolve, reject) => {
        execFile('bash', [join(__dirname, 'build-fio-initrd.sh'), base.initrd], { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
          const initrd = /^initrd=(.*)$/m.exec(stdout)?.[1];
          if (err || !initrd) reject(new Error(`test/guest/build-fio-initrd.sh failed:\n${stderr}${stdout}`));
          else resolve({ ...base, initrd });
        });
      }),
  );
  return fioGuest;
}
