/**
 * Snapshot DTOs: the whole inspectable state of a session, as JSON. Produced by the engine's
 * inspect() methods, returned by the adapter's `virtio/snapshot` request and rendered by the webviews.
 * Addresses and 64-bit values are hex strings ("0x..."), everything else plain numbers.
 */
import { type RingLayout, type TraceEvent } from './trace';

export interface DescriptorDto {
  /** Index in the descriptor table (split) or ring slot (packed). */
  index: number;
  addr: string;
  len: number;
  flags: number;
  /** Decoded flag names: NEXT, WRITE, INDIRECT, AVAIL, USED. */
  flagNames: string[];
  /** Split: next index. */
  next?: number;
  /** Packed: buffer id. */
  id?: number;
}

export interface SplitRingDto {
  layout: 'split';
  desc: DescriptorDto[];
  avail: { flags: number; idx: number; ring: number[]; usedEvent?: number };
  used: { flags: number; idx: number; ring: { id: number; len: number }[]; availEvent?: number };
}

export interface PackedRingDto {
  layout: 'packed';
  desc: DescriptorDto[];
  driverEvent: { offset: number; wrap: number; flags: number };
  deviceEvent: { offset: number; wrap: number; flags: number };
}

export interface QueueCountersDto {
  notifications: number;
  chains: number;
  used: number;
  interrupts: number;
  /** Bytes the device read from readable buffers / wrote into writable ones. */
  bytesRead: number;
  bytesWritten: number;
  violations: number;
}

export interface QueueSnapshot {
  index: number;
  /** Spec name: "requestq1", "receiveq1", "controlq"... */
  name: string;
  /** Thread name: "<device>.<name>". */
  thread: string;
  layout: RingLayout;
  size: number;
  maxSize: number;
  enabled: boolean;
  /** Why the queue stopped (rule id of the violation that broke it). */
  broken?: string;
  desc: string;
  driver: string;
  device: string;
  /** Split: next avail idx the device will read (free-running). Packed: next ring slot. */
  lastAvail: number;
  /** Split: used idx. Packed: next used slot. */
  usedIdx: number;
  /** Packed only: wrap counters. */
  availWrap?: boolean;
  usedWrap?: boolean;
  /** Chains the driver made available that the device has not taken yet. */
  pending: number;
  /** Chains taken by the device and not yet returned. */
  inflight: number;
  eventIdx: boolean;
  notificationsEnabled: boolean;
  counters: QueueCountersDto;
  ring?: SplitRingDto | PackedRingDto;
}

export interface FeatureBitDto {
  bit: number;
  name: string;
  offered: boolean;
  /** Written by the driver (accepted). */
  accepted: boolean;
  negotiated: boolean;
}

export interface ConfigFieldDto {
  name: string;
  offset: number;
  size: number;
  /** Value as decimal (or hex for >32-bit and MAC-like fields, already formatted). */
  value: string;
  raw: string;
  /** Present: its gating feature is offered (or it has none). */
  present: boolean;
  writable: boolean;
}

export interface DeviceSnapshot {
  id: string;
  type: 'blk' | 'net' | 'test';
  deviceId: number;
  transport: 'mmio' | 'vhost-user';
  status: number;
  statusNames: string[];
  offered: string;
  driverFeatures: string;
  negotiated: string;
  features: FeatureBitDto[];
  configGeneration: number;
  config: ConfigFieldDto[];
  queues: QueueSnapshot[];
  /** Transport registers or vhost-user state, as name/value pairs for display. */
  transportState: { name: string; value: string }[];
}

export interface StopInfo {
  reason: 'breakpoint' | 'exception' | 'step' | 'entry' | 'pause';
  /** Thread name ("blk0.requestq1") that stopped, if any. */
  thread?: string;
  description?: string;
  /** For exceptions: the violation. */
  rule?: string;
  section?: string;
}

export interface SessionSnapshot {
  /** Monotonic version; equal versions mean equal state. */
  version: number;
  running: boolean;
  stop?: StopInfo;
  devices: DeviceSnapshot[];
  violations: { rule: string; section: string; device: string; queue?: string; message: string; time: number }[];
  trace?: TraceEvent[];
}
