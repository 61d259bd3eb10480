/**
 * Inlay hints after numeric literals whose context is certain: `status = 0xf` gets
 * `ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK`, `desc->flags = 3` gets `NEXT | WRITE`.
 */
import { type InlayHint, InlayHintKind, MarkupKind, type Range } from 'vscode-languageserver';
import { type Analysis } from './analysis';
import { literalMarkdown } from './hover';
import { decodeAt } from './literals';
import { type SymbolIndex } from './symbol-index';

/** `token`: a cancelled request stops early (its answer is thrown away anyway). */
export function inlayHints(analysis: Analysis, range: Range, index: SymbolIndex, token?: { readonly isCancellationRequested: boolean }): InlayHint[] {
  const { doc, tokens } = analysis;
  if (!analysis.mentionsVirtio) return [];
  const from = doc.offsetAt(range.start);
  const to = doc.offsetAt(range.end);
  const hints: InlayHint[] = [];
  for (let i = firstTokenFrom(tokens, from); i < tokens.length; i++) {
    const tok = tokens[i]!;
    if ((i & 1023) === 0 && token?.isCancellationRequested) return [];
    if (tok.end < from) continue;
    if (tok.start > to) break;
    if (tok.kind !== 'number' || tok.value === undefined) continue;
    const decoded = decodeAt(analysis, i, index);
    if (!decoded) continue;
    hints.push({
      position: doc.positionAt(tok.end),
      label: decoded.label,
      kind: InlayHintKind.Type,
      paddingLeft: true,
      tooltip: { kind: MarkupKind.Markdown, value: literalMarkdown(tok.text, tok.value, decoded) },
    });
  }
  return hints;
}

/** Index of the first token that ends at or after `offset` (binary search: big files, small ranges). */
function firstTokenFrom(tokens: Analysis['tokens'], offset: number): number {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid]!.end < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
