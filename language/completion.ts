/**
 * Completion of virtio constant names with the same documentation as hovers. In C, the uapi and spec
 * names (VIRTIO_NET_F_, VRING_DESC_F_, VIRTQ_DESC_F_...); in Rust also the crate paths: after `Features::`
 * the members of that type, otherwise `DescFlags::NEXT` as a whole path.
 */
import { type CompletionItem, CompletionItemKind, type CompletionList, MarkupKind, type Position } from 'vscode-languageserver';
import { type Analysis, tokenAt } from './analysis';
import { describe, detail } from './describe';
import { type SymbolHit, type SymbolIndex } from './symbol-index';

/** Upper bound on items per answer: the client filters further as the user types. */
const MAX_ITEMS = 400;

function item(label: string, hit: SymbolHit, insertText?: string): CompletionItem {
  return {
    label,
    kind: hit.info.kind === 'feature' || hit.info.kind.endsWith('field') ? CompletionItemKind.Constant : CompletionItemKind.EnumMember,
    detail: detail(hit),
    documentation: { kind: MarkupKind.Markdown, value: describe(hit) },
    ...(insertText ? { insertText } : {}),
  };
}

export function completions(analysis: Analysis, position: Position, index: SymbolIndex): CompletionList {
  const { doc, tokens } = analysis;
  const offset = doc.offsetAt(position);
  const i = tokenAt(tokens, offset);
  const tok = tokens[i];
  // The word being typed: the identifier the cursor is in or right after (only its part before the cursor).
  const prefix = tok?.kind === 'ident' && tok.start < offset ? tok.text.slice(0, offset - tok.start) : '';
  const sepIndex = tok?.kind === 'ident' ? i - 1 : i;
  const sep = tokens[sepIndex];
  const qualifierToken = sep?.kind === 'punct' && sep.text === '::' ? tokens[sepIndex - 1] : undefined;

  if (analysis.lang === 'rust' && qualifierToken?.kind === 'ident') {
    const items = index
      .qualified(qualifierToken.text)
      .map((h) => ({ hit: h, member: h.spelling.slice(h.spelling.indexOf('::') + 2) }))
      .filter(({ member }) => member.startsWith(prefix))
      .map(({ hit, member }) => item(member, hit));
    return { isIncomplete: false, items };
  }
  if (prefix.length === 0) return { isIncomplete: false, items: [] };
  const upper = prefix.toUpperCase();
  const items: CompletionItem[] = [];
  let capped = false;
  for (const [spelling, hits] of index.spellings()) {
    if (items.length >= MAX_ITEMS) {
      capped = true; // ask again as the prefix grows
      break;
    }
    const rust = spelling.includes('::');
    if (rust && analysis.lang !== 'rust') continue;
    if (spelling.includes('.') || !spelling.toUpperCase().startsWith(upper)) continue;
    const hit = hits.find((h) => h.spelling === spelling) ?? hits[0]!;
    items.push(item(spelling, hit));
  }
  return { isIncomplete: capped, items };
}
