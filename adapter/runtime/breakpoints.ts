/**
 * Function breakpoints: a glob over thread names, an optional condition over the chain's decoded values,
 * an optional hit condition. A bad expression leaves the breakpoint unverified with the parse error.
 */
import { allDeviceKinds } from './kinds';
import { type ExprError, type Expr, names, parseExpr } from '../expr/parse';
import { isTrue, type Lookup } from '../expr/evaluate';
import { globToRegExp, parseHitCondition, type HitCondition } from '../expr/hit-condition';

export interface FunctionBreakpointInput {
  name: string;
  condition?: string;
  hitCondition?: string;
}

export interface QueueBreakpoint {
  id: number;
  name: string;
  verified: boolean;
  message?: string;
  hits: number;
  matches(thread: string): boolean;
  condition?: Expr;
  hit?: HitCondition;
}

/** Roots a condition may refer to: the chain, the queue, and what each device kind's decoder gives. */
export const CONDITION_ROOTS: readonly string[] = ['chain', ...allDeviceKinds().flatMap((k) => k.conditionRoots ?? []), 'queue'];

let nextId = 1;

export class BreakpointTable {
  private bps: QueueBreakpoint[] = [];
  /** Verified breakpoints per thread name: asked for every chain, so the globs run once per name. */
  private readonly byThread = new Map<string, QueueBreakpoint[]>();

  /** Replaces all function breakpoints (DAP setFunctionBreakpoints semantics). */
  set(inputs: FunctionBreakpointInput[], threadNames: readonly string[]): QueueBreakpoint[] {
    this.bps = inputs.map((i) => this.make(i, threadNames));
    this.byThread.clear();
    return this.bps;
  }

  private make(i: FunctionBreakpointInput, threadNames: readonly string[]): QueueBreakpoint {
    const re = globToRegExp(i.name.trim());
    const bp: QueueBreakpoint = { id: nextId++, name: i.name, verified: true, hits: 0, matches: (t) => re.test(t) };
    if (threadNames.length && !threadNames.some((t) => re.test(t))) {
      bp.verified = false;
      bp.message = `no queue matches "${i.name}" (queues: ${threadNames.join(', ')})`;
    }
    if (i.condition?.trim()) {
      try {
        bp.condition = parseExpr(i.condition);
        const unknown = names(bp.condition).find((n) => !CONDITION_ROOTS.some((r) => n.path === r || n.path.startsWith(r + '.')));
        if (unknown) {
          bp.verified = false;
          bp.message = `unknown name "${unknown.path}" at column ${unknown.col}: conditions use ${CONDITION_ROOTS.map((r) => r + '.*').join(', ')}`;
        }
      } catch (e) {
        bp.verified = false;
        bp.message = `condition: ${(e as ExprError).message}`;
      }
    }
    if (i.hitCondition?.trim()) {
      const h = parseHitCondition(i.hitCondition);
      if (typeof h === 'string') {
        bp.verified = false;
        bp.message = h;
      } else bp.hit = h;
    }
    return bp;
  }

  all(): readonly QueueBreakpoint[] {
    return this.bps;
  }

  /** Verified breakpoints whose glob matches the thread. */
  forThread(thread: string): QueueBreakpoint[] {
    let list = this.byThread.get(thread);
    if (!list) this.byThread.set(thread, (list = this.bps.filter((b) => b.verified && b.matches(thread))));
    return list;
  }

  /** Evaluates the breakpoints of a thread for one chain; returns the ids that hit (counting hits). */
  hits(thread: string, values: () => Lookup): number[] {
    const out: number[] = [];
    let lookup: Lookup | undefined;
    for (const bp of this.forThread(thread)) {
      if (bp.condition) {
        lookup ??= values();
        if (!isTrue(bp.condition, lookup)) continue;
      }
      bp.hits++;
      if (bp.hit && !bp.hit(bp.hits)) continue;
      out.push(bp.id);
    }
    return out;
  }
}
