import { type TextDocument } from 'vscode-languageserver-textdocument';
import { languageOf, type SourceLanguage, type Token, tokenize } from './tokenizer';

/** A tokenized document: what every provider works on. */
export interface Analysis {
  readonly doc: TextDocument;
  /** The document version analysed (TextDocuments updates the same object in place). */
  readonly version: number;
  readonly lang: SourceLanguage;
  readonly tokens: readonly Token[];
  /** True if the text mentions virtio at all: literal hints and diagnostics stay off in unrelated sources. */
  readonly mentionsVirtio: boolean;
  /** Header names of `#include` lines (C), which the tokenizer skips: `linux/virtio_net.h`. */
  readonly includes: readonly string[];
  /**
   * Set on a partial analysis (analyzeRange): `tokens` cover only [from, to) of the text, and `base` is
   * the last whole-document analysis (an older version, if any) for facts about the whole file.
   */
  readonly partial?: { readonly from: number; readonly to: number; readonly base: Analysis | undefined };
}

/** Partial analyses look this far around what they need: recognisers read short token windows. */
const CONTEXT_BEFORE = 16 * 1024;
const CONTEXT_AFTER = 4 * 1024;
/** Ranges larger than this are analysed whole (the cost is the same). */
const MAX_PARTIAL = 512 * 1024;

/** Counts whole-document analyses (tests and the debug trace read it). */
export const analysisStats = { full: 0, partial: 0 };

const INCLUDE = /^[ \t]*#[ \t]*include[ \t]*[<"]([^>"\n]+)[>"]/gm;

const cache = new Map<string, Analysis>();

/** The analysis of a document, reused while its version is unchanged; undefined for non-driver languages. */
export function analyze(doc: TextDocument): Analysis | undefined {
  const lang = languageOf(doc.languageId);
  if (!lang) return undefined;
  const hit = cache.get(doc.uri);
  if (hit && hit.doc === doc && hit.version === doc.version) return hit;
  const text = doc.getText();
  analysisStats.full++;
  const analysis: Analysis = {
    doc,
    version: doc.version,
    lang,
    tokens: tokenize(text, lang),
    mentionsVirtio: /virtio|vring|virtq/i.test(text),
    includes: lang === 'c' ? [...text.matchAll(INCLUDE)].map((m) => m[1]!) : [],
  };
  cache.set(doc.uri, analysis);
  return analysis;
}

/** The whole-document analysis if it is current (nothing is computed). */
export function currentAnalysis(doc: TextDocument): Analysis | undefined {
  const hit = cache.get(doc.uri);
  return hit && hit.doc === doc && hit.version === doc.version ? hit : undefined;
}

/**
 * What hover, completion and inlay hints need: the current whole-document analysis when there is one,
 * otherwise only the text around [from, to] tokenized (while the user types, the whole document is
 * analysed once the edits pause, not per request).
 */
export function analyzeRange(doc: TextDocument, from: number, to = from): Analysis | undefined {
  const lang = languageOf(doc.languageId);
  if (!lang) return undefined;
  const current = currentAnalysis(doc);
  if (current) return current;
  if (to - from > MAX_PARTIAL) return analyze(doc);
  const text = doc.getText();
  const start = windowStart(text, Math.max(0, from - CONTEXT_BEFORE));
  const end = Math.min(text.length, to + CONTEXT_AFTER);
  const slice = text.slice(start, end);
  analysisStats.partial++;
  const base = cache.get(doc.uri);
  return {
    doc,
    version: doc.version,
    lang,
    tokens: tokenize(slice, lang).map((t) => ({ ...t, start: t.start + start, end: t.end + start })),
    mentionsVirtio: /virtio|vring|virtq/i.test(text),
    includes: base?.includes ?? [],
    partial: { from: start, to: end, base },
  };
}

/** A line start at or before `at`, moved back to the opening of a block comment that is still open there. */
function windowStart(text: string, at: number): number {
  let start = at === 0 ? 0 : text.lastIndexOf('\n', at) + 1;
  const open = text.lastIndexOf('/*', start);
  if (open >= 0) {
    const close = text.indexOf('*/', open + 2);
    if (close < 0 || close + 2 > start) start = open;
  }
  return start;
}

/** Drops the cached analysis of a closed document. */
export function forget(uri: string): void {
  cache.delete(uri);
}

/** Index of the token covering `offset` (an offset at a token's end counts, as editors hover there too). */
export function tokenAt(tokens: readonly Token[], offset: number): number {
  let lo = 0;
  let hi = tokens.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const t = tokens[mid]!;
    if (offset < t.start) hi = mid - 1;
    else if (offset > t.end) lo = mid + 1;
    else {
      // Between two adjacent tokens (`a->b` at the `-`) prefer the word or number over punctuation.
      if (offset === t.end && t.kind === 'punct' && tokens[mid + 1]?.start === offset) return mid + 1;
      if (offset === t.start && t.kind === 'punct' && tokens[mid - 1]?.end === offset) return mid - 1;
      return mid;
    }
  }
  return -1;
}
