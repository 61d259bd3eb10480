/**
 * The `virtio` launch and attach configurations (docs/architecture.md, "Contracts"). Shared by the extension (configuration
 * provider, snippets) and the adapter (validation). Only types and the attribute names live here.
 */

export interface BlkDeviceConfig {
  type: 'blk';
  id: string;
  /** Raw disk image; created by the adapter when `createDisk` is set and the file does not exist. */
  disk: string;
  readonly?: boolean;
  queues?: number;
  queueSize?: number;
  /** Size in MiB for a disk image the adapter creates when missing. */
  createDisk?: number;
}

export interface NetDeviceConfig {
  type: 'net';
  id: string;
  mac?: string;
  /** "responder" (default), "udp:HOST:PORT" or "none". */
  peer?: string;
  pcap?: string;
  queues?: number;
  queueSize?: number;
}

export interface RngDeviceConfig {
  type: 'rng';
  id: string;
  /** "random" (default), "file:PATH" or "seed:N" (a reproducible stream). */
  entropy?: string;
  queueSize?: number;
}

export type DeviceConfig = BlkDeviceConfig | NetDeviceConfig | RngDeviceConfig;

/** What the built-in reference driver does (driver: "builtin"). */
export interface BuiltinWorkload {
  /** blk: "readwrite" mix (default) | "read" | "write"; net: "ping" (default) | "flood". */
  kind?: 'readwrite' | 'read' | 'write' | 'ping' | 'flood';
  /** Requests (blk) or frames/pings (net) per device; default 16. */
  count?: number;
  /** Ring layout the driver negotiates; default "split". */
  layout?: 'split' | 'packed';
  /** Commit this rule violation on purpose (e.g. "split-desc-zero-length"), to learn what it looks like. */
  violation?: string;
  /** Pause between requests, ms (so a human can watch); default 0. */
  delayMs?: number;
}

export interface QemuConfig {
  /** qemu-system-x86_64 by default. */
  binary?: string;
  kernel: string;
  initrd?: string;
  append?: string;
  memory?: string;
  args?: string[];
}

export interface LaunchConfig {
  type: 'virtio';
  request: 'launch';
  name?: string;
  devices: DeviceConfig[];
  driver?: 'builtin' | 'vhost-user';
  socketDir?: string;
  workload?: BuiltinWorkload;
  qemu?: QemuConfig;
  /** Freeze the QEMU guest (QMP stop/cont) while the session is stopped; default true. */
  freezeGuestOnStop?: boolean;
  stopOnEntry?: boolean;
  breakOnViolation?: boolean;
  /** When one queue stops every queue stops (default true); false: a breakpoint or step stops its queue only. */
  stopAll?: boolean;
  /** Every violation stops its queue, the servable ones (severity error) too (as `serve --strict`); default false. */
  strict?: boolean;
  /** driver "vhost-user": buffers made available without a due kick for this long are reported
   *  (split/packed-notify-missing), as `serve --kick-deadline-ms`; default 1000, 0 turns the check off. */
  kickDeadlineMs?: number;
  /** JSON-lines trace file. */
  trace?: string;
}

export interface AttachConfig {
  type: 'virtio';
  request: 'attach';
  name?: string;
  port: number;
  host?: string;
  /** The token `virtio-debug dap --port N` printed at start (or keeps in its --token-file); checked before
   *  anything else is honoured. The attach request carries it (plus, optionally, the launch attributes). */
  token: string;
}
