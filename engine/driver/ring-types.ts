/**
 * Driver side of a virtqueue, written the way a real driver does it (Linux virtio_ring.c is the model):
 * the reference driver and the property tests use it to exercise the device side of the engine.
 */
import { type RingLayout } from '../../protocol/trace';
import { type RuleId } from '../rules';
import { type RingFeatures } from '../queue/types';

/** A buffer the driver hands to the device. */
export interface DriverBuffer {
  addr: number;
  len: number;
  /** Device-writable (VIRTQ_DESC_F_WRITE). */
  write: boolean;
}

/** A buffer returned by the device. */
export interface UsedBuffer {
  /** The token add() returned. */
  token: number;
  /** Bytes the device wrote. */
  len: number;
  /** The buffers that were added with this token. */
  buffers: DriverBuffer[];
}

export interface AddOptions {
  /** Put the buffers in an indirect table (requires VIRTIO_F_INDIRECT_DESC). */
  indirect?: boolean;
}

/**
 * A deliberate rule violation for the driver to commit (learning, demos, tests). Each ring implements
 * the ring-level rules of its layout; the transport-level ones live in the driver core.
 * `atChain`: the 0-based chain number at which to break the rule (default 0: the next chain).
 */
export interface FaultPlan {
  rule: RuleId;
  atChain?: number;
  /** A rule-specific parameter (e.g. the config offset to misuse); each injector documents its default. */
  arg?: number;
}

/** Device misbehaviour a driver ring noticed (e.g. a used length larger than the buffer, an unknown id). */
export type DeviceErrorReporter = (rule: RuleId, message: string) => void;

export interface DriverRing {
  readonly layout: RingLayout;
  readonly size: number;
  /** Addresses to program into the transport (desc / driver area / device area). */
  readonly descAddr: number;
  readonly driverAddr: number;
  readonly deviceAddr: number;
  readonly features: RingFeatures;

  /** Descriptors (split) or ring slots (packed) free for new chains. */
  freeCount(): number;

  /** Adds one chain (readable buffers must come first unless a fault says otherwise). Returns its token,
   *  or null when the ring has no room. The chain is not visible to the device until publish(). */
  add(buffers: DriverBuffer[], options?: AddOptions): number | null;

  /** Makes every added chain visible (split: avail.idx; packed: head flags), with the barrier a real driver uses. */
  publish(): void;

  /** Must the driver notify the device now (used.flags / avail_event / device event suppression)? */
  needsNotify(): boolean;

  /** The NOTIFICATION_DATA value for a notification now (next_off | next_wrap << 15, or avail idx). */
  notificationData(): number;

  /** Collects buffers the device returned since the last call, in used-ring order. */
  harvest(): UsedBuffer[];

  /** Asks the device to send (or not) used-buffer notifications (avail.flags / used_event / driver event). */
  setInterrupts(enabled: boolean): void;

  /** Arms a fault the ring commits on a later add()/publish(); returns false if this ring cannot commit it. */
  injectFault(plan: FaultPlan): boolean;

  /** Chains added and not yet returned. */
  readonly outstanding: number;
}
