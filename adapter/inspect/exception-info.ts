/** exceptionInfo for a stop: the violated rule with its section, explanation, fix and offending index. */
import { type DebugProtocol } from '@vscode/debugprotocol';
import { findRule } from '../../engine/rules';
import { type StopState } from '../runtime/session-runtime';

export function exceptionInfo(stop: StopState | undefined): DebugProtocol.ExceptionInfoResponse['body'] {
  const v = stop?.violation;
  if (!v) return { exceptionId: stop?.filter ?? stop?.info.reason ?? 'none', description: stop?.info.description ?? 'not stopped on an exception', breakMode: 'always' };
  const r = findRule(v.rule);
  return {
    exceptionId: v.rule,
    description: v.message,
    breakMode: 'always',
    details: {
      message: r ? r.rule : v.message,
      typeName: `VIRTIO §${v.section}`,
      fullTypeName: `${v.rule} (VIRTIO §${v.section}, ${v.severity})`,
      stackTrace: [
        r ? `Why: ${r.explanation}` : '',
        r ? `Fix: ${r.fix}` : '',
        v.index !== undefined ? `Offending index: ${v.index}` : '',
        `Where: ${v.device}${v.queueName ? '.' + v.queueName : ''}`,
      ]
        .filter(Boolean)
        .join('\n'),
    },
  };
}
