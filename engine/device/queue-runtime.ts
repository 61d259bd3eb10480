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
  /** A chain the debugger's gate held back: processed first when the queue resumes. */
  held: Chain | undefined;
  /** While true the device takes no chain from this queue (the debugger stopped it). */
  paused = false;
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

  /** Chains the driver made available that the device has not taken (held chain included). */
  pendingCount(): number {
    const waiting = this.vq && !this.vq.broken ? this.safeAvailable() : 0;
    return waiting + (this.held ? 1 : 0);
  }

  private safeAvailable(): number {
    // available() judges indices; for a count shown to the user use peek, which never reports.
    return this.vq ? this.vq.peek(this.size).chains.length : 0;
  }

  track(chain: Chain): Pending {
    const p = { chain, len: 0, done: false };
    this.pending.push(p);
    return p;
  }

  untrack(p: Pending): void {
    const i = this.pending.indexOf(p);
    if (i >= 0) this.pending.splice(i, 1);
  }

  /** Drops everything tied to the current ring (reset, disable). */
  clear(): void {
    this.vq?.dispose();
    this.vq = undefined;
    this.held = undefined;
    this.pending.length = 0;
    this.enabled = false;
    this.kicksWhilePaused = 0;
  }
}
