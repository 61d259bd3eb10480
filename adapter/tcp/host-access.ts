/**
 * What a launch configuration (or Debug Console command) would do to the machine the adapter runs on:
 * start programs, create or write files, listen on sockets, send traffic to other hosts. A TCP client may
 * ask for none of it unless the adapter was started with --allow-launch (docs/security.md); the stdio
 * adapter, started by the user's own editor, may ask for all of it.
 *
 * Every attribute of the launch schema must be classified here: test/adapter/tcp-security.test.ts checks
 * that each attribute in package.json is either listed in HOST_ATTRIBUTES or in HARMLESS_ATTRIBUTES.
 */

export const ALLOW_LAUNCH_FLAG = '--allow-launch';

/** Launch attributes that reach the host (top level and per device), with what they would do. */
export const HOST_ATTRIBUTES = {
  qemu: 'would start a program (QEMU, with its binary and arguments)',
  driver: '"vhost-user" would create sockets on this machine',
  socketDir: 'would create sockets in a directory',
  trace: 'would write a file',
  'devices[].disk': 'would open (and write) a file',
  'devices[].createDisk': 'would create a file',
  'devices[].pcap': 'would write a file',
  'devices[].peer': '"udp:HOST:PORT" would send traffic to another host',
  'devices[].entropy': '"file:PATH" would read a file (its bytes land in guest memory, which a client can read)',
} as const;

/** Launch attributes that only shape the in-memory session. */
export const HARMLESS_ATTRIBUTES = [
  'devices',
  'workload',
  'stopOnEntry',
  'breakOnViolation',
  'stopAll',
  'strict',
  'freezeGuestOnStop',
  'kickDeadlineMs',
  'devices[].type',
  'devices[].id',
  'devices[].readonly',
  'devices[].queues',
  'devices[].queueSize',
  'devices[].mac',
] as const;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One line per attribute of `args` that would reach the host; empty when the session stays in memory. */
export function hostAccess(args: unknown): string[] {
  if (!isObj(args)) return [];
  const found: string[] = [];
  const add = (path: string, key: keyof typeof HOST_ATTRIBUTES) => found.push(`"${path}" ${HOST_ATTRIBUTES[key]}`);
  if (args.qemu !== undefined) add('qemu', 'qemu');
  if (args.driver !== undefined && args.driver !== 'builtin') add('driver', 'driver');
  if (args.socketDir !== undefined) add('socketDir', 'socketDir');
  if (args.trace !== undefined) add('trace', 'trace');
  if (Array.isArray(args.devices)) {
    args.devices.forEach((d: unknown, i) => {
      if (!isObj(d)) return;
      if (d.disk !== undefined) add(`devices[${i}].disk`, 'devices[].disk');
      if (d.createDisk !== undefined) add(`devices[${i}].createDisk`, 'devices[].createDisk');
      if (d.pcap !== undefined) add(`devices[${i}].pcap`, 'devices[].pcap');
      if (d.peer !== undefined && d.peer !== 'responder' && d.peer !== 'none') add(`devices[${i}].peer`, 'devices[].peer');
      if (typeof d.entropy === 'string' && d.entropy.startsWith('file:')) add(`devices[${i}].entropy`, 'devices[].entropy');
    });
  }
  return found;
}

/** Debug Console commands that write files (adapter/inspect/repl.ts: `pcap start FILE`). */
export function replWritesFiles(expression: unknown): boolean {
  if (typeof expression !== 'string') return false;
  const [cmd, sub] = expression.trim().split(/\s+/);
  return cmd === 'pcap' && sub === 'start';
}
