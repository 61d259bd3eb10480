/**
 * Device-side virtqueue contract shared by the split (§2.7) and packed (§2.8) layouts.
 * The device core drives a queue only through this interface, so devices and transports never care
 * which layout the driver chose.
 */
import { type QueueSnapshot } from '../../protocol/snapshot';
import { type RingLayout } from '../../protocol/trace';
import { type GuestMemory } from '../memory';
import { type RuleId } from '../rules';

/** Descriptor flag bits (same values in both layouts). */
export const DESC_F_NEXT = 1;
export const DESC_F_WRITE = 2;
export const DESC_F_INDIRECT = 4;
/** Packed layout only. */
export const DESC_F_AVAIL = 1 << 7;
export const DESC_F_USED = 1 << 15;

/** Ring features that change how a queue behaves (from the negotiated feature bits). */
export interface RingFeatures {
  indirect: boolean;
  eventIdx: boolean;
  inOrder: boolean;
  notificationData: boolean;
  ringReset: boolean;
}

export interface QueueConfig {
  index: number;
  /** Spec queue name ("requestq1"). */
  name: string;
  size: number;
  /** Guest-physical addresses. Split: descriptor table, available ring, used ring.
   *  Packed: descriptor ring, driver event suppression, device event suppression. */
  desc: number;
  driver: number;
  device: number;
  features: RingFeatures;
  /** True when a notification is known to follow the driver's ring writes immediately (in-process
   *  transport): only then can a queue judge whether the driver respected notification suppression. */
  synchronousNotify?: boolean;
  /** Watch driver writes to published descriptors and ring entries (needs GuestMemory write observers,
   *  i.e. the in-process transport); reports *-published-desc-modified. Off for benchmarks. */
  watchWrites?: boolean;
  /** Every violation stops the queue, the servable ones (severity 'error') included (`serve --strict`). */
  strict?: boolean;
}

/** A rule a chain broke; `index` is the offending descriptor index or ring slot. */
export interface ChainViolation {
  rule: RuleId;
  message: string;
  index?: number;
}

/** What a queue needs from its device: guest memory and a place to report violations. */
export interface QueueContext {
  readonly mem: GuestMemory;
  /** Reports a rule violation for this queue. `index` is the offending descriptor index or ring slot. */
  violation(rule: RuleId, message: string, index?: number): void;
}

/** One descriptor as the device read it. */
export interface Descriptor {
  addr: number;
  len: number;
  flags: number;
  /** Split: desc.next. Packed: unused (0). */
  next: number;
  /** Packed: buffer id. Split: unused (0). */
  id: number;
  /** Index in the table it came from (descriptor table/ring slot, or indirect table entry). */
  index: number;
  /** True when the descriptor came from an indirect table. */
  indirect: boolean;
}

/** A contiguous guest buffer. */
export interface Segment {
  addr: number;
  len: number;
}

/** A descriptor chain (split) or descriptor list (packed) the device took from the ring. */
export interface Chain {
  /** Value the device returns in the used ring: split head index; packed buffer id (of the last descriptor). */
  id: number;
  /** Split: head descriptor index. Packed: ring slot of the first descriptor. */
  head: number;
  /** Data descriptors in order; with an indirect table, the table's entries (not the pointer). */
  descriptors: Descriptor[];
  readable: Segment[];
  writable: Segment[];
  readableBytes: number;
  writableBytes: number;
  /** Descriptors the chain occupies in the ring itself (packed: slots to skip; split: table entries). */
  ringSlots: number;
  /** The descriptor pointing to an indirect table, if any. */
  indirectTable?: { addr: number; len: number; index: number };
  /** Split: avail idx (free-running) the chain was published at. Packed: ring slot of the head. */
  position: number;
  /** Packed: the driver wrap counter of the head slot. */
  wrap?: boolean;
  /**
   * Rules the chain broke that leave it well defined (severity 'error': too long but bounded, an indirect
   * table without VIRTIO_F_INDIRECT_DESC...): pop() reports them and serves the chain, as QEMU would.
   */
  violations?: ChainViolation[];
}

/** Result of a side-effect-free look at pending chains (for the debugger's frames). */
export interface PeekResult {
  chains: Chain[];
  /** Set when the walk stopped at something the device would reject. */
  problem?: ChainViolation;
  /** Where this view ended (after its last chain, or at the problem), for a later peek to continue from. */
  next?: PeekCursor;
  /** With a cursor it followed: the pending chains before `chains[0]` it left out (0: none), and every chain
   *  of the view was published after the cursor's. Undefined: a view from the first pending chain, the cursor
   *  (if any) not followed. */
  skipped?: number;
}

/**
 * Where a peek ended, to continue from there: a later peek with it walks only the chains published since
 * (split rings; a packed ring walks from its first pending chain again and reports 0 skipped). Opaque.
 */
export interface PeekCursor {
  readonly position: number;
  /** IN_ORDER: the head the chain at `position` must start at (-1: not judged). */
  readonly expected: number;
}

/** Work the driver made available without the notification the device's suppression state asked for. */
export interface UnnotifiedWork {
  /** Split: the avail idx seen. Packed: the next descriptor the driver will make available, off | wrap << 15. */
  at: number;
  /** What was seen, for a message: indices and the suppression state that required the notification. */
  detail: string;
}

export interface DeviceVirtqueue {
  readonly layout: RingLayout;
  readonly config: QueueConfig;
  /** Rule id of the fatal violation that stopped the queue; undefined while healthy. */
  readonly broken: RuleId | undefined;
  /** Chains taken by pop() and not yet pushed to the used ring. */
  readonly inflight: number;
  /** Whether the device currently asks the driver for notifications. */
  readonly notificationsEnabled: boolean;
  /** Split: the used idx (free-running u16). Packed: the next used ring slot. Cheap (no memory access). */
  readonly usedIndex: number;

  /** Checks ring placement (alignment, mapped memory, initial used.flags). Called when the queue is enabled;
   *  reports violations and returns false when the ring cannot be used. */
  validate(): boolean;

  /** Number of chains available to pop. Judges the driver's index (jump/decrement); 0 when broken. */
  available(): number;

  /** Takes the next available chain, or null when none is available or the queue is broken.
   *  Every walk is bounded; a malformed chain reports a violation and breaks the queue. */
  pop(): Chain | null;

  /** Side-effect-free view of up to `max` pending chains, next first. Never reports violations. `from`: a
   *  cursor of an earlier peek; the chains before it are left out (only their heads are checked, for chains
   *  that reuse one), so a device that looks at each chain once when posted walks each once. */
  peek(max: number, from?: PeekCursor): PeekResult;

  /** Returns a chain to the driver with `len` bytes written. With IN_ORDER, chains must be pushed in order. */
  pushUsed(chain: Chain, len: number): void;

  /** After one or more pushUsed(): must the driver be notified now (flags / event idx, §2.7.7, §2.8.10)?
   *  Calling it records the notification point, so ask exactly once per batch. */
  shouldNotify(): boolean;

  /** Device-side suppression of driver notifications (used.flags / avail_event / device event). */
  setNotifications(enabled: boolean): void;

  /** Judges a driver notification: suppression respected (only with synchronousNotify), notification data
   *  consistent (with NOTIFICATION_DATA). */
  onNotify(data?: number): void;

  /** True when the driver published chains since its last notification although the suppression state
   *  required a notification (the classic "lost kick" hang); reports split/packed-notify-missing once per position.
   *  The in-process machine asks after each publish of the reference driver. */
  missedNotification(): boolean;

  /** The same judgement without reporting anything: where the unnotified work ends, or undefined when no
   *  notification is owed. A stall detector (a deadline without a kick) asks this and reports itself. */
  unnotified(): UnnotifiedWork | undefined;

  /** Stops watching writes and releases anything the queue holds (called on reset and queue disable). */
  dispose(): void;

  /** vhost-user GET_VRING_BASE: split last_avail_idx; packed last_avail_idx | wrap << 15. */
  getBase(): number;
  /** vhost-user SET_VRING_BASE (also resets the used side to the same position). */
  setBase(base: number): void;

  /** State for the debugger and webviews; `withRing` includes the ring contents (bounded by `maxEntries`). */
  inspect(withRing: boolean, maxEntries?: number): Omit<QueueSnapshot, 'thread' | 'maxSize' | 'enabled' | 'counters'>;
}

/** Constructs the device side of a queue. */
export type VirtqueueFactory = (ctx: QueueContext, config: QueueConfig) => DeviceVirtqueue;
