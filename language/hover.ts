/**
 * Hover: the documentation of a virtio constant under the cursor (plus its live state while a debug
 * session runs), or the decoding of a numeric literal in a recognised context.
 */
import { type Hover, MarkupKind, type Position } from 'vscode-languageserver';
import { DEVICE_FEATURE_TABLE, featureByBit, STATUS_BITS } from '../engine/spec-tables';
import { type Analysis, tokenAt } from './analysis';
import { type Decoded } from './decode';
import { describe } from './describe';
import { hasBit, type LiveState } from './live-state';
import { type Resolved, resolveIdentifier } from './resolve';
import { type SymbolHit, type SymbolIndex } from './symbol-index';
import { decodeAt } from './literals';
import { isPunct } from './token-walk';
import { VIRTIO_SPEC_URL } from '../protocol/spec-links';

export function hover(analysis: Analysis, position: Position, index: SymbolIndex, live: LiveState): Hover | null {
  const { doc, tokens } = analysis;
  const i = tokenAt(tokens, doc.offsetAt(position));
  const tok = tokens[i];
  if (!tok) return null;
  if (tok.kind === 'ident' || isPunct(tok, '::')) {
    // On a Rust path (`Features::MRG_RXBUF`) the qualifier and the `::` stand for the whole path.
    const candidates = tok.kind === 'ident' ? [i, i + 2] : [i + 1];
    for (const k of candidates) {
      if (k !== i && !(isPunct(tokens[k - 1], '::') && tokens[k]?.kind === 'ident')) continue;
      const resolved = resolveIdentifier(tokens, k, index);
      if (resolved) return constantHover(analysis, resolved, live);
    }
    return null;
  }
  const decoded = decodeAt(analysis, i, index);
  if (decoded && tok.value !== undefined) {
    return {
      contents: { kind: MarkupKind.Markdown, value: literalMarkdown(tok.text, tok.value, decoded) },
      range: { start: doc.positionAt(tok.start), end: doc.positionAt(tok.end) },
    };
  }
  return null;
}

function constantHover(analysis: Analysis, resolved: Resolved, live: LiveState): Hover {
  const sections = resolved.hits.map((h) => [describe(h), ...liveLines(h, live)].join('\n'));
  return {
    contents: { kind: MarkupKind.Markdown, value: sections.join('\n\n---\n\n') },
    range: { start: analysis.doc.positionAt(resolved.start), end: analysis.doc.positionAt(resolved.end) },
  };
}

/** `0xf` = ACKNOWLEDGE | DRIVER | ... with each part's meaning and section. */
export function literalMarkdown(text: string, value: bigint, d: Decoded): string {
  const lines = [`**${text}** as ${d.title}: \`${d.label}\``, '', `value ${value} (\`0x${value.toString(16)}\`)`];
  if (d.parts.length) lines.push('', ...d.parts.map((p) => `- \`${p.name}\` — ${p.meaning} ([§${p.section}](${VIRTIO_SPEC_URL}))`));
  return lines.join('\n');
}

const yesNo = (b: boolean): string => (b ? 'yes' : 'no');

/** Live state lines for a feature or a status bit; nothing when no session runs. */
export function liveLines(hit: SymbolHit, live: LiveState): string[] {
  const { info } = hit;
  if (!live.active || (info.kind !== 'feature' && info.kind !== 'status')) return [];
  const devices = live.devicesFor(info.kind === 'feature' ? (info.device ?? 'transport') : 'transport');
  if (devices.length === 0) return [];
  const out = ['', `**Live${live.session ? ` (${live.session})` : ''}:**`];
  for (const d of devices) {
    if (info.kind === 'feature') {
      // A bit shared by two meanings (41: legacy net GUEST_RSC4 / ADMIN_VQ) is this constant only if the table says so.
      const meaning = featureByBit(DEVICE_FEATURE_TABLE[d.type], info.value);
      const same = meaning === undefined || meaning.name === info.name;
      const offered = hasBit(d.offered, info.value);
      const accepted = hasBit(d.accepted, info.value);
      let negotiated = yesNo(d.featuresOk && accepted);
      if (!d.featuresOk && accepted) negotiated = 'accepted, FEATURES_OK not set yet';
      out.push(`- offered / negotiated on ${d.id}: ${yesNo(offered)} / ${negotiated}${same ? '' : ` (bit ${info.value} is ${meaning!.name} here)`}`);
    } else {
      const names = STATUS_BITS.filter((b) => (d.status & b.value) !== 0).map((b) => b.specName);
      out.push(`- ${d.id}: status \`0x${d.status.toString(16)}\` (${names.join(' | ') || 'reset'}) — ${hit.spelling} ${(d.status & info.value) !== 0 ? 'set' : 'not set'}`);
    }
  }
  return out;
}
