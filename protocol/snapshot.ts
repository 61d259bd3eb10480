/**
 * Snapshot DTOs: the whole inspectable state of a session, as JSON. Produced by the engine's
 * inspect() methods, returned by the adapter's `virtio/snapshot` request and rendered by the webviews.
 * Addresses and 64-bit values are hex strings ("0x..."), everything else plain numbers.
 */
import { type RingLayout, type TraceEvent } from './trace';
import { type DeviceTypeName } from './device-type';

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
  /** Chains the device knows of (pending, taken, held), when the snapshot asked for them (`chains`). */
  chains?: ChainDto[];
}

/** Where a chain is in its life as the device sees it. ("used" and "free" entries are read off the rings.) */
export type ChainState = 'available' | 'inflight' | 'held';

/** One field of a decoded payload (same shape as the engine's decoders produce). */
export interface DecodedFieldDto {
  label: string;
  value: string;
  /** Byte range in the buffer given to the decoder (for highlighting). */
  offset: number;
  size: number;
  children?: DecodedFieldDto[];
}

export interface DecodedLayerDto {
  /** "blk request", "virtio_net_hdr", "Ethernet", "IPv4", ... */
  protocol: string;
  fields: DecodedFieldDto[];
  /** The input was short or malformed. */
  error?: string;
}

export interface ChainDescriptorDto {
  /** Index in the descriptor table / ring slot, or in the indirect table when `indirect`. */
  index: number;
  addr: string;
  len: number;
  flags: number;
  flagNames: string[];
  indirect: boolean;
  /** The buffer's first bytes as lowercase hex (at most `bytesLimit` bytes of the snapshot request). */
  bytes?: string;
}

export interface ChainDto {
  /** Split: head index (the id returned in the used ring). Packed: buffer id. */
  id: number;
  /** Split: head descriptor index. Packed: ring slot of the first descriptor. */
  head: number;
  state: ChainState;
  /** Split: avail idx (free-running) the chain was published at. Packed: ring slot of the head. */
  position: number;
  /** Ring entries the chain occupies (split: table indices; packed: ring slots), indirect pointer included. */
  ringSlots: number[];
  descriptors: ChainDescriptorDto[];
  readableBytes: number;
  writableBytes: number;
  indirectTable?: { addr: string; len: number; index: number };
  /** One-line decoded summary ("IN sector 0, 4096 B"). */
  summary?: string;
  /** Decoded payload layers (blk request; net header, Ethernet, ARP, IP, ICMP, UDP, TCP; control command). */
  layers?: DecodedLayerDto[];
}

export interface FeatureBitDto {
  bit: number;
  name: string;
  offered: boolean;
  /** Written by the driver (accepted). */
  accepted: boolean;
  negotiated: boolean;
  /** VIRTIO spec section of the bit, when the catalogue knows it. */
  section?: string;
  /** One-line meaning of the bit. */
  meaning?: string;
  /** Accepted by the driver without the features it requires (short names; "A or B" for an any-of group). */
  missing?: string[];
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
  /** Feature short names that gate the field (it exists if any is offered); absent: always present. */
  features?: string[];
  /** VIRTIO spec section of the field. */
  section?: string;
}

export interface DeviceSnapshot {
  id: string;
  type: DeviceTypeName;
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

/** One spec violation as a snapshot lists it. */
export interface ViolationRecord {
  rule: string;
  section: string;
  device: string;
  queue?: string;
  /** The offending descriptor index or ring slot, as the rule defines. */
  index?: number;
  message: string;
  time: number;
  /** On the last listed one of a rule and queue the trace counted more of (trace `violation-summary`): every
   *  occurrence so far, the listed ones included. */
  total?: number;
}

export interface SessionSnapshot {
  /** Monotonic version; equal versions mean equal state. */
  version: number;
  running: boolean;
  stop?: StopInfo;
  devices: DeviceSnapshot[];
  violations: ViolationRecord[];
  trace?: TraceEvent[];
}
