/**
 * The ring tables' rows: their columns, their templates and their styles. A row is drawn cheaply because a
 * fresh panel draws ~45 of them before its first frame (figure 7 of issue 13): one element per cell and none
 * around them, cells placed at fixed offsets (absolutely, from one column table the header's grid shares), a
 * row fixed in size and contained (`contain: strict`: its layout and paint stay inside it), text clipped only
 * in the columns that can overflow, chain colours as classes, and no listener per row (the panel handles
 * clicks on the whole table: `chainAt`). Pure templates: no state.
 */
import { css, html, unsafeCSS, type TemplateResult } from 'lit';
import { CHAIN_COLOURS } from '../shared/styles';
import { type Cell, type PackedRow, type SplitRow } from './ring-model';

/** A table column: its width in px, and `cut` when its text may be wider (clipped with an ellipsis). */
interface Column {
  width: number;
  cut?: true;
}

/** Split: descriptor table (#, addr, len, flags, next, state), gap, available ring (slot, head, state,
 * indices), gap, used ring (slot, id, len, state, indices). */
const SPLIT: readonly Column[] = [
  { width: 48 }, { width: 110, cut: true }, { width: 50 }, { width: 92, cut: true }, { width: 44 }, { width: 70 }, { width: 10 },
  { width: 48 }, { width: 48 }, { width: 70 }, { width: 150 }, { width: 10 },
  { width: 48 }, { width: 48 }, { width: 44 }, { width: 56 }, { width: 170 },
];
/** Packed: slot, addr, len, flags, id, AVAIL, USED, state, indices. */
const PACKED: readonly Column[] = [{ width: 52 }, { width: 118, cut: true }, { width: 58 }, { width: 130, cut: true }, { width: 44 }, { width: 52 }, { width: 52 }, { width: 84 }, { width: 300 }];
/** The rows' (and the header's) left padding. */
const PAD_LEFT = 8;

const STATE_LABEL: Record<Cell['state'], string> = { free: 'free', available: 'available', inflight: 'in flight', used: 'used', held: 'held' };

/** `.split > .k3 { left; width }` for each column, and the header's grid tracks, from one table. */
function columnRules(layout: 'split' | 'packed', columns: readonly Column[]): string {
  let left = PAD_LEFT;
  const rules = columns.map((c, k) => {
    const rule = `.row.${layout} > .k${k} { left: ${left}px; width: ${c.width}px; }${c.cut ? ` .row.${layout} > .k${k} { overflow: hidden; text-overflow: ellipsis; }` : ''}`;
    left += c.width;
    return rule;
  });
  const tracks = columns.map((c, k) => (layout === 'packed' && k === columns.length - 1 ? '1fr' : `${c.width}px`)).join(' ');
  return `${rules.join('\n')}\n.head.${layout} { grid-template-columns: ${tracks}; }`;
}

export const rowStyles = css`
  .head { display: grid; align-items: center; color: var(--muted); border-bottom: 1px solid var(--border); padding: 2px 0 2px ${PAD_LEFT}px; font-size: 11px; }
  .head.split { min-width: 1110px; }
  .row { position: relative; height: var(--row-h); line-height: var(--row-h); contain: strict; font-family: var(--mono); font-size: 12px; white-space: nowrap; cursor: default; }
  .row.split { min-width: 1110px; }
  .row > span { position: absolute; top: 0; height: var(--row-h); box-sizing: border-box; padding-right: 4px; }
  .row:hover { background: var(--vscode-list-hoverBackground); }
  .row .c { border-left: 3px solid transparent; padding-left: 4px; }
  .row .sel { background: var(--vscode-list-inactiveSelectionBackground); }
  .row .idx { color: var(--muted); }
  .row .st { font-family: var(--vscode-font-family); font-size: 11px; }
  .row .marker { font-family: var(--vscode-font-family); font-size: 10px; padding: 0 4px; border-radius: 3px; background: var(--vscode-badge-background); color: var(--vscode-badge-foreground); margin-left: 2px; }
  .row .clickable { cursor: pointer; }
  ${unsafeCSS(CHAIN_COLOURS.map((v, k) => `.row .ch${k} { border-left-color: var(${v}); }`).join('\n'))}
  ${unsafeCSS(columnRules('split', SPLIT))}
  ${unsafeCSS(columnRules('packed', PACKED))}
`;

/** The classes of a cell's index column (chain colour bar) and of its main value. */
function cellClasses(c: Cell | undefined, selected: number | undefined): [idx: string, main: string] {
  if (!c) return ['idx c', ''];
  let main = c.changed ? 'changed' : '';
  if (c.chain !== undefined) {
    if (c.chain === selected) main += ' sel';
    main += ' clickable';
  }
  const colour = c.chain !== undefined && c.state !== 'free' ? ` ch${c.chain % CHAIN_COLOURS.length}` : '';
  return [`idx c ${main}${colour}`, main];
}

const stateClass = (c: Cell | undefined): string => (c ? `st st-${c.state}` : '');
const stateText = (c: Cell | undefined): string => (c ? STATE_LABEL[c.state] : '');
const markers = (c: Cell | undefined): TemplateResult | string => (c?.markers.length ? html`${c.markers.map((m) => html`<span class="marker">◀ ${m}</span>`)}` : '');

// Cells are written without white space between them: text between absolutely placed cells would be laid out
// for nothing. `data-g` names the table a click selects the chain of (d: descriptors, a: available, u: used).
/** A split ring's row: descriptor i, available ring slot i, used ring slot i. */
export function splitRow(r: SplitRow, selected: number | undefined): TemplateResult {
  const { desc: d, avail: a, used: u } = r;
  const [di, dm] = cellClasses(d, selected);
  const [ai, am] = cellClasses(a, selected);
  const [ui, um] = cellClasses(u, selected);
  return html`<div class="row split" data-index=${r.i}><span class="k0 ${di}" data-g="d">${r.i}</span><span class="k1 ${dm}" data-g="d">${d?.addr ?? ''}</span><span class="k2">${d?.len ?? ''}</span><span class="k3">${d?.flagNames.join('|') || (d ? '—' : '')}</span><span class="k4">${d && d.flags & 1 ? d.next : ''}</span><span class="k5 ${stateClass(d)}" data-col="desc-state">${stateText(d)}</span><span class="k7 ${ai}" data-g="a">${r.i}</span><span class="k8 ${am}" data-g="a">${a?.value ?? ''}</span><span class="k9 ${stateClass(a)}" data-col="avail-state">${stateText(a)}</span><span class="k10" data-col="markers">${markers(a)}</span><span class="k12 ${ui}" data-g="u">${r.i}</span><span class="k13 ${um}" data-g="u">${u?.id ?? ''}</span><span class="k14">${u?.len ?? ''}</span><span class="k15 ${stateClass(u)}" data-col="used-state">${stateText(u)}</span><span class="k16" data-col="markers">${markers(u)}</span></div>`;
}

/** A packed ring's row: descriptor slot i (a click anywhere on it selects its chain). */
export function packedRow(r: PackedRow, selected: number | undefined): TemplateResult {
  const d = r.desc;
  const [di] = cellClasses(d, selected);
  return html`<div class="row packed" data-index=${r.i} data-g="d"><span class="k0 ${di}">${r.i}</span><span class="k1">${d?.addr ?? ''}</span><span class="k2">${d?.len ?? ''}</span><span class="k3">${d?.flagNames.filter((f) => f !== 'AVAIL' && f !== 'USED').join('|') || (d ? '—' : '')}</span><span class="k4">${d?.id ?? ''}</span><span class="k5" title="AVAIL flag">${d ? (d.avail ? 1 : 0) : ''}</span><span class="k6" title="USED flag">${d ? (d.used ? 1 : 0) : ''}</span><span class="k7 ${stateClass(d)}" data-col="desc-state">${stateText(d)}</span><span class="k8" data-col="markers">${markers(d)}</span></div>`;
}

/** The chain a click on `target` (inside a row) selects, given the rows' maker; undefined outside a chain. */
export function chainAt(target: Element, rowAt: (i: number) => SplitRow | PackedRow): number | undefined {
  const row = target.closest<HTMLElement>('.row');
  const g = target.closest<HTMLElement>('[data-g]')?.dataset.g;
  if (!row || !g) return undefined;
  const r = rowAt(Number(row.dataset.index));
  const cell = g === 'a' ? (r as SplitRow).avail : g === 'u' ? (r as SplitRow).used : r.desc;
  return cell?.chain;
}
