/**
 * The timeline's data, computed from trace events: one lane per queue (and one per device for status,
 * config and reset), the event kinds drawn as point series, and per-queue depth and throughput over time.
 * Pure: no DOM. uPlot takes column arrays with one shared, ascending x.
 */
import { type TraceEvent } from '../../protocol/trace';

/** Event kinds drawn on the lanes, in legend order; `theme` is the VS Code colour variable. */
export const KINDS = [
  { key: 'notify', label: 'notification', theme: '--vscode-charts-blue' },
  { key: 'chain', label: 'chain', theme: '--vscode-charts-purple' },
  { key: 'used', label: 'used buffer', theme: '--vscode-charts-green' },
  { key: 'interrupt', label: 'interrupt', theme: '--vscode-charts-yellow' },
  { key: 'config', label: 'config / status / reset', theme: '--vscode-charts-orange' },
  { key: 'violation', label: 'violation', theme: '--vscode-charts-red' },
] as const;
export type KindKey = (typeof KINDS)[number]['key'];

export function kindOf(e: TraceEvent): KindKey | undefined {
  switch (e.type) {
    case 'notify':
    case 'chain':
    case 'used':
    case 'interrupt':
    case 'violation':
      return e.type;
    case 'violation-summary':
      return 'violation';
    case 'config-change':
    case 'config-write':
    case 'status':
    case 'reset':
    case 'features':
      return 'config';
    default:
      return undefined;
  }
}

/** The lane of an event: "<device>.<queue>" for queue events, "<device>" otherwise. */
export function laneOf(e: TraceEvent): string {
  const q = 'queueName' in e && e.queueName ? e.queueName : undefined;
  return q ? `${e.device}.${q}` : e.device;
}

export interface LaneData {
  lanes: string[];
  /** Events drawn (those with a kind), in time order; index i is x[i]. */
  events: TraceEvent[];
  /** [x (s since origin), then one column per kind: lane index or null]. */
  columns: (number | null)[][];
  origin: number;
}

export function laneData(all: readonly TraceEvent[]): LaneData {
  const events = all.filter((e) => kindOf(e) !== undefined).sort((a, b) => a.time - b.time || a.seq - b.seq);
  const origin = events[0]?.time ?? 0;
  const laneSet = new Set<string>();
  for (const e of events) laneSet.add(laneOf(e));
  const lanes = [...laneSet].sort();
  const laneIndex = new Map(lanes.map((l, i) => [l, i]));
  const x = events.map((e) => (e.time - origin) / 1000);
  const cols = KINDS.map((k) => events.map((e) => (kindOf(e) === k.key ? laneIndex.get(laneOf(e))! : null)));
  return { lanes, events, columns: [x, ...cols], origin };
}

export interface SeriesData {
  /** Queue lanes ("blk0.requestq1"). */
  queues: string[];
  /** [x (s), then one column per queue]. */
  columns: number[][];
}

/** Chains taken and not yet used, per queue, after every chain/used event (a step plot). */
export function depthData(all: readonly TraceEvent[], origin: number): SeriesData {
  const events = all.filter((e) => e.type === 'chain' || e.type === 'used').sort((a, b) => a.time - b.time || a.seq - b.seq);
  const queues = [...new Set(events.map(laneOf))].sort();
  const depth = new Map(queues.map((q) => [q, 0]));
  const x: number[] = [];
  const cols = queues.map(() => [] as number[]);
  for (const e of events) {
    const q = laneOf(e);
    depth.set(q, Math.max(0, depth.get(q)! + (e.type === 'chain' ? 1 : -1)));
    x.push((e.time - origin) / 1000);
    queues.forEach((name, i) => cols[i]!.push(depth.get(name)!));
  }
  return { queues, columns: [x, ...cols] };
}

/** Bytes per second moved through used buffers, per queue, in `buckets` equal time slices. */
export function throughputData(all: readonly TraceEvent[], origin: number, buckets = 60): SeriesData {
  const used = all.filter((e): e is Extract<TraceEvent, { type: 'used' }> => e.type === 'used');
  const chains = new Map<string, number>();
  // A used buffer's len counts only bytes written by the device; add what it read (from the chain event).
  for (const e of all) if (e.type === 'chain') chains.set(`${laneOf(e)}#${e.id}`, e.readableBytes);
  const queues = [...new Set(used.map(laneOf))].sort();
  if (!used.length) return { queues, columns: [[]] };
  const end = Math.max(...used.map((e) => e.time));
  const span = Math.max(1, end - origin);
  const width = span / buckets;
  const x = Array.from({ length: buckets }, (_, i) => ((i + 0.5) * width) / 1000);
  const cols = queues.map(() => new Array<number>(buckets).fill(0));
  for (const e of used) {
    const b = Math.min(buckets - 1, Math.floor((e.time - origin) / width));
    const q = queues.indexOf(laneOf(e));
    cols[q]![b]! += e.len + (chains.get(`${laneOf(e)}#${e.id}`) ?? 0);
  }
  return { queues, columns: [x, ...cols.map((c) => c.map((bytes) => bytes / (width / 1000)))] };
}

/** A one-line description of an event for the list and the details. */
export function describe(e: TraceEvent): string {
  switch (e.type) {
    case 'notify':
      return `driver notified ${e.queueName}${e.data !== undefined ? ` (data ${e.data})` : ''}`;
    case 'chain':
      return `chain ${e.id}: ${e.summary ?? `${e.descriptors} descriptors`} (${e.readableBytes}+${e.writableBytes} B${e.indirect ? ', indirect' : ''})`;
    case 'used':
      return `used ${e.id}, len ${e.len}, used idx ${e.usedIdx}`;
    case 'interrupt':
      return `${e.kind} interrupt${e.queueName ? ` for ${e.queueName}` : ''}`;
    case 'status':
      return `status ${e.names.join(' | ') || 'reset'} (by the ${e.by})`;
    case 'features':
      return `features: offered ${e.offered}, driver ${e.driver}${e.negotiated ? `, negotiated ${e.negotiated}` : ''}`;
    case 'config-read':
    case 'config-write':
      return `${e.type} ${e.field ?? `offset ${e.offset}`} = ${e.value}`;
    case 'config-change':
      return `config change, generation ${e.generation}${e.field ? ` (${e.field})` : ''}`;
    case 'reset':
      return e.queueName ? `queue ${e.queueName} reset` : 'device reset';
    case 'queue-setup':
      return `${e.queueName} set up: ${e.layout}, size ${e.size}`;
    case 'violation':
      return `${e.rule} (§${e.section}): ${e.message}`;
    case 'violation-summary':
      return `${e.rule} (§${e.section}) ×${e.count} more${e.queueName ? ` on ${e.queueName}` : ''}, ${e.total} in all`;
    case 'transport':
      return `${e.direction === 'in' ? '→' : '←'} ${e.name} ${e.summary}`;
    case 'note':
      return e.message;
  }
}
