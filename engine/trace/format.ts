/**
 * Human-readable rendering of trace events, shared by the CLI demo and the extension's "Virtio Trace"
 * output: one line per event, violations with their rule, section, explanation and fix.
 */
import { type TraceEvent, type ViolationSeverity } from '../../protocol/trace';
import { findRule } from '../rules';

export interface FormatOptions {
  /** Time origin for the relative timestamps. */
  t0: number;
  color?: boolean;
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

export function formatEvent(e: TraceEvent, o: FormatOptions): string[] {
  const t = `+${(e.time - o.t0).toFixed(3).padStart(9)} ms`;
  const red = (s: string) => (o.color ? `\x1b[31m${s}\x1b[0m` : s);
  const dim = (s: string) => (o.color ? `\x1b[2m${s}\x1b[0m` : s);
  const where = 'queueName' in e && e.queueName ? `${e.device}.${e.queueName}` : e.device;
  const line = (kind: string, text: string) => `${t}  ${pad(where, 18)} ${pad(kind, 10)} ${text}`;
  switch (e.type) {
    case 'notify':
      return [line('notify', e.data !== undefined ? `data 0x${e.data.toString(16)}` : 'driver kicked the queue')];
    case 'chain':
      return [
        line(
          'chain',
          `id ${e.id}: ${e.descriptors} desc${e.indirect ? ' (indirect)' : ''}, ${e.readableBytes} B out, ${e.writableBytes} B in` +
            (e.summary ? `  ${e.summary}` : ''),
        ),
      ];
    case 'used':
      return [line('used', `id ${e.id} len ${e.len} (used idx ${e.usedIdx})`)];
    case 'interrupt':
      return [line('interrupt', e.kind === 'used' ? 'used-buffer notification' : 'config-change notification')];
    case 'status':
      return [line('status', `${e.names.join('|') || '0 (reset)'}${e.by === 'device' ? '  (set by the device)' : ''}`)];
    case 'features':
      return [line('features', e.negotiated ? `negotiated ${e.negotiated}` : `driver ${e.driver} (offered ${e.offered})`)];
    case 'config-read':
    case 'config-write':
      return [line(e.type, `offset ${e.offset} size ${e.size} = ${e.value}${e.field ? ` (${e.field})` : ''}`)];
    case 'config-change':
      return [line('config', `changed${e.field ? ` ${e.field}` : ''}, generation ${e.generation}`)];
    case 'reset':
      return [line('reset', e.queueName ? `queue reset` : 'device reset')];
    case 'queue-setup':
      return [line('queue', `${e.layout} ring, size ${e.size}, desc ${e.desc} driver ${e.driver} device ${e.deviceArea}`)];
    case 'transport':
      return [dim(line(e.transport, `${e.direction === 'in' ? '→' : '←'} ${e.name} ${e.summary}`))];
    case 'note':
      return [dim(line('note', e.message))];
    case 'violation': {
      const r = findRule(e.rule);
      const head = `${t}  ${red(`VIOLATION ${e.rule}`)}  §${e.section}  ${SEVERITY_NOTE[e.severity]}  ${where}${e.index !== undefined ? ` [index ${e.index}]` : ''}`;
      const out = [head, `               ${e.message}`];
      if (r) out.push(`               rule: ${r.rule}`, `               fix:  ${r.fix}`);
      return out;
    }
    case 'violation-summary':
      return [`${t}  ${red(`VIOLATION ${e.rule}`)}  §${e.section}  ${where}  ${violationRepeats(e)}`];
  }
}

/** "×14,662 more (14,672 since 13:02:11.250 UTC)": the count of a repeated violation, for one line. */
export function violationRepeats(e: { count: number; total: number; since: number }): string {
  const n = (x: number) => x.toLocaleString('en-US');
  return `×${n(e.count)} more (${n(e.total)} since ${new Date(e.since).toISOString().slice(11, 23)} UTC)`;
}

/** What each severity did to the device, in the words of a console line. */
export const SEVERITY_NOTE: Record<ViolationSeverity, string> = {
  fatal: 'fatal: queue stopped',
  error: 'error: queue goes on',
  warning: 'warning',
};
