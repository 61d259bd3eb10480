/**
 * The Call Stack of a queue: the chain held after a violation, the chain held by a breakpoint, then its
 * pending chains, next on top; or one frame when nothing is pending. Every frame points into the queue's
 * listing (ring-listing.ts) at its chain's head or the offending descriptor: VS Code focuses the first frame
 * that has a source, fills Variables and shows the exception widget there without a click.
 */
import { type DebugProtocol } from '@vscode/debugprotocol';
import { type SessionRuntime } from '../runtime/session-runtime';
import { lineOfDescriptor, nextHead } from './ring-listing';

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

/** The listing source of a thread (its sourceReference changes with the session state). */
export type SourceOf = (threadId: number) => DebugProtocol.Source;

export function stackFrames(rt: SessionRuntime, threadId: number, sourceOf: SourceOf): DebugProtocol.StackFrame[] {
  const thread = rt.threads.byId(threadId);
  if (!thread) return [];
  const source = sourceOf(threadId);
  const { chains, problem, problemIndex, faulted } = rt.frames(threadId, 200);
  const violation = rt.stop?.threadId === threadId ? rt.stop.violation : undefined;
  const frames: DebugProtocol.StackFrame[] = chains.map((c, i) => {
    let summary: string | undefined;
    try {
      summary = thread.device.describeChain(thread.queue, c);
    } catch {
      summary = undefined;
    }
    const offending = i === 0 && faulted;
    const at = c.indirectTable?.index ?? c.head;
    return {
      id: frameId(threadId, i),
      name: `${offending ? `⚠ ${violation?.rule ?? 'violation'}: ` : ''}chain ${c.id}${summary ? `: ${summary}` : ''} (${c.descriptors.length} desc, ${c.readableBytes}+${c.writableBytes} B)`,
      source,
      line: lineOfDescriptor(at),
      column: 1,
      presentationHint: 'normal',
    };
  });
  // The idle frame points at the descriptor the walk stopped at (or the device reads next), else the title.
  const stuck = chains.length ? undefined : (problemIndex ?? nextHead(thread));
  const idleLine = stuck !== undefined && stuck < thread.queue.size ? lineOfDescriptor(stuck) : 1;
  if (problem) frames.push({ id: frameId(threadId, IDLE_FRAME), name: `⚠ ${problem}`, source, line: idleLine, column: 1, presentationHint: chains.length ? 'label' : 'normal' });
  if (!frames.length) frames.push({ id: frameId(threadId, IDLE_FRAME), name: `${thread.name}: no pending chain`, source, line: idleLine, column: 1, presentationHint: 'normal' });
  return frames;
}
