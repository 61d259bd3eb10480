/**
 * How the built-in driver session creates each device type and runs its workload. Device types register
 * here (echo now; blk and net as they land), so the session code stays type-agnostic.
 */
import type { FaultPlan, GuestMemory, InProcessMachine, Trace, VirtioDevice } from '../../../engine';
import { type ValidDevice, type ValidLaunch } from '../../launch/validate';

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
  workload: ValidLaunch['workload'];
  fault?: FaultPlan;
  log: (line: string) => void;
}

export interface BuiltinKind {
  prepare(cfg: ValidDevice): Promise<PreparedDevice>;
  /** Brings the device to DRIVER_OK (default: the reference driver's init sequence). */
  init?(machine: InProcessMachine, faults: FaultPlan[]): void;
  /** Runs the workload; resolves with a one-line summary. */
  run(ctx: WorkloadContext): Promise<{ ok: boolean; summary: string }>;
}

const kinds = new Map<string, BuiltinKind>();

export function registerBuiltinKind(type: string, kind: BuiltinKind): void {
  kinds.set(type, kind);
}

export function builtinKind(type: string): BuiltinKind | undefined {
  return kinds.get(type);
}
