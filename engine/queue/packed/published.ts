/**
 * The device's memory of which lists the driver has published beyond the device's avail position.
 * Published lists stay available until the device takes them (§2.8.16: the driver must not change them),
 * so each list is walked once: available(), notification data checks, missed-notification checks and
 * the write watcher extend the known range incrementally instead of rescanning the ring.
 */
import { advancePos, posDistance } from './layout';
import { type PackedListWalker, WALK_LIST, WALK_NONE } from './walker';

export class PublishedLists {
  /** Position just after the last list known to be published. */
  end = 0;
  /** Complete lists known between the device's avail position and `end`. */
  count = 0;
  /** The last extension stopped at a list that breaks a rule (pop() will report it). */
  stuck = false;

  constructor(
    private readonly walker: PackedListWalker,
    private readonly size: number,
  ) {}

  reset(pos: number): void {
    this.end = pos;
    this.count = 0;
    this.stuck = false;
  }

  /** The device took the first list; `availPos` is its new avail position (`usedPos` its used one). */
  consumed(availPos: number, usedPos: number): void {
    this.stuck = false;
    // The first known list must end where the next known one starts (or at `end` if it was the last);
    // a list that changed since it was counted breaks that: start over from availPos.
    const ahead = posDistance(usedPos, this.end, this.size) - posDistance(usedPos, availPos, this.size);
    if ((this.count > 1 && ahead > 0) || (this.count === 1 && ahead === 0)) this.count--;
    else this.reset(availPos);
  }

  /** Walks lists published after `end`; ring slots from `usedPos` on are the device's budget. */
  extend(usedPos: number): void {
    const size = this.size;
    let budget = size - posDistance(usedPos, this.end, size);
    for (;;) {
      const r = this.walker.skip(this.end, budget);
      if (r === WALK_NONE) {
        this.stuck = false;
        return;
      }
      if (r !== WALK_LIST) {
        this.stuck = true;
        return;
      }
      const slots = posDistance(this.end, this.walker.end, size);
      budget -= slots;
      this.end = advancePos(this.end, slots, size);
      this.count++;
    }
  }
}
