/**
 * Evaluate, watch, hover and Debug Console: REPL commands, or names resolved against the session's view
 * model (`blk0.config.capacity`, `net0.receiveq1.used.idx`); completions for both.
 */
import { type DebugProtocol } from '@vscode/debugprotocol';
import { type SessionRuntime } from '../runtime/session-runtime';
import { REPL_COMMANDS, isReplCommand, runReplCommand, type ReplContext } from './repl';
import { type VariableStore } from './variable-store';
import { completions, resolvePath, viewModel, type ViewValue } from './view-model';

/** Evaluates an expression; throws with a clear message for unknown names or bad commands. */
export async function evaluateExpression(
  rt: SessionRuntime,
  store: VariableStore,
  args: DebugProtocol.EvaluateArguments,
  repl: Omit<ReplContext, 'stoppedThread'> = {},
): Promise<{ result: string; variablesReference: number }> {
  const expr = args.expression.trim();
  if (args.context === 'repl' && isReplCommand(expr)) {
    return { result: await runReplCommand(rt, expr, { ...repl, stoppedThread: rt.stop?.threadId }), variablesReference: 0 };
  }
  const r = resolvePath(viewModel(rt.snapshot({ rings: true, maxRingEntries: 4096 })), expr);
  if ('error' in r) throw new Error(r.error);
  return evaluateResult(store, r.value, expr, args.format?.hex ?? false);
}

function evaluateResult(store: VariableStore, v: ViewValue, path: string, hex: boolean): { result: string; variablesReference: number } {
  const show = (x: ViewValue): string =>
    typeof x === 'number' ? (hex ? '0x' + x.toString(16) : String(x)) : typeof x === 'object' ? (Array.isArray(x) ? `[${x.length}]` : '{…}') : String(x);
  if (typeof v !== 'object' || v === null) return { result: show(v), variablesReference: 0 };
  const children = (obj: ViewValue, base: string): DebugProtocol.Variable[] =>
    Object.entries(obj as Record<string, ViewValue>).map(([k, x]) => {
      const name = Array.isArray(obj) ? `[${k}]` : k;
      const p = Array.isArray(obj) ? `${base}[${k}]` : `${base}.${k}`;
      return typeof x === 'object' && x !== null
        ? { name, value: show(x), evaluateName: p, variablesReference: store.add(() => children(x, p)) }
        : { name, value: show(x), evaluateName: p, variablesReference: 0 };
    });
  return { result: show(v), variablesReference: store.add(() => children(v, path)) };
}

/** Debug Console completions: command names first, then names of the view model. */
export function completionTargets(rt: SessionRuntime | undefined, args: DebugProtocol.CompletionsArguments): DebugProtocol.CompletionItem[] {
  const text = args.text.slice(0, args.column - 1);
  const word = /[\w.[\]-]*$/.exec(text)?.[0] ?? '';
  const targets: DebugProtocol.CompletionItem[] = [];
  if (!text.includes(' ')) {
    for (const c of REPL_COMMANDS) if (c.name.startsWith(word)) targets.push({ label: c.name, detail: c.help, type: 'keyword' });
  }
  if (rt) {
    for (const name of completions(viewModel(rt.snapshot({ rings: false })), word)) {
      targets.push({ label: name, text: name, start: args.column - 1 - word.length, length: word.length, type: 'property' });
    }
  }
  return targets;
}
