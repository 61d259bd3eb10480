/**
 * Validates a `virtio` launch configuration before anything starts. Every problem becomes one error that
 * names the attribute and the fix ("devices[0].disk: ... Fix: ..."), so a bad launch.json never half-starts
 * a session.
 */
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import {
  type AttachConfig,
  type BlkDeviceConfig,
  type BuiltinWorkload,
  type DeviceConfig,
  type LaunchConfig,
  type NetDeviceConfig,
  type QemuConfig,
} from '../../protocol/launch';
import { allRules, isRuleId, type RuleId } from '../../engine';
import { closest } from './closest';

export class LaunchError extends Error {
  constructor(
    readonly attribute: string,
    problem: string,
    readonly fix: string,
  ) {
    super(`${attribute}: ${problem}. Fix: ${fix}`);
  }
}

/** A device entry after validation: paths absolute, defaults filled. */
export type ValidDevice =
  | (Required<Pick<BlkDeviceConfig, 'type' | 'id' | 'disk' | 'readonly' | 'queues' | 'queueSize'>> & { createDisk?: number })
  | (Required<Pick<NetDeviceConfig, 'type' | 'id' | 'mac' | 'peer' | 'queues' | 'queueSize'>> & { pcap?: string })
  | { type: 'echo'; id: string; queueSize: number };

export interface ValidLaunch {
  devices: ValidDevice[];
  driver: 'builtin' | 'vhost-user';
  socketDir: string;
  workload: Required<Omit<BuiltinWorkload, 'violation' | 'kind'>> & Pick<BuiltinWorkload, 'kind'> & { violation?: RuleId };
  qemu?: Required<Pick<QemuConfig, 'binary' | 'kernel' | 'memory' | 'args'>> & Pick<QemuConfig, 'initrd' | 'append'>;
  freezeGuestOnStop: boolean;
  stopOnEntry: boolean;
  breakOnViolation: boolean;
  /** When one queue stops, every queue stops (DAP allThreadsStopped). */
  stopAll: boolean;
  strict: boolean;
  trace?: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function bool(o: Record<string, unknown>, key: string, path: string, dflt: boolean): boolean {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new LaunchError(`${path}${key}`, `must be true or false, not ${JSON.stringify(v)}`, `write ${key}: ${dflt}`);
  return v;
}

function int(o: Record<string, unknown>, key: string, path: string, dflt: number, min: number, max: number): number {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new LaunchError(`${path}${key}`, `must be an integer from ${min} to ${max}, not ${JSON.stringify(v)}`, `write ${key}: ${dflt}`);
  }
  return v;
}

function str(o: Record<string, unknown>, key: string, path: string): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new LaunchError(`${path}${key}`, `must be a non-empty string, not ${JSON.stringify(v)}`, `set ${key} to a string or remove it`);
  return v;
}

/** The directory must exist (or be creatable) and be writable. Created one level at a time: Node's recursive
 *  mkdir spins forever on some pseudo file systems (e.g. under /proc). */
function writableDir(dir: string, attribute: string): void {
  try {
    const missing: string[] = [];
    let cur = resolve(dir);
    while (!existsSync(cur)) {
      missing.unshift(cur);
      const parent = dirname(cur);
      if (parent === cur) break;
      cur = parent;
    }
    for (const m of missing) mkdirSync(m);
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new LaunchError(attribute, `directory ${dir} is not writable (${(e as Error).message})`, `point ${attribute} at a directory you can write to`);
  }
}

const MAC_RE = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i;
const ID_RE = /^[a-z][a-z0-9_-]{0,31}$/;

function validateDevice(raw: unknown, i: number, cwd: string, seen: Set<string>): ValidDevice {
  const p = `devices[${i}].`;
  if (!isObj(raw)) throw new LaunchError(`devices[${i}]`, 'must be an object like { "type": "blk", "id": "blk0", "disk": "disk.img" }', 'describe the device as an object');
  const type = raw.type;
  const id = raw.id ?? `${String(type)}${i}`;
  if (typeof id !== 'string' || !ID_RE.test(id)) {
    throw new LaunchError(`${p}id`, `"${String(id)}" is not a valid device id`, 'use a short lowercase name such as "blk0" or "net0"');
  }
  if (seen.has(id)) throw new LaunchError(`${p}id`, `"${id}" is used by two devices`, 'give every device its own id');
  seen.add(id);
  const queueSize = int(raw, 'queueSize', p, 256, 1, 32768);
  if (queueSize & (queueSize - 1)) {
    throw new LaunchError(`${p}queueSize`, `${queueSize} is not a power of two (split rings need one)`, 'use 64, 128, 256, ...');
  }
  switch (type) {
    case 'blk': {
      const disk = str(raw, 'disk', p);
      if (!disk) throw new LaunchError(`${p}disk`, 'is missing', 'set "disk" to a raw image file (e.g. "${workspaceFolder}/disk.img")');
      const abs = isAbsolute(disk) ? disk : resolve(cwd, disk);
      const createDisk = raw.createDisk === undefined ? undefined : int(raw, 'createDisk', p, 64, 1, 1 << 20);
      if (!existsSync(abs)) {
        if (createDisk === undefined) {
          throw new LaunchError(`${p}disk`, `file ${abs} does not exist`, `create it (e.g. truncate -s 64M ${abs}) or add "createDisk": 64 to create a 64 MiB image`);
        }
        writableDir(dirname(abs), `${p}disk`);
      } else {
        const st = statSync(abs);
        if (!st.isFile()) throw new LaunchError(`${p}disk`, `${abs} is not a regular file`, 'point "disk" at a raw image file');
        if (st.size % 512 !== 0 || st.size === 0) {
          throw new LaunchError(`${p}disk`, `${abs} is ${st.size} bytes, not a non-zero multiple of 512 (truncated image?)`, `resize it (truncate -s 64M ${abs})`);
        }
      }
      const readonly = bool(raw, 'readonly', p, false);
      try {
        if (existsSync(abs)) accessSync(abs, readonly ? constants.R_OK : constants.R_OK | constants.W_OK);
      } catch {
        throw new LaunchError(`${p}disk`, `${abs} is not ${readonly ? 'readable' : 'readable and writable'}`, readonly ? 'fix the file permissions' : 'fix the file permissions or set "readonly": true');
      }
      return {
        type: 'blk',
        id,
        disk: abs,
        readonly,
        queues: int(raw, 'queues', p, 1, 1, 16),
        queueSize,
        ...(createDisk !== undefined ? { createDisk } : {}),
      };
    }
    case 'net': {
      const mac = str(raw, 'mac', p) ?? `52:54:00:12:34:${(0x56 + i).toString(16).padStart(2, '0')}`;
      if (!MAC_RE.test(mac)) throw new LaunchError(`${p}mac`, `"${mac}" is not a MAC address`, 'write six hex bytes separated by colons, e.g. "52:54:00:12:34:56"');
      if (parseInt(mac.slice(0, 2), 16) & 1) throw new LaunchError(`${p}mac`, `"${mac}" is a multicast address`, 'use a unicast address: the lowest bit of the first byte must be 0 (e.g. 52:...)');
      const peer = str(raw, 'peer', p) ?? 'responder';
      if (!/^(responder|none|udp:[^:]+:\d{1,5})$/.test(peer)) {
        throw new LaunchError(`${p}peer`, `"${peer}" is not a peer`, 'use "responder", "none" or "udp:HOST:PORT"');
      }
      const pcap = str(raw, 'pcap', p);
      const pcapAbs = pcap ? (isAbsolute(pcap) ? pcap : resolve(cwd, pcap)) : undefined;
      if (pcapAbs) writableDir(dirname(pcapAbs), `${p}pcap`);
      return {
        type: 'net',
        id,
        mac: mac.toLowerCase(),
        peer,
        queues: int(raw, 'queues', p, 1, 1, 16),
        queueSize,
        ...(pcapAbs ? { pcap: pcapAbs } : {}),
      };
    }
    case 'echo':
      return { type: 'echo', id, queueSize };
    default:
      throw new LaunchError(`${p}type`, `unknown device type ${JSON.stringify(type)}`, 'use "blk" (virtio-blk) or "net" (virtio-net)');
  }
}

function findOnPath(binary: string): string | undefined {
  if (binary.includes('/')) return existsSync(binary) ? binary : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, binary);
    if (existsSync(p)) return p;
  }
  return undefined;
}

export function validateLaunch(raw: unknown, cwd = process.cwd()): ValidLaunch {
  if (!isObj(raw)) throw new LaunchError('configuration', 'is not an object', 'check launch.json');
  const cfg = raw as Partial<LaunchConfig> & Record<string, unknown>;
  if (!Array.isArray(cfg.devices) || cfg.devices.length === 0) {
    throw new LaunchError('devices', 'must list at least one device', 'add e.g. "devices": [{ "type": "blk", "id": "blk0", "disk": "disk.img", "createDisk": 64 }]');
  }
  const seen = new Set<string>();
  const devices = (cfg.devices as unknown[]).map((d, i) => validateDevice(d, i, cwd, seen));
  const driver = cfg.driver ?? 'builtin';
  if (driver !== 'builtin' && driver !== 'vhost-user') {
    throw new LaunchError('driver', `unknown driver ${JSON.stringify(driver)}`, 'use "builtin" (reference driver, no VM) or "vhost-user" (QEMU or another front end)');
  }
  const socketDir = resolve(cwd, str(cfg, 'socketDir', '') ?? '.virtio');
  if (driver === 'vhost-user') writableDir(socketDir, 'socketDir');

  const w = isObj(cfg.workload) ? cfg.workload : {};
  if (cfg.workload !== undefined && !isObj(cfg.workload)) throw new LaunchError('workload', 'must be an object', 'e.g. "workload": { "kind": "readwrite", "count": 16 }');
  const kind = w.kind;
  if (kind !== undefined && !['readwrite', 'read', 'write', 'ping', 'flood'].includes(kind as string)) {
    throw new LaunchError('workload.kind', `unknown workload ${JSON.stringify(kind)}`, 'use "readwrite", "read" or "write" for blk, "ping" or "flood" for net');
  }
  const layout = w.layout ?? 'split';
  if (layout !== 'split' && layout !== 'packed') throw new LaunchError('workload.layout', `must be "split" or "packed", not ${JSON.stringify(layout)}`, 'write "layout": "split"');
  const violation = str(w, 'violation', 'workload.');
  if (violation !== undefined && !isRuleId(violation)) {
    const ids = allRules().map((r) => r.id);
    throw new LaunchError(
      'workload.violation',
      `unknown rule id ${JSON.stringify(violation)}`,
      `use a rule id of the catalogue (${ids.length} rules, listed by the launch.json completion), e.g. the closest: ${closest(violation, ids, 3).join(', ')}`,
    );
  }
  const workload = {
    count: int(w, 'count', 'workload.', 16, 1, 1_000_000),
    layout: layout as 'split' | 'packed',
    delayMs: int(w, 'delayMs', 'workload.', 0, 0, 60_000),
    ...(kind ? { kind: kind as BuiltinWorkload['kind'] } : {}),
    ...(violation ? { violation } : {}),
  };

  let qemu: ValidLaunch['qemu'];
  if (cfg.qemu !== undefined) {
    if (driver !== 'vhost-user') throw new LaunchError('qemu', 'only makes sense with "driver": "vhost-user"', 'set "driver": "vhost-user" or remove "qemu"');
    if (!isObj(cfg.qemu)) throw new LaunchError('qemu', 'must be an object', 'e.g. "qemu": { "kernel": "bzImage", "initrd": "initrd.img" }');
    const q = cfg.qemu;
    const binary = str(q, 'binary', 'qemu.') ?? 'qemu-system-x86_64';
    const found = findOnPath(binary);
    if (!found) throw new LaunchError('qemu.binary', `${binary} was not found`, 'install QEMU (Debian: apt-get install qemu-system-x86) or set "binary" to its path');
    const kernel = str(q, 'kernel', 'qemu.');
    if (!kernel) throw new LaunchError('qemu.kernel', 'is missing', 'set "kernel" to the guest kernel image');
    const kernelAbs = resolve(cwd, kernel);
    if (!existsSync(kernelAbs)) throw new LaunchError('qemu.kernel', `file ${kernelAbs} does not exist`, 'point "kernel" at a bzImage/vmlinuz');
    const initrd = str(q, 'initrd', 'qemu.');
    const initrdAbs = initrd ? resolve(cwd, initrd) : undefined;
    if (initrdAbs && !existsSync(initrdAbs)) throw new LaunchError('qemu.initrd', `file ${initrdAbs} does not exist`, 'point "initrd" at an initramfs or remove it');
    const memory = str(q, 'memory', 'qemu.') ?? '512M';
    if (!/^\d+[MG]$/.test(memory)) throw new LaunchError('qemu.memory', `"${memory}" is not a size`, 'write e.g. "512M" or "1G"');
    const args = q.args ?? [];
    if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) throw new LaunchError('qemu.args', 'must be an array of strings', 'e.g. "args": ["-smp", "2"]');
    const append = str(q, 'append', 'qemu.');
    qemu = { binary: found, kernel: kernelAbs, memory, args, ...(initrdAbs ? { initrd: initrdAbs } : {}), ...(append ? { append } : {}) };
  }
  const trace = str(cfg, 'trace', '');
  const traceAbs = trace ? resolve(cwd, trace) : undefined;
  if (traceAbs) {
    writableDir(dirname(traceAbs), 'trace');
    if (existsSync(traceAbs) && statSync(traceAbs).isDirectory()) throw new LaunchError('trace', `${traceAbs} is a directory`, 'point "trace" at a file, e.g. "${workspaceFolder}/trace.jsonl"');
  }
  return {
    devices,
    driver,
    socketDir,
    workload,
    ...(qemu ? { qemu } : {}),
    freezeGuestOnStop: bool(cfg, 'freezeGuestOnStop', '', true),
    stopOnEntry: bool(cfg, 'stopOnEntry', '', false),
    breakOnViolation: bool(cfg, 'breakOnViolation', '', true),
    stopAll: bool(cfg, 'stopAll', '', true),
    strict: bool(cfg, 'strict', '', false),
    ...(traceAbs ? { trace: traceAbs } : {}),
  };
}

export function validateAttach(raw: unknown): { port: number; host: string } {
  if (!isObj(raw)) throw new LaunchError('configuration', 'is not an object', 'check launch.json');
  const a = raw as Partial<AttachConfig> & Record<string, unknown>;
  const port = int(a, 'port', '', 0, 1, 65535);
  if (!port) throw new LaunchError('port', 'is missing', 'set "port" to the port of `virtio-debug dap --port N`');
  return { port, host: str(a, 'host', '') ?? '127.0.0.1' };
}

/** Devices in a launch: accessor used where the config type matters. */
export function isDevice<T extends DeviceConfig['type'] | 'echo'>(d: ValidDevice, t: T): d is Extract<ValidDevice, { type: T }> {
  return d.type === t;
}
