/**
 * Per-queue state the device core keeps around a DeviceVirtqueue: the transport-programmed set-up
 * (size, addresses, enabled), counters, and the debugger's hold on the next chain.
 */
import { type QueueCountersDto } from '../../protocol/snapshot';
import { type RingLayout } from '../../protocol/trace';
import { type Chain, type DeviceVirtqueue } from '../queue/types';

/** How a device uses a queue: process chains when the driver notifies (requests, transmit, control), or
 *  take chains when the device has something to deliver (receive). */
export type QueueMode = 'on-notify' | 'on-demand';

export interface QueueSpec {
  name: string;
  maxSize: number;
  mode: QueueMode;
}

/** A chain being processed; completions are pushed in pop order when IN_ORDER is negotiated. */
interface Pending {
  chain: Chain;
  len: number;
  done: boolean;
}

export class QueueRuntime {
  size: number;
  desc = 0;
  driver = 0;
  device = 0;
  enabled = false;
  layout: RingLayout = 'split';
  vq: DeviceVirtqueue | undefined;
  /** The ring as it was when the front end stopped it (vhost-user GET_VRING_BASE): read-only, so the
   *  debugger still shows its pending chains while a frozen guest has its rings stopped. */
  stoppedRing: DeviceVirtqueue | undefined;
  /** A chain the debugger's gate held back: processed first when the queue resumes. */
  held: Chain | undefined;
  /** A chain that broke a rule while being processed, its completion held back by the debugger so the
   *  offending chain stays inspectable (not returned to the driver); `release` completes it. */
  faulted: { chain: Chain; release: () => void } | undefined;
  /** While true the device takes no chain from this queue (the debugger stopped it). */
  paused = false;
  /** Avail position of a held chain that was given back to the ring when it stopped (vhost-user VM stop):
   *  when it is taken again, the debugger already stopped on it, so the gate lets it through once. */
  admitOnce: number | undefined;
  /** Re-entrancy guard for the service loop. */
  servicing = false;
  /** Chains popped and not yet returned, oldest first. */
  readonly pending: Pending[] = [];
  /** Number of driver notifications not yet serviced because the queue was paused or busy. */
  kicksWhilePaused = 0;
  lastNotifyTime = 0;
  readonly counters: QueueCountersDto = {
    notifications: 0,
    chains: 0,
    used: 0,
    interrupts: 0,
    bytesRead: 0,
    bytesWritten: 0,
    violations: 0,
  };

  constructor(
    readonly index: number,
    readonly spec: QueueSpec,
    readonly deviceName: string,
  ) {
    this.size = spec.maxSize;
  }

  get name(): string {
    return this.spec.name;
  }

  /** Thread name in the debugger: "<device>.<queue>". */
  get thread(): string {
    return `${this.deviceName}.${this.spec.name}`;
  }

  /** The ring to show: the live one, or the one the front end stopped. */
  get view(): DeviceVirtqueue | undefined {
    return this.vq ?? this.stoppedRing;
  }

  /** Chains the driver made available that the device has not taken (held chain included). */
  pendingCount(): number {
    // available() judges indices; inspect() counts without judging and without walking every chain.
    const v = this.view;
    const waiting = v && !v.broken ? v.inspect(false).pending : 0;
    return waiting + (this.held ? 1 : 0);
  }

  track(chain: Chain): Pending {
    const p = { chain, len: 0, done: false };
    this.pending.push(p);
    return p;
  }

  untrack(p: Pending): void {
    // A synchronous completion is the newest entry.
    if (this.pending[this.pending.length - 1] === p) {
      this.pending.pop();
      return;
    }
    const i = this.pending.indexOf(p);
    if (i >= 0) this.pending.splice(i, 1);
  }

  /** Drops everything tied to the current ring (reset, disable); `keepView` keeps it for inspection. */
  clear(keepView = false): void {
    this.vq?.dispose();
    this.stoppedRing = keepView ? this.vq : undefined;
    this.vq = undefined;
    this.held = undefined;
    this.faulted = undefined;
    this.pending.length = 0;
    this.enabled = false;
    this.kicksWhilePaused = 0;
  }
}
