/** The status bar item's text and tooltip for a session snapshot. No vscode here (unit-tested). */
import { type SessionSnapshot } from '../protocol/snapshot';

export interface StatusText {
  text: string;
  tooltip: string;
  /** There are violations: the item takes the warning colours. */
  warning: boolean;
}

export function statusText(snapshot: SessionSnapshot): StatusText {
  const devices = snapshot.devices.map((d) => d.id);
  const n = snapshot.violations.length;
  const state = snapshot.running ? 'running' : `stopped${snapshot.stop ? ` (${snapshot.stop.reason})` : ''}`;
  const last = snapshot.violations[n - 1];
  return {
    text: `$(circuit-board) ${devices.join(' · ') || 'virtio'}  $(${n ? 'warning' : 'pass'}) ${n}`,
    tooltip: [
      `Virtio session ${state}: ${snapshot.devices.map((d) => `${d.id} (virtio-${d.type}, ${d.statusNames.join('|') || 'reset'})`).join(', ')}`,
      `${n} spec violation${n === 1 ? '' : 's'}${last ? `; last: ${last.rule} (§${last.section}) ${last.device}${last.queue ? '.' + last.queue : ''}` : ''}`,
      'Click to show the Virtio Trace output.',
    ].join('\n'),
    warning: n > 0,
  };
}
