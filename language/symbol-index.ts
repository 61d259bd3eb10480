/**
 * Names → knowledge, built once from the engine's spec tables (`allConstants()`): the language server keeps no
 * copy of any constant. Only spellings that are unmistakably virtio are matched as bare identifiers:
 * prefixed uapi/spec names (VIRTIO_*, VRING_*, VIRTQ_*, ...) and qualified Rust crate paths
 * (`Features::MRG_RXBUF`). Bare short names (DRIVER, Status, Config, SECTOR_SIZE) name too many other
 * things in driver sources to be matched.
 */
import { allConstants, type ConstantInfo } from '../engine/spec-tables';

/** How a spelling spells a constant: matters for features (a C name is a bit number, a Rust path a mask). */
export type Spelling = 'c' | 'rust';

export interface SymbolHit {
  readonly info: ConstantInfo;
  /** The spelling that matched, as written in the table (`VIRTIO_NET_F_MRG_RXBUF`, `Features::MRG_RXBUF`). */
  readonly spelling: string;
  readonly style: Spelling;
}

/** Prefixes of names that only virtio headers and crates define. */
const VIRTIO_PREFIXES = ['VIRTIO_', 'VRING_', 'VIRTQ_', 'VIRTNET_', 'RING_EVENT_', 'VHOST_'];

/** True if `spelling` can be matched as a bare C identifier without context. */
export function isPrefixedName(spelling: string): boolean {
  return /^[A-Z][A-Za-z0-9_]*$/.test(spelling) && VIRTIO_PREFIXES.some((p) => spelling.startsWith(p));
}

/** True for a Rust path spelling `Type::MEMBER`. */
export function isRustPath(spelling: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*::[A-Za-z_][A-Za-z0-9_]*$/.test(spelling);
}

export class SymbolIndex {
  private readonly byName = new Map<string, SymbolHit[]>();
  /** Struct member spellings (`virtio_net_config.mtu`) and, per member name, the structs that have it. */
  private readonly byMember = new Map<string, ConstantInfo[]>();
  /** Rust `Type::` qualifiers and their members, for completion after `Features::`. */
  private readonly byQualifier = new Map<string, SymbolHit[]>();

  constructor(constants: readonly ConstantInfo[] = allConstants()) {
    for (const info of constants) {
      for (const spelling of [info.name, ...info.aliases]) {
        if (isPrefixedName(spelling)) this.add(spelling, { info, spelling, style: 'c' });
        else if (isRustPath(spelling)) {
          const hit: SymbolHit = { info, spelling, style: 'rust' };
          this.add(spelling, hit);
          const qualifier = spelling.slice(0, spelling.indexOf('::'));
          this.byQualifier.set(qualifier, [...(this.byQualifier.get(qualifier) ?? []), hit]);
        } else if (/^[a-z_0-9]+\.[a-z_0-9.]+$/.test(spelling)) {
          this.add(spelling, { info, spelling, style: 'c' });
          const member = spelling.slice(spelling.indexOf('.') + 1);
          this.byMember.set(member, [...(this.byMember.get(member) ?? []), info]);
        }
      }
    }
  }

  private add(spelling: string, hit: SymbolHit): void {
    const list = this.byName.get(spelling);
    if (!list) this.byName.set(spelling, [hit]);
    else if (!list.some((h) => h.info === hit.info)) list.push(hit);
  }

  /** Exact lookup of a spelling (`VIRTIO_NET_F_MRG_RXBUF`, `DescFlags::NEXT`, `virtio_blk_config.capacity`). */
  lookup(spelling: string): readonly SymbolHit[] {
    return this.byName.get(spelling) ?? [];
  }

  /** Structure members named `member` (dotted for nested members: `geometry.cylinders`). */
  members(member: string): readonly ConstantInfo[] {
    return this.byMember.get(member) ?? [];
  }

  /** Members of a Rust qualifier (`Features` → every `Features::X`). */
  qualified(qualifier: string): readonly SymbolHit[] {
    return this.byQualifier.get(qualifier) ?? [];
  }

  /** Every matchable spelling, for completion. */
  *spellings(): Iterable<[string, readonly SymbolHit[]]> {
    yield* this.byName.entries();
  }

}

let shared: SymbolIndex | undefined;

/** The index over the engine's tables, built on first use. */
export function symbolIndex(): SymbolIndex {
  shared ??= new SymbolIndex();
  return shared;
}
