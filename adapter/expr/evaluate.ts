/**
 * Evaluates a parsed condition against a chain's values. Strings compare case-insensitively ("out" ==
 * "OUT"); a string that looks like a number compares as a number; a name with no value makes every
 * comparison false except != (so `pkt.ip.dst == "10.0.2.2"` is simply false on an ARP frame).
 */
import { type Expr } from './parse';

export type Value = number | string | boolean | undefined;
export type Lookup = (path: string) => Value;

function num(v: Value): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && /^(0x[0-9a-f]+|-?\d+(\.\d+)?)$/i.test(v.trim())) return Number(v.trim());
  return undefined;
}

function equal(a: Value, b: Value): boolean {
  if (a === undefined || b === undefined) return false;
  const na = num(a);
  const nb = num(b);
  if (na !== undefined && nb !== undefined) return na === nb;
  return String(a).toLowerCase() === String(b).toLowerCase();
}

function truthy(v: Value): boolean {
  if (typeof v === 'string') return v.length > 0;
  return Boolean(v);
}

export function evaluate(e: Expr, lookup: Lookup): Value {
  switch (e.kind) {
    case 'lit':
      return e.value;
    case 'var':
      return lookup(e.path);
    case 'not':
      return !truthy(evaluate(e.arg, lookup));
    case 'bin': {
      if (e.op === '&&') return truthy(evaluate(e.left, lookup)) && truthy(evaluate(e.right, lookup));
      if (e.op === '||') return truthy(evaluate(e.left, lookup)) || truthy(evaluate(e.right, lookup));
      const a = evaluate(e.left, lookup);
      const b = evaluate(e.right, lookup);
      switch (e.op) {
        case '==':
          return equal(a, b);
        case '!=':
          return !equal(a, b);
        case '&':
        case '|': {
          const na = num(a);
          const nb = num(b);
          if (na === undefined || nb === undefined) return undefined;
          return e.op === '&' ? Number(BigInt(na) & BigInt(nb)) : Number(BigInt(na) | BigInt(nb));
        }
        default: {
          const na = num(a);
          const nb = num(b);
          if (na === undefined || nb === undefined) {
            if (typeof a === 'string' && typeof b === 'string') return compare(e.op, a.localeCompare(b));
            return false;
          }
          return compare(e.op, na - nb);
        }
      }
    }
  }
}

function compare(op: '<' | '<=' | '>' | '>=', d: number): boolean {
  return op === '<' ? d < 0 : op === '<=' ? d <= 0 : op === '>' ? d > 0 : d >= 0;
}

export function isTrue(e: Expr, lookup: Lookup): boolean {
  return truthy(evaluate(e, lookup));
}
