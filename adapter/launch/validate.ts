/**
 * Validates a `virtio` launch configuration before anything starts. Every problem becomes one error that
 * names the attribute and the fix ("devices[0].disk: ... Fix: ..."), so a bad launch.json never half-starts
 * a session.
 */
import { existsSync, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { isDeviceTypeName } from '../../protocol/device-type';
import { type AttachConfig, type BuiltinWorkload, type LaunchConfig, type QemuConfig } from '../../protocol/launch';
import { allRules, DEFAULT_KICK_DEADLINE_MS, isRuleId } from '../../engine';
import { allDeviceKinds, deviceKind, type ValidDevice } from '../runtime/kinds';
import { closest } from './closest';
import { LaunchError, type ValidWorkload, bool, int, isObj, str, writableDir } from './fields';

export { LaunchError } from './fields';
export type { ValidDevice } from '../runtime/kinds';

export interface ValidLaunch {
  devices: ValidDevice[];
  driver: 'builtin' | 'vhost-user';
  socketDir: string;
  workload: ValidWorkload;
  qemu?: Required<Pick<QemuConfig, 'binary' | 'kernel' | 'memory' | 'args'>> & Pick<QemuConfig, 'initrd' | 'append'>;
  freezeGuestOnStop: boolean;
  stopOnEntry: boolean;
  breakOnViolation: boolean;
  /** When one queue stops, every queue stops (DAP allThreadsStopped). */
  stopAll: boolean;
  strict: boolean;
  kickDeadlineMs: number;
  trace?: string;
}

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
  if (!isDeviceTypeName(type)) {
    const listed = allDeviceKinds().filter((k) => k.launchSchema);
    throw new LaunchError(`${p}type`, `unknown device type ${JSON.stringify(type)}`, `use ${listed.map((k) => `"${k.engine.type}" (${k.engine.name})`).join(', ')}`);
  }
  return deviceKind(type).validate({ raw, at: p, index: i, id, queueSize, cwd });
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
    kickDeadlineMs: int(cfg, 'kickDeadlineMs', '', DEFAULT_KICK_DEADLINE_MS, 0, 3_600_000),
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
