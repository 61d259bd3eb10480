/**
 * The condition language of function breakpoints: comparisons over a chain's decoded fields, e.g.
 *   req.type == "OUT" && req.sector >= 2048
 *   pkt.ip.dst == "10.0.2.2" || chain.descs > 3
 * Numbers (decimal, 0x hex, _ separators), strings ("..." or '...'), booleans, dotted names,
 * == != < <= > >= && || ! & | and parentheses. Parse errors name the column.
 */
export type Expr =
  | { kind: 'lit'; value: number | string | boolean }
  | { kind: 'var'; path: string; col: number }
  | { kind: 'not'; arg: Expr }
  | { kind: 'bin'; op: BinOp; left: Expr; right: Expr };

export type BinOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | '&&' | '||' | '&' | '|';

export class ExprError extends Error {
  constructor(
    message: string,
    readonly col: number,
  ) {
    super(`${message} at column ${col}`);
  }
}

interface Token {
  t: 'num' | 'str' | 'name' | 'op' | 'end';
  v: string;
  col: number;
}

const OPS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '&', '|', '(', ')'];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    const col = i + 1;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const num = /^(0x[0-9a-fA-F_]+|\d[\d_]*)/.exec(src.slice(i));
    if (num) {
      out.push({ t: 'num', v: num[0], col });
      i += num[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new ExprError('unterminated string', col);
      out.push({ t: 'str', v: src.slice(i + 1, end), col });
      i = end + 1;
      continue;
    }
    const name = /^[A-Za-z_][\w]*(\.[A-Za-z_0-9][\w]*)*/.exec(src.slice(i));
    if (name) {
      out.push({ t: 'name', v: name[0], col });
      i += name[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op) {
      out.push({ t: 'op', v: op, col });
      i += op.length;
      continue;
    }
    if (c === '=') throw new ExprError("unexpected '=' (use '==' to compare)", col);
    throw new ExprError(`unexpected character '${c}'`, col);
  }
  out.push({ t: 'end', v: '', col: src.length + 1 });
  return out;
}

const PRECEDENCE: Record<string, number> = { '||': 1, '&&': 2, '|': 3, '&': 4, '==': 5, '!=': 5, '<': 6, '<=': 6, '>': 6, '>=': 6 };

export function parseExpr(src: string): Expr {
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p]!;
  const next = () => toks[p++]!;

  function primary(): Expr {
    const tk = next();
    switch (tk.t) {
      case 'num':
        return { kind: 'lit', value: Number(tk.v.replace(/_/g, '')) };
      case 'str':
        return { kind: 'lit', value: tk.v };
      case 'name':
        if (tk.v === 'true' || tk.v === 'false') return { kind: 'lit', value: tk.v === 'true' };
        return { kind: 'var', path: tk.v, col: tk.col };
      case 'op':
        if (tk.v === '!') return { kind: 'not', arg: primary() };
        if (tk.v === '(') {
          const e = binary(0);
          const close = next();
          if (close.v !== ')') throw new ExprError(`expected ')' but found ${describe(close)}`, close.col);
          return e;
        }
        throw new ExprError(`unexpected ${describe(tk)}`, tk.col);
      default:
        throw new ExprError('unexpected end of expression', tk.col);
    }
  }

  function binary(min: number): Expr {
    let left = primary();
    for (;;) {
      const tk = peek();
      const prec = tk.t === 'op' ? PRECEDENCE[tk.v] : undefined;
      if (prec === undefined || prec <= min) break;
      next();
      left = { kind: 'bin', op: tk.v as BinOp, left, right: binary(prec) };
    }
    return left;
  }

  if (peek().t === 'end') throw new ExprError('empty expression', 1);
  const e = binary(0);
  const rest = peek();
  if (rest.t !== 'end') throw new ExprError(`unexpected ${describe(rest)}`, rest.col);
  return e;
}

function describe(t: Token): string {
  return t.t === 'end' ? 'end of expression' : `'${t.v}'`;
}

/** Every name the expression refers to, with its column (to check against the known names). */
export function names(e: Expr, out: { path: string; col: number }[] = []): { path: string; col: number }[] {
  if (e.kind === 'var') out.push({ path: e.path, col: e.col });
  else if (e.kind === 'not') names(e.arg, out);
  else if (e.kind === 'bin') {
    names(e.left, out);
    names(e.right, out);
  }
  return out;
}
