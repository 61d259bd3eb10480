/**
 * Small bounded walks over a token list: matching brackets, the call an argument belongs to, the brace an
 * initializer field sits in. Every walk stops at the list ends or after a fixed number of tokens, so a
 * malformed or huge file never makes a provider slow.
 */
import { type Token } from './tokenizer';

/** How far back a walk looks for an opening bracket (a call's arguments, an initializer's brace). */
const MAX_WALK = 400;

const OPEN: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
const CLOSE: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

export const isPunct = (t: Token | undefined, ...texts: string[]): boolean => t?.kind === 'punct' && texts.includes(t.text);
export const isIdent = (t: Token | undefined, text?: string): boolean => t?.kind === 'ident' && (text === undefined || t.text === text);

/**
 * Index of the unmatched opening bracket (one of `opens`) enclosing token `i`, walking back; -1 if none
 * within the walk limit or a statement boundary (`;`) is crossed first at depth 0.
 */
export function enclosingOpen(tokens: readonly Token[], i: number, opens: readonly string[], crossSemicolon = false): number {
  const stack: string[] = [];
  for (let k = i - 1; k >= 0 && i - k <= MAX_WALK; k--) {
    const t = tokens[k]!;
    if (t.kind !== 'punct') continue;
    if (OPEN[t.text]) stack.push(OPEN[t.text]!);
    else if (CLOSE[t.text]) {
      if (stack.length === 0) return opens.includes(t.text) ? k : -1;
      if (stack.pop() !== t.text) return -1; // unbalanced: give up rather than guess
    } else if (t.text === ';' && stack.length === 0 && !crossSemicolon) return -1;
  }
  return -1;
}

/** Index of the bracket closing the one opened at `open`; -1 if unbalanced within the walk limit. */
export function matchingClose(tokens: readonly Token[], open: number): number {
  const stack: string[] = [];
  for (let k = open; k < tokens.length && k - open <= MAX_WALK * 4; k++) {
    const t = tokens[k]!;
    if (t.kind !== 'punct') continue;
    if (CLOSE[t.text]) stack.push(CLOSE[t.text]!);
    else if (OPEN[t.text]) {
      if (stack.pop() !== t.text) return -1;
      if (stack.length === 0) return k;
    }
  }
  return -1;
}

/** A call expression around an argument: `name(args...)`, with the Rust qualifier of the callee if any. */
export interface CallSite {
  /** Callee name: the identifier before `(` (`set_status`, `from_bits_truncate`). */
  readonly name: string;
  /** `DeviceStatus` in `DeviceStatus::from_bits(...)`. */
  readonly qualifier?: string;
  /** Token ranges [first, last] of each argument. */
  readonly args: readonly (readonly [number, number])[];
  /** Which argument holds the token the call was looked up for. */
  readonly argIndex: number;
  /** Index of `(`. */
  readonly open: number;
}

/** The call whose argument list directly contains token `i`; undefined if `i` is not inside a call. */
export function callAround(tokens: readonly Token[], i: number): CallSite | undefined {
  const open = enclosingOpen(tokens, i, ['('], true);
  if (open < 1 || !isIdent(tokens[open - 1])) return undefined;
  const close = matchingClose(tokens, open);
  if (close < 0) return undefined;
  const args: [number, number][] = [];
  let start = open + 1;
  let depth = 0;
  for (let k = open + 1; k < close; k++) {
    const t = tokens[k]!;
    if (isPunct(t, '(', '[', '{')) depth++;
    else if (isPunct(t, ')', ']', '}')) depth--;
    else if (depth === 0 && isPunct(t, ',')) {
      args.push([start, k - 1]);
      start = k + 1;
    }
  }
  if (start <= close - 1) args.push([start, close - 1]);
  const argIndex = args.findIndex(([a, b]) => i >= a && i <= b);
  if (argIndex < 0) return undefined;
  const q = tokens[open - 3];
  const qualifier = isPunct(tokens[open - 2], '::') && isIdent(q) ? q!.text : undefined;
  return { name: tokens[open - 1]!.text, ...(qualifier ? { qualifier } : {}), args, argIndex, open };
}

/** True if any token in [a, b] is an identifier accepted by `test`. */
export function rangeHasIdent(tokens: readonly Token[], [a, b]: readonly [number, number], test: (name: string) => boolean): boolean {
  for (let k = a; k <= b; k++) if (tokens[k]?.kind === 'ident' && test(tokens[k]!.text)) return true;
  return false;
}
