/**
 * Which constant an identifier in a document names: a prefixed uapi/spec name, a Rust crate path
 * (`Features::MRG_RXBUF`, `virtio_drivers::device::blk::ReqType::Flush`), or a structure member in a
 * context that names its structure (`virtio_cread(vdev, struct virtio_net_config, mtu, &mtu)`,
 * `offsetof(struct virtio_blk_config, geometry.heads)`, `cfg->device_status`).
 */
import { type ConstantInfo } from '../engine/spec-tables';
import { type Token } from './tokenizer';
import { type SymbolHit, type SymbolIndex } from './symbol-index';

export interface Resolved {
  readonly hits: readonly SymbolHit[];
  /** Offsets of the whole name as written (a Rust path includes its qualifier). */
  readonly start: number;
  readonly end: number;
}

/** Object names that make a member access a virtio structure member, per structure. */
const MEMBER_OBJECTS: Record<string, RegExp> = {
  virtio_net_hdr: /hdr/i,
  virtio_pci_common_cfg: /cfg|common/i,
  virtio_blk_config: /config|cfg/i,
  virtio_net_config: /config|cfg/i,
};

const isPunct = (t: Token | undefined, text: string): boolean => t?.kind === 'punct' && t.text === text;

/** Resolves the identifier at token index `i`; undefined if it names no known constant. */
export function resolveIdentifier(tokens: readonly Token[], i: number, index: SymbolIndex): Resolved | undefined {
  const tok = tokens[i];
  if (!tok || tok.kind !== 'ident') return undefined;

  // Rust path: `Qualifier::MEMBER` (the qualifier is the segment right before the member).
  const qualifier = tokens[i - 2];
  if (isPunct(tokens[i - 1], '::') && qualifier?.kind === 'ident') {
    const hits = index.lookup(`${qualifier.text}::${tok.text}`);
    if (hits.length > 0) return { hits, start: qualifier.start, end: tok.end };
  }
  const bare = index.lookup(tok.text).filter((h) => h.style === 'c');
  if (bare.length > 0) return { hits: bare, start: tok.start, end: tok.end };

  return structMember(tokens, i, index) ?? memberAccess(tokens, i, index);
}

/** `struct virtio_X_config, a.b` (virtio_cread, virtio_cread_feature, offsetof): the structure is named. */
function structMember(tokens: readonly Token[], i: number, index: SymbolIndex): Resolved | undefined {
  let p = i;
  while (isPunct(tokens[p - 1], '.') && tokens[p - 2]?.kind === 'ident') p -= 2;
  const struct = tokens[p - 2];
  if (!isPunct(tokens[p - 1], ',') || struct?.kind !== 'ident' || tokens[p - 3]?.text !== 'struct') return undefined;
  const path = tokens
    .slice(p, i + 1)
    .filter((t) => t.kind === 'ident')
    .map((t) => t.text)
    .join('.');
  const hits = index.lookup(`${struct.text}.${path}`);
  return hits.length > 0 ? { hits, start: tokens[p]!.start, end: tokens[i]!.end } : undefined;
}

/** `obj->member` / `obj.member` where the object's name points at the structure (`hdr->gso_type`). */
function memberAccess(tokens: readonly Token[], i: number, index: SymbolIndex): Resolved | undefined {
  const op = tokens[i - 1];
  if (!(isPunct(op, '->') || isPunct(op, '.')) || isPunct(tokens[i + 1], '(')) return undefined;
  const object = objectName(tokens, i - 2);
  if (!object) return undefined;
  const candidates = index.members(tokens[i]!.text).filter((info) => {
    const struct = structOf(info);
    return struct !== undefined && MEMBER_OBJECTS[struct]?.test(object) === true;
  });
  if (candidates.length === 0) return undefined;
  const hits = candidates.map((info): SymbolHit => ({ info, spelling: memberSpelling(info), style: 'c' }));
  return { hits, start: tokens[i]!.start, end: tokens[i]!.end };
}

/** The identifier naming the object of a member access ending at token `j` (`vq->desc[i]` → `desc`). */
export function objectName(tokens: readonly Token[], j: number): string | undefined {
  let k = j;
  if (isPunct(tokens[k], ']')) {
    let depth = 0;
    // Bounded by the token count: skips one balanced index expression.
    for (; k >= 0; k--) {
      if (isPunct(tokens[k], ']')) depth++;
      else if (isPunct(tokens[k], '[') && --depth === 0) break;
    }
    k--;
  }
  const t = tokens[k];
  return t?.kind === 'ident' ? t.text : undefined;
}

function structOf(info: ConstantInfo): string | undefined {
  if (info.group) return info.group;
  const dot = info.name.indexOf('.');
  return dot > 0 ? info.name.slice(0, dot) : undefined;
}

function memberSpelling(info: ConstantInfo): string {
  return info.name.includes('.') ? info.name : (info.aliases.find((a) => a.includes('.')) ?? info.name);
}
