/**
 * Every message between the extension's panel controllers (extension/panels/) and the webviews
 * (webviews/), declared once. The extension pushes data (panels own none); panels post user intents back.
 * Persisted panel state (vscode.setState, restored by the WebviewPanelSerializer) is declared here too.
 */
import { type SessionSnapshot } from './snapshot';
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
export interface ViolationDto {
  rule: string;
  section: string;
  severity: ViolationSeverity;
  device: string;
  queue?: string;
  /** The offending descriptor index or ring slot. */
  index?: number;
  message: string;
  time: number;
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

export type ToPanelMessage = SnapshotMessage | SessionEndedMessage | RevealMessage | TraceMessage | ViolationsMessage | EditResultMessage;

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

export type FromPanelMessage = ReadyMessage | EditConfigMessage | OpenRingMessage | OpenTraceMessage;

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

