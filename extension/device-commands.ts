/**
 * Commands on the devices of the active `virtio` session: toggle hex, reset a device, link up/down, start
 * and stop a pcap capture. They go through the adapter's Debug Console commands (`evaluate`, context
 * 'repl') or its custom requests, and work from the Command Palette or from a Variables / Call Stack row
 * (the device is taken from the row when it names one, else picked from the session's devices).
 */
import * as vscode from 'vscode';
import { SET_FORMAT_REQUEST, SNAPSHOT_REQUEST, type SetFormatArguments, type SetFormatResponseBody, type SnapshotArguments, type SnapshotResponseBody } from '../protocol/dap';
import { type DeviceSnapshot } from '../protocol/snapshot';
import { DEBUG_TYPE } from './adapter-factory';

export const DEVICE_COMMANDS = {
  toggleHex: 'virtio.toggleHex',
  resetDevice: 'virtio.resetDevice',
  linkUp: 'virtio.linkUp',
  linkDown: 'virtio.linkDown',
  startPcap: 'virtio.startPcap',
  stopPcap: 'virtio.stopPcap',
} as const;

/** The session a command acts on: the active one if it is ours, else the last `virtio` session started. */
function virtioSession(): vscode.DebugSession {
  const active = vscode.debug.activeDebugSession;
  if (active?.type === DEBUG_TYPE) return active;
  throw new Error('no Virtio debug session is active: start one with F5 (Run and Debug)');
}

/**
 * The device a context-menu row names. Variables rows carry `variable.evaluateName` ("net0.config.status");
 * Call Stack rows carry a thread id (a number, or `{ threadId }`), whose thread name is "<device>.<queue>".
 */
async function deviceFromContext(session: vscode.DebugSession, arg: unknown): Promise<string | undefined> {
  const a = arg as { variable?: { evaluateName?: string }; threadId?: number } | number | undefined;
  const evaluateName = typeof a === 'object' ? a?.variable?.evaluateName : undefined;
  if (evaluateName) return /^[a-z][a-z0-9_-]*/.exec(evaluateName)?.[0];
  const threadId = typeof a === 'number' ? a : typeof a === 'object' ? a?.threadId : undefined;
  if (threadId === undefined) return undefined;
  const { threads } = (await session.customRequest('threads')) as { threads: { id: number; name: string }[] };
  return threads.find((t) => t.id === threadId)?.name.split('.')[0];
}

async function pickDevice(session: vscode.DebugSession, arg: unknown, type?: DeviceSnapshot['type']): Promise<string | undefined> {
  const args: SnapshotArguments = { rings: false };
  const snapshot = (await session.customRequest(SNAPSHOT_REQUEST, args)) as SnapshotResponseBody;
  const candidates = snapshot.devices.filter((d) => !type || d.type === type);
  const fromRow = await deviceFromContext(session, arg);
  if (fromRow && candidates.some((d) => d.id === fromRow)) return fromRow;
  if (!candidates.length) throw new Error(`this session has no ${type ? `virtio-${type} ` : ''}device`);
  if (candidates.length === 1) return candidates[0]!.id;
  const picked = await vscode.window.showQuickPick(
    candidates.map((d) => ({ label: d.id, description: `virtio-${d.type}`, detail: d.statusNames.join(' | ') || 'reset' })),
    { title: 'Virtio: which device?' },
  );
  return picked?.label;
}

/** Runs a Debug Console command of the adapter and shows its answer. */
async function repl(session: vscode.DebugSession, expression: string): Promise<void> {
  const r = (await session.customRequest('evaluate', { expression, context: 'repl' })) as { result: string };
  void vscode.window.showInformationMessage(`Virtio: ${r.result}`);
}

let hex = false;

const handlers: Record<string, (arg: unknown) => Promise<void>> = {
  [DEVICE_COMMANDS.toggleHex]: async () => {
    const args: SetFormatArguments = { hex: !hex };
    const r = (await virtioSession().customRequest(SET_FORMAT_REQUEST, args)) as SetFormatResponseBody;
    hex = r.hex;
    void vscode.window.setStatusBarMessage(`Virtio: numbers in ${hex ? 'hex' : 'decimal'}`, 3000);
  },
  [DEVICE_COMMANDS.resetDevice]: async (arg) => {
    const session = virtioSession();
    const id = await pickDevice(session, arg);
    if (id) await repl(session, `reset ${id}`);
  },
  [DEVICE_COMMANDS.linkUp]: async (arg) => {
    const session = virtioSession();
    const id = await pickDevice(session, arg, 'net');
    if (id) await repl(session, `link up ${id}`);
  },
  [DEVICE_COMMANDS.linkDown]: async (arg) => {
    const session = virtioSession();
    const id = await pickDevice(session, arg, 'net');
    if (id) await repl(session, `link down ${id}`);
  },
  [DEVICE_COMMANDS.startPcap]: async (arg) => {
    const session = virtioSession();
    const id = await pickDevice(session, arg, 'net');
    if (!id) return;
    // The user chooses the file: nothing is written anywhere they did not pick.
    const base = session.workspaceFolder?.uri ?? vscode.workspace.workspaceFolders?.[0]?.uri;
    const uri = await vscode.window.showSaveDialog({
      title: `Capture ${id}'s frames to a pcap file`,
      filters: { 'pcap capture': ['pcap'] },
      ...(base ? { defaultUri: vscode.Uri.joinPath(base, `${id}.pcap`) } : {}),
    });
    if (!uri) return;
    if (/\s/.test(uri.fsPath)) throw new Error(`choose a path without spaces (the capture command takes one word): ${uri.fsPath}`);
    await repl(session, `pcap start ${uri.fsPath} ${id}`);
  },
  [DEVICE_COMMANDS.stopPcap]: async (arg) => {
    const session = virtioSession();
    const id = await pickDevice(session, arg, 'net');
    if (id) await repl(session, `pcap stop ${id}`);
  },
};

export function registerDeviceCommands(): vscode.Disposable[] {
  return Object.entries(handlers).map(([command, run]) =>
    vscode.commands.registerCommand(command, async (arg: unknown) => {
      try {
        await run(arg);
      } catch (e) {
        void vscode.window.showErrorMessage(`Virtio: ${(e as Error).message}`);
      }
    }),
  );
}

/** A new session starts in decimal (the adapter's default). */
export function resetHexState(): void {
  hex = false;
}
