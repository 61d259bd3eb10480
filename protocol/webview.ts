/**
 * Every message between the extension's panel controllers (extension/panels/) and the webviews
 * (webviews/), declared once. The extension pushes data (panels own none); panels post user intents back.
 * Persisted panel state (vscode.setState, restored by the WebviewPanelSerializer) is declared here too.
 */
import { type SessionSnapshot, type ViolationRecord } from './snapshot';
import { type StatusEvent, type TraceEvent, type ViolationSeverity } from './trace';

/** The panels the extension hosts; `viewType` is `virtio.<kind>` and the bundle `dist/webviews/<kind>-panel.js`. */
export const PANEL_KINDS = ['rings', 'device', 'timeline'] as const;
export type PanelKind = (typeof PANEL_KINDS)[number];
export const panelViewType = (kind: PanelKind): string => `virtio.${kind}`;

/** VIRTIO 1.3 HTML: spec sections in the panels link here (its anchors are generated, so no per-section anchor). */
export const SPEC_URL = 'https://docs.oasis-open.org/virtio/virtio/v1.3/virtio-v1.3.html';

/** Config fields the host can change from the debugger, by device type (the adapter's setConfig actions). */
export const HOST_EDITABLE_CONFIG: Readonly<Record<string, readonly string[]>> = {
  blk: ['capacity', 'writeback'],
  net: ['status'],
};

/** Where the data shown comes from. */
export interface SessionInfo {
  /** Debug session name, or the trace file's name. */
  name: string;
  /** 'live': a running or stopped session; 'ended': the session is gone (last data kept); 'file': a trace file. */
  state: 'live' | 'ended' | 'file';
  /** 'file': the trace file's path, so a reloaded timeline loads it again. */
  path?: string;
}

/** A violation with the rule catalogue's text (engine/rules), as the violations view shows it. */
export interface ViolationDto extends ViolationRecord {
  severity: ViolationSeverity;
  /** The rule in one line, why it matters and how to fix the driver. */
  text?: string;
  explanation?: string;
  fix?: string;
}

// ------------------------------------------------------------------ extension → panel

/** The session's state (ring and device panels). Sent on every stop and, throttled, while running. */
export interface SnapshotMessage {
  type: 'snapshot';
  session: SessionInfo;
  snapshot: SessionSnapshot;
  /** Device panel: status changes seen so far, per device, oldest first. */
  statusHistory?: StatusEvent[];
}

/**
 * Ring panel: the entries of one queue's rings, as columns (one array per field, index k of each array is one
 * entry). A full message lists every entry that is not all zero (absent entries are zero); a delta lists the
 * entries that changed since the message it applies to. Columns keep a 32768-entry ring a few hundred KB of
 * JSON that parses without building an object per entry.
 */
export interface RingPatch {
  /** Thread name of the queue ("blk0.requestq1"). */
  thread: string;
  layout: 'split' | 'packed';
  /** Queue size (the panel's tables have this many rows). */
  size: number;
  /**
   * true: the entries are against an all-zero ring (the panel starts this queue's tables over); false: against the
   * entries of the message `base`. Every patch of a full message resets.
   */
  reset: boolean;
  /** Descriptor entries the snapshot holds: [0, descCount) (maxRingEntries bounds it) less `missing`. */
  descCount: number;
  /** Descriptor table (split: `next`) or descriptor ring (packed: `id`) entries: index, and each field. */
  desc: { index: number[]; addr: string[]; len: number[]; flags: number[]; next?: number[]; id?: number[] };
  /** Names of the descriptor flag values used in `desc` (as the engine names them: NEXT, WRITE, AVAIL...). */
  flagNames: Record<number, string[]>;
  /** Descriptor indices below descCount the snapshot could not read (not in guest memory), whole in every patch. */
  missing: number[];
  /** Split: the available ring (header and changed slots). */
  avail?: { flags: number; idx: number; usedEvent?: number; count: number; slot: number[]; value: number[] };
  /** Split: the used ring (header and changed slots). */
  used?: { flags: number; idx: number; availEvent?: number; count: number; slot: number[]; id: number[]; len: number[] };
  /** Packed: the event suppression structures. */
  driverEvent?: { offset: number; wrap: number; flags: number };
  deviceEvent?: { offset: number; wrap: number; flags: number };
}

/**
 * Ring panel: a snapshot as the ring panel gets it from the extension. `snapshot` is the session's state without
 * the queues' `ring` (every other field, chains included, whole); `rings` carries one patch per queue that has a
 * ring. Without `base` it is a full state (on open, reload and resync); with `base` it is a delta on top of the
 * message numbered `base`, and a panel whose last message is not `base` asks for a full one (`resync`).
 */
export interface RingsMessage {
  type: 'rings';
  session: SessionInfo;
  /** This message's number (increasing per panel). */
  seq: number;
  /** Delta: the number of the message it applies to. Absent: a full state. */
  base?: number;
  snapshot: SessionSnapshot;
  rings: RingPatch[];
}

/** The session ended: panels keep the last data and say so. */
export interface SessionEndedMessage {
  type: 'sessionEnded';
  name: string;
}

/** Ring panel: show this queue (and this descriptor / ring slot). */
export interface RevealMessage {
  type: 'reveal';
  device: string;
  queue: string;
  index?: number;
}

/** Timeline: trace events to add (`replace`: start over, e.g. a trace file or a new session). */
export interface TraceMessage {
  type: 'trace';
  session: SessionInfo;
  events: TraceEvent[];
  replace: boolean;
}

/** Timeline: every violation so far, with the rule catalogue's text. */
export interface ViolationsMessage {
  type: 'violations';
  violations: ViolationDto[];
}

/** Device panel: the outcome of a config edit. */
export interface EditResultMessage {
  type: 'editResult';
  device: string;
  field: string;
  ok: boolean;
  /** New display value, or why it was refused. */
  message: string;
}

export type ToPanelMessage = SnapshotMessage | RingsMessage | SessionEndedMessage | RevealMessage | TraceMessage | ViolationsMessage | EditResultMessage;

// ------------------------------------------------------------------ panel → extension

/** The panel script loaded and wants its data. */
export interface ReadyMessage {
  type: 'ready';
}

/** Device panel: write a host-editable config field (link status, capacity, writeback). */
export interface EditConfigMessage {
  type: 'editConfig';
  device: string;
  field: string;
  value: string;
}

/** Violations view: open the ring panel at the offending descriptor. */
export interface OpenRingMessage {
  type: 'openRing';
  device: string;
  queue: string;
  index?: number;
}

/** Timeline: pick a JSON-lines trace file to load. */
export interface OpenTraceMessage {
  type: 'openTrace';
}

/** Ring panel: a delta did not apply to what the panel shows (a message was missed): send the full state. */
export interface ResyncMessage {
  type: 'resync';
  /** The number of the last message the panel applied (absent: none). */
  have?: number;
}

export type FromPanelMessage = ReadyMessage | EditConfigMessage | OpenRingMessage | OpenTraceMessage | ResyncMessage;

// ------------------------------------------------------------------ persisted state

/** What each panel keeps across a window reload (vscode.setState / WebviewPanelSerializer). */
export interface RingPanelState {
  kind: 'rings';
  /** Thread name of the queue shown ("blk0.requestq1"). */
  thread?: string;
  /** Selected chain id. */
  chain?: number;
}
export interface DevicePanelState {
  kind: 'device';
  device?: string;
}
export interface TimelinePanelState {
  kind: 'timeline';
  /** Selected event seq. */
  seq?: number;
  /** A loaded trace file, reloaded after a window reload. */
  file?: string;
}
export type PanelState = RingPanelState | DevicePanelState | TimelinePanelState;

