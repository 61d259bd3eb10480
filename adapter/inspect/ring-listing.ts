/**
 * A queue as a text listing, one line per descriptor like a disassembly view: the content of the `source`
 * each frame points at. The frame's line is its chain's head (or the offending descriptor), so VS Code
 * opens the listing there, focuses the frame and shows its exception widget on that line.
 */
import { type DescriptorDto } from '../../protocol/snapshot';
import { type Chain, queueSnapshot } from '../../engine';
import { type QueueFrames } from '../runtime/session-runtime';
import { type QueueThread } from '../runtime/threads';

/** Lines before the first descriptor: a title and the column header. */
const HEADER_LINES = 2;
/** The whole table is listed up to the largest queue (32768 entries, about 2.5 MB of text). */
const MAX_ENTRIES = 32768;

/** The 1-based line of a descriptor index (or ring slot) in the listing. */
export function lineOfDescriptor(index: number): number {
  return HEADER_LINES + index + 1;
}

/** What a chain is to the debugger, shown beside its descriptors. */
function chainRole(frames: QueueFrames, i: number): string {
  if (i === 0 && frames.faulted) return 'broke a rule, held by the debugger';
  if (i === (frames.faulted ? 1 : 0) && frames.held) return 'held by the debugger';
  return i === (frames.faulted ? 1 : 0) + (frames.held ? 1 : 0) ? 'available, next' : 'available';
}

function pad(s: string | number, n: number, left = false): string {
  const t = String(s);
  return left ? t.padEnd(n) : t.padStart(n);
}

/** The descriptor the device reads next: split avail.ring[next avail], packed the next avail slot. */
export function nextHead(thread: QueueThread): number | undefined {
  const q = thread.queue;
  if (!q.view || !q.size) return undefined;
  const snap = queueSnapshot(q, { rings: true, maxRingEntries: MAX_ENTRIES });
  if (snap.layout === 'packed') return snap.lastAvail % q.size;
  const ring = snap.ring?.layout === 'split' ? snap.ring.avail.ring : undefined;
  const head = ring?.[snap.lastAvail % q.size];
  return head !== undefined && head < q.size ? head : undefined;
}

export function ringListing(thread: QueueThread, frames: QueueFrames, violation?: { rule: string; index?: number }): string {
  const q = thread.queue;
  const snap = queueSnapshot(q, { rings: true, maxRingEntries: MAX_ENTRIES });
  const notes = new Map<number, string[]>();
  const note = (index: number, text: string) => {
    const list = notes.get(index) ?? [];
    list.push(text);
    notes.set(index, list);
  };
  const mark = (c: Chain, role: string) => {
    // Descriptors from an indirect table are not ring entries: the table pointer stands for them.
    const ringIndices = c.indirectTable ? [c.indirectTable.index] : c.descriptors.filter((d) => !d.indirect).map((d) => d.index);
    ringIndices.forEach((index, k) => note(index, k === 0 ? `◀ chain ${c.id} (${role})` : `  chain ${c.id}`));
  };
  frames.chains.forEach((c, i) => mark(c, chainRole(frames, i)));
  for (const p of q.pending) if (!frames.chains.includes(p.chain)) mark(p.chain, 'in flight');
  if (frames.faulted && violation && frames.chains[0]) note(frames.chains[0].indirectTable?.index ?? frames.chains[0].head, `⚠ ${violation.rule}`);
  const stuck = frames.chains.length ? undefined : (frames.problemIndex ?? nextHead(thread));
  if (stuck !== undefined) note(stuck, `⚠ ${frames.problem ?? (snap.broken ? `the device stopped here: ${snap.broken}` : 'next chain')}`);

  const ring = snap.ring;
  const indices =
    snap.layout === 'split' ? `avail idx ${ring?.layout === 'split' ? ring.avail.idx : '?'} · device next avail ${snap.lastAvail} · used idx ${snap.usedIdx}` : `next avail slot ${snap.lastAvail} · next used slot ${snap.usedIdx}`;
  const title = `${thread.name} · ${snap.layout} ring · size ${snap.size} · ${indices} · pending ${snap.pending} · in flight ${snap.inflight}${snap.broken ? ` · stopped by ${snap.broken}` : ''}`;
  const header = `${pad('desc', 6)}  ${pad('addr', 18, true)}  ${pad('len', 8)}  ${pad('flags', 22, true)}  ${pad(snap.layout === 'split' ? 'next' : 'id', 5)}  chain`;
  const lines = [title, header];
  const byIndex = new Map<number, DescriptorDto>((ring?.desc ?? []).map((d) => [d.index, d]));
  for (let i = 0; i < Math.min(snap.size, MAX_ENTRIES); i++) {
    const d = byIndex.get(i);
    const link = d ? (snap.layout === 'split' ? (d.next ?? 0) : (d.id ?? 0)) : '';
    const cols = d
      ? `${pad(i, 6)}  ${pad('0x' + d.addr.replace(/^0x/, '').padStart(16, '0'), 18, true)}  ${pad(d.len, 8)}  ${pad(d.flagNames.join('|') || '-', 22, true)}  ${pad(link, 5)}`
      : `${pad(i, 6)}  ${pad('(not readable)', 18, true)}`;
    lines.push(`${cols}  ${(notes.get(i) ?? []).join('  ')}`.trimEnd());
  }
  if (!snap.size) lines.push('(the queue is not set up)');
  return lines.join('\n') + '\n';
}
