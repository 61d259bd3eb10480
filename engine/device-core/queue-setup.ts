/** Judging a queue's programmed set-up before its ring is created (§2.6, §4.2.2.2). Pure. */
import { type RingLayout } from '../../protocol/trace';
import { type RuleId } from '../rules';
import { type QueueRuntime } from './queue-runtime';

export interface SetupProblem {
  rule: RuleId;
  message: string;
  index: number;
}

/** Why the queue size cannot be used, or undefined: zero, above QueueNumMax, not a power of two (split). */
export function queueSizeProblem(q: Pick<QueueRuntime, 'name' | 'size' | 'spec'>, layout: RingLayout): SetupProblem | undefined {
  if (q.size === 0) return { rule: 'queue-size-zero', message: `${q.name} enabled with size 0`, index: 0 };
  if (q.size > q.spec.maxSize) {
    return { rule: 'queue-size-above-max', message: `${q.name} size ${q.size} is above the maximum ${q.spec.maxSize}`, index: q.size };
  }
  if (layout === 'split' && (q.size & (q.size - 1)) !== 0) {
    return { rule: 'queue-size-not-power-of-2', message: `${q.name} size ${q.size} is not a power of two (split ring)`, index: q.size };
  }
  return undefined;
}
