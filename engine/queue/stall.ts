/**
 * The "made buffers available and forgot to kick" detector (split-notify-missing / packed-notify-missing).
 *
 * A missing notification shows only as time passing without one, so the judgement is a deadline: work the
 * device's suppression state says must be notified (DeviceVirtqueue.unnotified()) that stays unnotified for
 * `deadlineMs` while the device is idle is one stall, reported once, until a notification (or the work being
 * taken some other way) ends it. The clock is the caller's: this module holds no timer, so its tests need none.
 *
 * The device does not serve the stalled work: §2.7.10 / §2.8.10 let a device wait for the notification and
 * QEMU's own devices would hang, so the guest behaves as on a real device; the report says so.
 */
import { type RuleId } from '../rules';
import { type UnnotifiedWork } from './types';
import { type RingLayout } from '../../protocol/trace';

/** Default deadline: far above any kick latency of a live guest (a kick takes microseconds; a descheduled
 *  vCPU under TCG, tens of milliseconds), far below a user's patience. */
export const DEFAULT_KICK_DEADLINE_MS = 1000;

export interface Stall {
  rule: RuleId;
  message: string;
  /** Split: the avail idx seen; packed: the slot of the next descriptor the driver will make available. */
  index: number;
}

export class KickStallDetector {
  private since: number | undefined;
  private reported = false;

  constructor(
    readonly deadlineMs: number,
    private readonly layout: RingLayout,
    private readonly queueName: string,
  ) {}

  /** A notification arrived, or the device is busy or stopped: any stall ends, the clock restarts. */
  reset(): void {
    this.since = undefined;
    this.reported = false;
  }

  /** One look at the queue at `now` (ms); returns the stall to report, once per stall. */
  check(work: UnnotifiedWork | undefined, now: number): Stall | undefined {
    if (!work) {
      this.reset();
      return undefined;
    }
    if (this.since === undefined) {
      this.since = now;
      return undefined;
    }
    const waited = now - this.since;
    if (this.reported || waited < this.deadlineMs) return undefined;
    this.reported = true;
    const split = this.layout === 'split';
    return {
      rule: split ? 'split-notify-missing' : 'packed-notify-missing',
      index: split ? work.at : work.at & 0x7fff,
      message:
        `${this.queueName}: no notification ${Math.round(waited)} ms after the driver made buffers available (${work.detail}; ` +
        `deadline ${this.deadlineMs} ms). The device is not required to look for buffers it was not told about, so it does not serve ` +
        'them: the driver hangs as it would on a real device until it notifies the queue',
    };
  }
}
