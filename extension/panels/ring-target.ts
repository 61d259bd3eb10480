/**
 * Which queue "Virtio: Show Rings" should show, from the argument VS Code passes to the command. No vscode
 * here (unit-tested). Measured in code-server 4.139 (VS Code's workbench):
 * - Call Stack (`debug/callstack/context`) on a thread row: the thread's DAP id, a number, then the row's
 *   context `{ sessionId, threadId: "thread:SESSION:N" }`; on a frame row: the frame source's `sourceReference`
 *   (also a number, NOT a thread id), then `{ sessionId, threadId: "thread:SESSION:N", frameId, frameName,
 *   frameLocation }`: the context's threadId names the frame's thread;
 * - Variables (`debug/variables/context`): `{ sessionId, container, variable }` with DAP objects; the variable's
 *   `evaluateName` names its queue (`blk0.requestq1.used.idx`), else the focused thread is meant (the Chain
 *   and Queue scopes are the stopped queue's). Scopes themselves have no context menu for extensions.
 * - Command Palette: nothing; the panel keeps the queue it shows.
 */

export type RingTarget = { threadId: number } | { device: string; queue: string };

/** Second parts of evaluate names that belong to the device, not a queue (`blk0.config.capacity`). */
const DEVICE_PARTS = new Set(['config', 'features', 'status', 'transport']);

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;

/** The queue an evaluate name belongs to: `net0.receiveq1.avail.idx` → net0 / receiveq1. */
export function queueOfEvaluateName(name: string): { device: string; queue: string } | undefined {
  const m = /^([A-Za-z_][\w-]*)\.([A-Za-z_][\w-]*)\.\S/.exec(name);
  if (!m || DEVICE_PARTS.has(m[2]!)) return undefined;
  return { device: m[1]!, queue: m[2]! };
}

/** The DAP thread id in the workbench's id of a thread (`thread:SESSION:3` → 3). */
export function threadOfRowId(id: unknown): number | undefined {
  const m = typeof id === 'string' ? /^thread:.+:(\d+)$/.exec(id) : null;
  return m ? Number(m[1]) : undefined;
}

/**
 * `arg`: the command's first argument; `focusedThreadId`: the thread of VS Code's focused stack item (a
 * Variables row belongs to it); `rowContext`: the second argument (the Call Stack row's context). Undefined:
 * nothing names a queue.
 */
export function ringTarget(arg: unknown, focusedThreadId?: number, rowContext?: unknown): RingTarget | undefined {
  if (isRecord(rowContext) && rowContext.frameId !== undefined) {
    // A frame row: `arg` is its source's reference; the row context names the thread.
    const threadId = threadOfRowId(rowContext.threadId) ?? focusedThreadId;
    return threadId !== undefined ? { threadId } : undefined;
  }
  if (typeof arg === 'number' && Number.isInteger(arg)) return { threadId: arg };
  if (!isRecord(arg)) return undefined;
  if (typeof arg.threadId === 'number') return { threadId: arg.threadId };
  if (isRecord(arg.variable)) {
    const evaluateName = arg.variable.evaluateName;
    const q = typeof evaluateName === 'string' ? queueOfEvaluateName(evaluateName) : undefined;
    if (q) return q;
    if (focusedThreadId !== undefined) return { threadId: focusedThreadId };
  }
  return undefined;
}
