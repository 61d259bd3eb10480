/**
 * exceptionInfo for a stop: the violated rule with its section, why it matters, the fix and the offending
 * index. VS Code's exception widget shows the id, `description` and `details.stackTrace` (with links), so
 * the rule, the reason and the fix go there.
 */
import { type DebugProtocol } from '@vscode/debugprotocol';
import { VIRTIO_SPEC_URL } from '../../protocol/spec-links';
import { findRule, SEVERITY_NOTE } from '../../engine';
import { type StopState } from '../runtime/session-runtime';

export function exceptionInfo(stop: StopState | undefined): DebugProtocol.ExceptionInfoResponse['body'] {
  const v = stop?.violation;
  if (!v) return { exceptionId: stop?.filter ?? stop?.info.reason ?? 'none', description: stop?.info.description ?? 'not stopped on an exception', breakMode: 'always' };
  const r = findRule(v.rule);
  return {
    exceptionId: v.rule,
    description: `${v.message} (${v.device}${v.queueName ? '.' + v.queueName : ''}, VIRTIO §${v.section})`,
    breakMode: 'always',
    details: {
      message: r ? r.rule : v.message,
      typeName: `VIRTIO §${v.section}`,
      fullTypeName: `${v.rule} (VIRTIO §${v.section}, ${v.severity})`,
      stackTrace: [
        r ? `Rule: ${r.rule}` : '',
        r ? `Why: ${r.explanation}` : '',
        r ? `Fix: ${r.fix}` : '',
        `Severity: ${SEVERITY_NOTE[v.severity]}`,
        v.index !== undefined ? `Offending index: ${v.index}` : '',
        `Where: ${v.device}${v.queueName ? '.' + v.queueName : ''}`,
        `Spec: §${v.section} in ${VIRTIO_SPEC_URL}`,
      ]
        .filter(Boolean)
        .join('\n'),
    },
  };
}
