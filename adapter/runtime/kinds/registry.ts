/**
 * The adapter side of a device type (issue 10; docs/architecture.md, "How a device type is assembled"): one
 * object per type with everything the adapter and the cli do with it, keyed on its engine descriptor.
 * `index.ts` registers every kind once; the sessions, launch validation, the QEMU command line, the Variables
 * view, the REPL and `serve` look the kind up and never branch on the type's name.
 */
import type { Chain, DecodedLayer, DeviceTypeDescriptor, FaultPlan, GuestMemory, InProcessMachine, QueueRuntime, Trace, VirtioDevice } from '../../../engine';
import { type DeviceTypeName } from '../../../protocol/device-type';
import { type DeviceEntry, type ValidWorkload } from '../../launch/fields';

/** What every validated device entry has. */
export interface ValidDeviceBase {
  type: DeviceTypeName;
  id: string;
  queueSize: number;
}

export interface PreparedDevice {
  /** Builds the device on the machine's memory and trace. */
  create(mem: GuestMemory, trace: Trace): VirtioDevice;
  /** Called once the device exists (connect peers, open captures). */
  attach?(device: VirtioDevice): Promise<void> | void;
  /** Releases backends (flushes the disk, closes captures and sockets). */
  close(): Promise<void>;
}

export interface WorkloadContext {
  machine: InProcessMachine;
  workload: ValidWorkload;
  fault?: FaultPlan;
  log: (line: string) => void;
}

/** How the built-in driver session creates the device and runs the reference driver's workload. */
export interface BuiltinKind<C> {
  prepare(cfg: C): Promise<PreparedDevice>;
  /** Brings the device to DRIVER_OK (default: the reference driver's init sequence). */
  init?(machine: InProcessMachine, faults: FaultPlan[]): void;
  /** Runs the workload; resolves with a one-line summary. */
  run(ctx: WorkloadContext): Promise<{ ok: boolean; summary: string }>;
}

/** A device behind a vhost-user socket (a launch with `driver: "vhost-user"`, or `virtio-debug serve`). */
export interface ServedDevice {
  device: VirtioDevice;
  /** One line for the start-up message: `virtio-rng, entropy seed:42`. */
  description: string;
  /** After a front end disconnected (rings stopped): make the data durable. */
  onDisconnect(): Promise<void>;
  /** At exit. */
  close(): Promise<void>;
}

/** A `serve` flag: how the cli parses it (the shape of cli/args.ts FlagSpec). */
export interface ServeFlag {
  type: 'boolean' | 'string' | 'integer';
  min?: number;
  max?: number;
}

/**
 * Queues (blk) or queue pairs (net) `serve` offers when --queues is not given. QEMU's vhost-user-blk-pci asks
 * for one request queue per vCPU unless told otherwise, and a back end offering fewer makes QEMU exit; the
 * front end uses only what it asks for, so offering the maximum a guest commonly asks for costs nothing.
 */
export const DEFAULT_SERVE_QUEUES = 16;

/** `virtio-debug serve <type>`: its own flags, and how they become the same config a launch.json gives. */
export interface ServeKind<C> {
  /** Flags besides the common --socket, --trace, --strict. */
  readonly flags: Record<string, ServeFlag>;
  /** `serve <type> --help`: the usage line first, then one line per flag. */
  readonly usage: string;
  /** The flags as a device config (throws an Error whose message names the flag). */
  config(flags: Record<string, string | number | boolean>): C;
}

/** Decodes a pending chain for the Chain scope and breakpoint conditions. */
export type ChainDecoder = (device: VirtioDevice, q: QueueRuntime, chain: Chain) => DecodedLayer[];

/** A kind's shortcut to its decoder's values for one chain (AdapterDeviceKind.conditionValues). */
export type ConditionValues = (device: VirtioDevice, q: QueueRuntime, chain: Chain) => ReadonlyMap<string, DecodedLayer['values'][string]> | undefined;

/** Things the debugger can do to a device from the host side (REPL, setVariable). */
export interface HostActions {
  /** setVariable on a config field: returns the new display value, or throws with a clear refusal. */
  setConfig?(device: VirtioDevice, field: string, value: string): string | Promise<string>;
  link?(device: VirtioDevice, up: boolean): void;
  injectFrame?(device: VirtioDevice, frame: Uint8Array): void;
  pcapStart?(device: VirtioDevice, path: string): void;
  pcapStop?(device: VirtioDevice): void;
}

/** A JSON schema object (package.json `contributes.debuggers[].configurationAttributes`). */
export type JsonSchema = Record<string, unknown>;

export interface AdapterDeviceKind<C extends ValidDeviceBase = ValidDeviceBase> {
  /** The engine side: type name, device id, features, config layout, rules, queues, factory. */
  readonly engine: DeviceTypeDescriptor<never, VirtioDevice>;
  /** launch.json: the entry's own attributes → the checked config (paths absolute, defaults filled). */
  validate(entry: DeviceEntry): C;
  /** launch.json schema: the description of the type and its own attributes (scripts/gen-schema.mjs). */
  readonly launchSchema?: { readonly description: string; readonly properties: Record<string, JsonSchema> };
  readonly builtin: BuiltinKind<C>;
  /** Served over vhost-user; absent: the type runs with the built-in driver only. */
  vhostUser?(cfg: C, mem: GuestMemory, trace: Trace, log: (line: string) => void): Promise<ServedDevice>;
  readonly serve?: ServeKind<C>;
  /** QEMU's `-chardev` is given; the rest of the command line for this device. */
  qemuDeviceArgs?(cfg: C, chardev: string): string[];
  readonly decodeChain?: ChainDecoder;
  /**
   * The values of `decodeChain`'s layers (what a breakpoint condition tests), computed without decoding the
   * whole chain where the kind can: a condition runs for every chain. Undefined for a chain: decode it.
   */
  readonly conditionValues?: ConditionValues;
  /** The roots of the values its decoder gives breakpoint conditions (`req` for `req.sector`). */
  readonly conditionRoots?: readonly string[];
  readonly hostActions?: HostActions;
}

/** Declares a kind with its config type checked (and erased for the registry). */
export function defineDeviceKind<C extends ValidDeviceBase>(kind: AdapterDeviceKind<C>): AdapterDeviceKind<C> {
  return kind;
}
