/** In-process helpers: analyse a snippet the way the server does, without a connection. */
import { TextDocument } from 'vscode-languageserver-textdocument';
import { type Analysis, analyze } from '../../language/analysis';
import { decodeAt } from '../../language/literals';
import { symbolIndex } from '../../language/symbol-index';

let counter = 0;

export function analysisOf(text: string, languageId: 'c' | 'cpp' | 'rust' = 'c'): Analysis {
  const doc = TextDocument.create(`file:///snippet-${++counter}.${languageId === 'rust' ? 'rs' : 'c'}`, languageId, 1, text);
  const a = analyze(doc);
  if (!a) throw new Error('not a driver language');
  return a;
}

/**
 * The decoded label of every number literal in a snippet, as `literal → label` ('' when its context is
 * not recognised). Snippets mention virtio in a comment so the virtio gate is open.
 */
export function hintsOf(code: string, languageId: 'c' | 'rust' = 'c'): string[] {
  const a = analysisOf(`/* virtio */\n${code}`, languageId);
  const out: string[] = [];
  a.tokens.forEach((t, i) => {
    if (t.kind === 'number') out.push(`${t.text} → ${decodeAt(a, i, symbolIndex())?.label ?? ''}`);
  });
  return out;
}
