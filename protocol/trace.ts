/**
 * Trace events: the typed, timestamped record of everything a driver and a device did.
 * Shared by the engine (producer), the CLI (JSON lines), the adapter and the webviews (timeline).
 * Feature words are hex strings ("0x...") because JSON has no 64-bit integers.
 */

/** Fields every event carries. `time` is milliseconds since the Unix epoch (fractional). */
export interface TraceBase {
  /** Monotonic sequence number within one trace. */
  seq: number;
  time: number;
  /** Device id as named in the session (e.g. "blk0"). */
  device: string;
}

export type RingLayout = 'split' | 'packed';

/** The driver notified (kicked) a queue. `data` is the NOTIFICATION_DATA value when negotiated. */
export interface NotifyEvent extends TraceBase {
  type: 'notify';
  queue: number;
  queueName: string;
  data?: number;
}

/** The device took one descriptor chain off a queue. */
export interface ChainEvent extends TraceBase {
  type: 'chain';
  queue: number;
  queueName: string;
  /** Split: head descriptor index. Packed: buffer id. */
  id: number;
  descriptors: number;
  readableBytes: number;
  writableBytes: number;
  indirect: boolean;
  /** One-line decoded summary of the request, when the device knows how to decode it. */
  summary?: string;
}

/** The device returned a chain to the driver through the used ring. */
export interface UsedEvent extends TraceBase {
  type: 'used';
  queue: number;
  queueName: string;
  id: number;
  len: number;
  /** Split: used idx after the update. Packed: ring slot written. */
  usedIdx: number;
}

/** The device sent a notification (interrupt) to the driver. */
export interface InterruptEvent extends TraceBase {
  type: 'interrupt';
  kind: 'used' | 'config';
  queue?: number;
  queueName?: string;
}

export interface StatusEvent extends TraceBase {
  type: 'status';
  from: number;
  to: number;
  /** Names of the bits set in `to`, e.g. ["ACKNOWLEDGE","DRIVER"]. */
  names: string[];
  /** Who changed it: the driver, or the device itself (NEEDS_RESET, FEATURES_OK refused). */
  by: 'driver' | 'device';
}

export interface FeaturesEvent extends TraceBase {
  type: 'features';
  offered: string;
  driver: string;
  /** Set when the driver completed negotiation (FEATURES_OK accepted). */
  negotiated?: string;
}

export interface ConfigAccessEvent extends TraceBase {
  type: 'config-read' | 'config-write';
  offset: number;
  size: number;
  /** Bytes as lowercase hex, little-endian as on the wire. */
  value: string;
  field?: string;
}

export interface ConfigChangeEvent extends TraceBase {
  type: 'config-change';
  generation: number;
  field?: string;
}

export interface ResetEvent extends TraceBase {
  type: 'reset';
  /** Present for a per-queue reset (VIRTIO_F_RING_RESET). */
  queue?: number;
  queueName?: string;
}

export interface QueueSetupEvent extends TraceBase {
  type: 'queue-setup';
  queue: number;
  queueName: string;
  layout: RingLayout;
  size: number;
  desc: string;
  driver: string;
  deviceArea: string;
  enabled: boolean;
}

/**
 * What a violation does to the device:
 * - 'fatal': the chain or ring is meaningless or unsafe (a loop, an address outside guest memory, a broken
 *   index): the queue stops and the device sets DEVICE_NEEDS_RESET, as QEMU does;
 * - 'error': a MUST was broken but the request is still well defined (bounded, in memory): reported, then
 *   served as QEMU would serve it (`serve --strict` and `"strict": true` stop the queue instead);
 * - 'warning': a SHOULD, or legal behaviour that is almost always a bug.
 */
export type ViolationSeverity = 'fatal' | 'error' | 'warning';

/** The driver broke a rule of the VIRTIO spec (or of the transport). */
export interface ViolationEvent extends TraceBase {
  type: 'violation';
  /** Stable rule id from the catalogue, e.g. "desc-zero-length". */
  rule: string;
  /** VIRTIO spec section, e.g. "2.7.5.2". */
  section: string;
  severity: ViolationSeverity;
  message: string;
  queue?: number;
  queueName?: string;
  /** The offending index: descriptor index, ring slot, register offset, ... as the rule defines. */
  index?: number;
}

/**
 * Repeats of one rule on one queue, counted rather than listed: the trace shows the first occurrences of a
 * (device, rule, queue) in full (`Trace.violationsInFull`), then at most one of these a second, and one when
 * the device resets or the trace ends, while more were counted. A driver that breaks a rule on every frame
 * costs a counter per frame, not a line, and every occurrence is still in `total`.
 */
export interface ViolationSummaryEvent extends TraceBase {
  type: 'violation-summary';
  rule: string;
  section: string;
  severity: ViolationSeverity;
  queue?: number;
  queueName?: string;
  /** Occurrences counted since the previous line about this rule and queue (full or summary). */
  count: number;
  /** Every occurrence of this rule on this queue since the device's last reset, the ones shown in full included. */
  total: number;
  /** Time of the first occurrence (ms since the epoch). */
  since: number;
}

/** A message on a transport (vhost-user request/reply, register access summary). */
export interface TransportEvent extends TraceBase {
  type: 'transport';
  transport: 'mmio' | 'vhost-user';
  direction: 'in' | 'out';
  name: string;
  summary: string;
  fds?: number;
}

/** A free-form note from a backend or the host (disk flushed, link changed, peer connected). */
export interface NoteEvent extends TraceBase {
  type: 'note';
  message: string;
}

export type TraceEvent =
  | NotifyEvent
  | ChainEvent
  | UsedEvent
  | InterruptEvent
  | StatusEvent
  | FeaturesEvent
  | ConfigAccessEvent
  | ConfigChangeEvent
  | ResetEvent
  | QueueSetupEvent
  | ViolationEvent
  | ViolationSummaryEvent
  | TransportEvent
  | NoteEvent;

export type TraceEventType = TraceEvent['type'];

/** An event as handed to the trace before it is stamped with seq and time. */
export type TraceEventInput = TraceEvent extends infer E ? (E extends TraceEvent ? Omit<E, 'seq' | 'time'> : never) : never;
