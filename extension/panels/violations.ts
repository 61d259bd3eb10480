/** Violations as the violations view shows them: the snapshot's list with the rule catalogue's text. */
import { type SessionSnapshot } from '../../protocol/snapshot';
import { type ViolationEvent } from '../../protocol/trace';
import { type ViolationDto } from '../../protocol/webview';
import { findRule } from '../../engine/rules';

type Recorded = SessionSnapshot['violations'][number] | ViolationEvent;

export function violationDto(v: Recorded): ViolationDto {
  const r = findRule(v.rule);
  const queue = 'queueName' in v ? v.queueName : 'queue' in v ? v.queue : undefined;
  return {
    rule: v.rule,
    section: v.section,
    severity: 'severity' in v ? v.severity : (r?.severity ?? 'error'),
    device: v.device,
    ...(typeof queue === 'string' ? { queue } : {}),
    ...(v.index !== undefined ? { index: v.index } : {}),
    message: v.message,
    time: v.time,
    ...('total' in v && v.total !== undefined ? { total: v.total } : {}),
    ...(r ? { text: r.rule, explanation: r.explanation, fix: r.fix } : {}),
  };
}
