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
}

const INCLUDE = /^[ \t]*#[ \t]*include[ \t]*[<"]([^>"\n]+)[>"]/gm;

const cache = new Map<string, Analysis>();

/** The analysis of a document, reused while its version is unchanged; undefined for non-driver languages. */
export function analyze(doc: TextDocument): Analysis | undefined {
  const lang = languageOf(doc.languageId);
  if (!lang) return undefined;
  const hit = cache.get(doc.uri);
  if (hit && hit.doc === doc && hit.version === doc.version) return hit;
  const text = doc.getText();
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
