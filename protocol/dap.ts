/**
 * Custom DAP requests and events of the virtio debug adapter, declared once (like rust-analyzer's
 * lsp_ext.ts). The extension and the tests use these names and payload types; nothing else defines them.
 */
import { type SessionSnapshot } from './snapshot';
import { type TraceEvent } from './trace';

/** Request `virtio/snapshot`: the whole state of the session. */
export const SNAPSHOT_REQUEST = 'virtio/snapshot';
export interface SnapshotArguments {
  /** Include ring contents (descriptor tables, rings); default true. */
  rings?: boolean;
  /** Cap on ring entries per queue (webviews render only what is visible); default 4096. */
  maxRingEntries?: number;
  /** Include up to this many chains per queue (pending, in flight, held) with decoded payloads; default 0. */
  chains?: number;
  /** Bytes of each chain buffer to include as hex (hex views); default 256. */
  bytesLimit?: number;
  /** Include this many recent trace events (timeline); default 0. */
  traceEvents?: number;
}
export type SnapshotResponseBody = SessionSnapshot;

/** Event `virtio/stateChanged`: something changed (stop, continue, config change...); fetch a new snapshot. */
export const STATE_CHANGED_EVENT = 'virtio/stateChanged';
export interface StateChangedEventBody {
  reason: 'stopped' | 'continued' | 'config' | 'status' | 'reset' | 'violation' | 'tick';
  /** Monotonic version of the session state. */
  version: number;
}

/** Event `virtio/trace`: batched trace events for the live timeline (sent at most every 100 ms). */
export const TRACE_EVENT = 'virtio/trace';
export interface TraceEventBody {
  events: TraceEvent[];
}

/** Exception filter ids (DESIGN §6). */
export const EXCEPTION_FILTERS = ['violation', 'reset', 'status', 'config'] as const;
export type ExceptionFilterId = (typeof EXCEPTION_FILTERS)[number];
