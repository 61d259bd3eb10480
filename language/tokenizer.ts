/**
 * A lightweight tokenizer for C, C++ and Rust driver sources: identifiers, integer literals (with their
 * value), and punctuation. Comments, strings and character literals are skipped, so a constant named in a
 * comment or a log message never gets a hint or a diagnostic. It is not a parser: the recognisers in
 * literal-context.ts and diagnostics.ts look at short token windows.
 */

export type SourceLanguage = 'c' | 'rust';

export type TokenKind = 'ident' | 'number' | 'punct';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  /** Offsets into the document text: [start, end). */
  readonly start: number;
  readonly end: number;
  /** Integer value of a number token; undefined for floating-point literals. */
  readonly value?: bigint;
}

/** Multi-character operators, longest first, so `<<=` is one token and `a::b` is `a`, `::`, `b`. */
const OPERATORS = [
  '<<=', '>>=', '...', '..=',
  '::', '->', '=>', '==', '!=', '<=', '>=', '&&', '||', '<<', '>>', '|=', '&=', '^=', '+=', '-=', '*=', '/=', '%=', '++', '--', '..',
];

const isIdentStart = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isIdentPart = (c: string): boolean => isIdentStart(c) || isDigit(c);

/** Operators by their first character, longest first. */
const OPERATORS_BY_FIRST = new Map<string, string[]>();
for (const op of OPERATORS) OPERATORS_BY_FIRST.set(op[0]!, [...(OPERATORS_BY_FIRST.get(op[0]!) ?? []), op]);

/** Maps an editor language id (LSP `languageId`) to the tokenizer dialect; undefined if not a driver language. */
export function languageOf(languageId: string): SourceLanguage | undefined {
  if (languageId === 'rust') return 'rust';
  if (languageId === 'c' || languageId === 'cpp' || languageId === 'cuda-cpp' || languageId === 'objective-c') return 'c';
  return undefined;
}

/** Splits `text` into tokens. Never throws; unknown characters become one-character punctuation. */
export function tokenize(text: string, lang: SourceLanguage): Token[] {
  const tokens: Token[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text[i]!;
    const next = text[i + 1] ?? '';
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') {
      i++;
    } else if (c === '\\' && (next === '\n' || next === '\r')) {
      i += 2; // C line continuation
    } else if (c === '/' && next === '/') {
      i = skipLine(text, i);
    } else if (c === '/' && next === '*') {
      i = skipBlockComment(text, i, lang === 'rust');
    } else if (c === '#' && lang === 'c' && startsDirective(text, i, 'include')) {
      i = skipLine(text, i); // `#include <linux/virtio_net.h>` names files, not constants
    } else if (c === '"') {
      i = skipQuoted(text, i, '"');
    } else if (c === "'") {
      i = lang === 'rust' ? skipRustQuote(text, i) : skipQuoted(text, i, "'");
    } else if (isDigit(c) || (c === '.' && lang === 'c' && isDigit(next))) {
      const end = scanNumber(text, i, lang);
      tokens.push(numberToken(text.slice(i, end), i, end, lang));
      i = end;
    } else if (isIdentStart(c)) {
      let end = i + 1;
      while (end < n && isIdentPart(text[end]!)) end++;
      const word = text.slice(i, end);
      const prefixed = stringPrefixEnd(text, end, word, lang);
      if (prefixed !== undefined) {
        i = prefixed;
      } else {
        tokens.push({ kind: 'ident', text: word, start: i, end });
        i = end;
      }
    } else {
      const op = OPERATORS_BY_FIRST.get(c)?.find((o) => text.startsWith(o, i));
      const len = op ? op.length : 1;
      tokens.push({ kind: 'punct', text: text.slice(i, i + len), start: i, end: i + len });
      i += len;
    }
  }
  return tokens;
}

function skipLine(text: string, i: number): number {
  const nl = text.indexOf('\n', i);
  return nl < 0 ? text.length : nl + 1;
}

/** Rust block comments nest; C ones do not. An unterminated comment runs to the end of the text. */
function skipBlockComment(text: string, i: number, nests: boolean): number {
  let depth = 0;
  let j = i;
  while (j < text.length) {
    if (text.startsWith('/*', j)) {
      depth = nests ? depth + 1 : 1;
      j += 2;
    } else if (text.startsWith('*/', j)) {
      depth--;
      j += 2;
      if (depth <= 0) return j;
    } else {
      j++;
    }
  }
  return text.length;
}

function startsDirective(text: string, i: number, name: string): boolean {
  let j = i + 1;
  while (text[j] === ' ' || text[j] === '\t') j++;
  return text.startsWith(name, j) && !isIdentPart(text[j + name.length] ?? '');
}

/** Skips a quoted literal with backslash escapes; stops at the end of the line if it is unterminated. */
function skipQuoted(text: string, i: number, quote: string): number {
  let j = i + 1;
  while (j < text.length) {
    const c = text[j]!;
    if (c === '\\') j += 2;
    else if (c === quote) return j + 1;
    else if (c === '\n' && quote === "'") return j; // a stray apostrophe never swallows the file
    else j++;
  }
  return text.length;
}

/** Rust `'` starts a char literal (`'a'`, `'\n'`, `'\u{1F600}'`) or a lifetime / label (`'a`, `'static`). */
function skipRustQuote(text: string, i: number): number {
  if (text[i + 1] === '\\') return skipQuoted(text, i, "'");
  const cp = text.codePointAt(i + 1);
  const width = cp !== undefined && cp > 0xffff ? 2 : 1;
  if (text[i + 1 + width] === "'") return i + 2 + width;
  // A lifetime: skip the quote and its name, which names no constant.
  let j = i + 1;
  while (j < text.length && isIdentPart(text[j]!)) j++;
  return j;
}

/**
 * String literals with a prefix: C `L"..."`, `u8"..."`, C++ raw `R"d(...)d"`; Rust `b"..."`, `b'x'`,
 * `c"..."`, raw `r#"..."#`, `br"..."`. Returns the end of the literal, or undefined if `word` is a plain
 * identifier.
 */
function stringPrefixEnd(text: string, end: number, word: string, lang: SourceLanguage): number | undefined {
  const q = text[end];
  if (lang === 'c') {
    if (q === '"' && /^(u8|u|U|L)?R$/.test(word)) return skipCppRaw(text, end);
    if ((q === '"' || q === "'") && /^(u8|u|U|L)$/.test(word)) return skipQuoted(text, end, q);
    return undefined;
  }
  if ((word === 'b' || word === 'c') && q === '"') return skipQuoted(text, end, '"');
  if (word === 'b' && q === "'") return skipQuoted(text, end, "'");
  if ((word === 'r' || word === 'br' || word === 'cr') && (q === '"' || q === '#')) {
    let j = end;
    let hashes = 0;
    while (text[j] === '#') {
      hashes++;
      j++;
    }
    if (text[j] !== '"') return undefined; // `r#ident` is a raw identifier, not a string
    const close = '"' + '#'.repeat(hashes);
    const found = text.indexOf(close, j + 1);
    return found < 0 ? text.length : found + close.length;
  }
  return undefined;
}

function skipCppRaw(text: string, quote: number): number {
  const open = text.indexOf('(', quote);
  if (open < 0 || open - quote > 17) return skipQuoted(text, quote, '"');
  const close = ')' + text.slice(quote + 1, open) + '"';
  const found = text.indexOf(close, open);
  return found < 0 ? text.length : found + close.length;
}

/** End offset of the number starting at `i` (digits, separators, fraction, exponent, suffix). */
function scanNumber(text: string, i: number, lang: SourceLanguage): number {
  let j = i;
  const radix = text[i] === '0' ? (text[i + 1] ?? '').toLowerCase() : '';
  const digit = radix === 'x' ? /[0-9A-Fa-f]/ : /[0-9]/;
  if (radix === 'x' || radix === 'b' || radix === 'o') j += 2;
  const sep = (k: number): boolean =>
    (lang === 'rust' && text[k] === '_') || (lang === 'c' && text[k] === "'" && digit.test(text[k + 1] ?? '') && j > i);
  while (j < text.length && (digit.test(text[j]!) || sep(j))) j++;
  if (radix !== 'x' && radix !== 'b' && radix !== 'o') {
    // A fraction needs a digit after the dot (Rust `1..3` and `1.max(2)` are not floats).
    if (text[j] === '.' && isDigit(text[j + 1] ?? '')) {
      j++;
      while (j < text.length && (isDigit(text[j]!) || sep(j))) j++;
    } else if (text[j] === '.' && lang === 'c' && text[j + 1] !== '.') {
      j++; // C `1.` is a double
    }
    if (/[eE]/.test(text[j] ?? '') && /[-+0-9]/.test(text[j + 1] ?? '')) {
      j += /[-+]/.test(text[j + 1]!) ? 2 : 1;
      while (j < text.length && isDigit(text[j]!)) j++;
    }
  }
  while (j < text.length && isIdentPart(text[j]!)) j++; // suffix: u, ULL, u32, usize, f64...
  return j;
}

function numberToken(raw: string, start: number, end: number, lang: SourceLanguage): Token {
  return { kind: 'number', text: raw, start, end, value: integerValue(raw, lang) };
}

/** The value of an integer literal, or undefined for floats and malformed literals. */
export function integerValue(raw: string, lang: SourceLanguage): bigint | undefined {
  let body = raw.replace(lang === 'rust' ? /_/g : /'/g, '');
  let prefix = '';
  if (/^0[xXbBoO]/.test(body)) {
    prefix = body.slice(0, 2).toLowerCase();
    body = body.slice(2);
  }
  const suffix = lang === 'rust' ? /(u8|u16|u32|u64|u128|usize|i8|i16|i32|i64|i128|isize)$/ : /([uU]?[lL]{0,2}|[lL]{1,2}[uU])$/;
  body = body.replace(suffix, '');
  if (prefix !== '0x' && (/[.eE]/.test(body) || /f(32|64)$/.test(body))) return undefined;
  const digits = prefix === '0x' ? /^[0-9a-fA-F]+$/ : prefix === '0b' ? /^[01]+$/ : /^[0-9]+$/;
  if (!digits.test(body)) return undefined;
  if (prefix === '' && lang === 'c' && body.length > 1 && body.startsWith('0')) {
    return /^[0-7]+$/.test(body) ? BigInt('0o' + body) : undefined; // C octal
  }
  if (prefix === '0o' && !/^[0-7]+$/.test(body)) return undefined;
  return BigInt(prefix + body);
}
