/**
 * Custom DAP requests and events of the virtio debug adapter and its exception filters, declared once (like
 * rust-analyzer's lsp_ext.ts): each custom message is one constant that carries its name and, as types, its
 * payloads. The adapter, the extension and the tests use these; nothing else spells a name or casts a payload.
 */
import { type SessionSnapshot } from './snapshot';
import { type TraceEvent } from './trace';

/** A custom request: its command, and (types only) its arguments and response body. */
export interface CustomRequest<Args, Body> {
  readonly command: string;
  /** Never set: carries the argument and body types to sendCustomRequest. */
  readonly types?: { readonly args: Args; readonly body: Body };
}

/** A custom event: its name, and (type only) its body. */
export interface CustomEvent<Body> {
  readonly event: string;
  /** Never set: carries the body type. */
  readonly types?: { readonly body: Body };
}

/** Whatever sends custom requests and gets the response body back (vscode.DebugSession does). */
export interface CustomRequestSender {
  customRequest(command: string, args?: unknown): PromiseLike<unknown>;
}

/** Sends a custom request with arguments of its declared type; the body is the declared one (the adapter answers it). */
export async function sendCustomRequest<A, B>(to: CustomRequestSender, request: CustomRequest<A, B>, args: A): Promise<B> {
  return (await to.customRequest(request.command, args)) as B;
}

/** Arguments of `virtio/snapshot`. */
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
/** Request `virtio/snapshot`: the whole state of the session. */
export const snapshotRequest: CustomRequest<SnapshotArguments, SnapshotResponseBody> = { command: 'virtio/snapshot' };

export interface StateChangedEventBody {
  reason: 'stopped' | 'continued' | 'config' | 'status' | 'reset' | 'violation' | 'tick';
  /** Monotonic version of the session state. */
  version: number;
}
/** Event `virtio/stateChanged`: something changed (stop, continue, config change...); fetch a new snapshot. */
export const stateChangedEvent: CustomEvent<StateChangedEventBody> = { event: 'virtio/stateChanged' };

export interface TraceEventBody {
  events: TraceEvent[];
}
/** Event `virtio/trace`: batched trace events for the live timeline (sent at most every 100 ms). */
export const traceEvent: CustomEvent<TraceEventBody> = { event: 'virtio/trace' };

/** The names alone, for code that matches on strings (`command === SNAPSHOT_REQUEST`). */
export const SNAPSHOT_REQUEST = snapshotRequest.command;
export const STATE_CHANGED_EVENT = stateChangedEvent.event;
export const TRACE_EVENT = traceEvent.event;

/** One exception filter as the adapter offers it (the shape of DAP's ExceptionBreakpointsFilter). */
export interface ExceptionFilter {
  readonly filter: string;
  readonly label: string;
  readonly description: string;
  readonly default: boolean;
}

/** The exception filters (docs/architecture.md, "Debug adapter"): their ids, labels and defaults. */
export const EXCEPTION_FILTERS = [
  { filter: 'violation', label: 'Spec violations', description: 'Stop when the driver breaks a rule of the VIRTIO spec', default: true },
  { filter: 'reset', label: 'Device reset', description: 'Stop when the driver resets a device or a queue', default: false },
  { filter: 'status', label: 'Status changes', description: 'Stop when the device status changes', default: false },
  { filter: 'config', label: 'Config space', description: 'Stop on config writes by the driver and device config changes', default: false },
] as const satisfies readonly ExceptionFilter[];
export type ExceptionFilterId = (typeof EXCEPTION_FILTERS)[number]['filter'];

/** True for the id of one of EXCEPTION_FILTERS (the client sends plain strings). */
export function isExceptionFilterId(id: string): id is ExceptionFilterId {
  return EXCEPTION_FILTERS.some((f) => f.filter === id);
}

/** Request `virtio/setFormat`: how numbers are shown in Variables and evaluate results when the client
 *  does not say (the extension's "Toggle Hex" command). The adapter then invalidates the variables. */
export interface SetFormatArguments {
  hex: boolean;
}
export interface SetFormatResponseBody {
  hex: boolean;
}
export const setFormatRequest: CustomRequest<SetFormatArguments, SetFormatResponseBody> = { command: 'virtio/setFormat' };
export const SET_FORMAT_REQUEST = setFormatRequest.command;
