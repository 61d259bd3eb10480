/**
 * The Call Stack of a queue: its pending chains, next on top (held chain first), or one label frame when
 * nothing is pending. Frame ids encode the thread and the chain's position in its queue.
 */
import { type DebugProtocol } from '@vscode/debugprotocol';
import { type SessionRuntime } from '../runtime/session-runtime';

const FRAME_STRIDE = 100_000;
/** The frame shown when a queue has no pending chain (or its pending chains cannot be walked). */
const IDLE_FRAME = FRAME_STRIDE - 1;

export function frameId(threadId: number, index: number): number {
  return threadId * FRAME_STRIDE + index;
}

/** Splits a frame id into its thread and chain index (undefined for the idle frame). */
export function parseFrameId(id: number): { threadId: number; index: number | undefined } {
  const index = id % FRAME_STRIDE;
  return { threadId: Math.floor(id / FRAME_STRIDE), index: index === IDLE_FRAME ? undefined : index };
}

export function stackFrames(rt: SessionRuntime, threadId: number): DebugProtocol.StackFrame[] {
  const thread = rt.threads.byId(threadId);
  if (!thread) return [];
  const { chains, problem } = rt.frames(threadId, 200);
  const frames: DebugProtocol.StackFrame[] = chains.map((c, i) => {
    let summary: string | undefined;
    try {
      summary = thread.device.describeChain(thread.queue, c);
    } catch {
      summary = undefined;
    }
    return {
      id: frameId(threadId, i),
      name: `chain ${c.id}${summary ? `: ${summary}` : ''} (${c.descriptors.length} desc, ${c.readableBytes}+${c.writableBytes} B)`,
      line: 0,
      column: 0,
      presentationHint: 'normal',
    };
  });
  if (problem) frames.push({ id: frameId(threadId, IDLE_FRAME), name: `⚠ ${problem}`, line: 0, column: 0, presentationHint: 'label' });
  if (!frames.length) frames.push({ id: frameId(threadId, IDLE_FRAME), name: `${thread.name}: no pending chain`, line: 0, column: 0, presentationHint: 'label' });
  return frames;
}
