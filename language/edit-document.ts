/**
 * A text document for the language server that makes an edit cost what the edit is, not what the file is.
 * vscode-languageserver-textdocument rebuilds the whole string on every incremental change (a 2 MB copy
 * per keystroke); here the text is a flat `base` with one replaced span held apart (`hot`), so typing in
 * one place only changes a small string. The whole string is rebuilt when someone asks for it (an
 * analysis, a request) or when an edit lands outside the hot span. Line starts are kept up to date per
 * edit as the library does. Behaves like the library's TextDocument (same offset/position rules).
 */
import { type Position, type Range, type TextDocument, type TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';

/** A hot span larger than this is folded back into the base. */
const MAX_HOT = 256 * 1024;

const CR = 13;
const LF = 10;

function lineStartsOf(text: string, atLineStart: boolean, offset: number): number[] {
  const out = atLineStart ? [offset] : [];
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === CR || ch === LF) {
      if (ch === CR && i + 1 < text.length && text.charCodeAt(i + 1) === LF) i++;
      out.push(offset + i + 1);
    }
  }
  return out;
}

function wellFormed(range: Range): Range {
  const { start, end } = range;
  return start.line > end.line || (start.line === end.line && start.character > end.character) ? { start: end, end: start } : range;
}

export class EditDocument implements TextDocument {
  private base: string;
  /** base[hotFrom, hotTo) is replaced by `hot`. */
  private hotFrom = 0;
  private hotTo = 0;
  private hot = '';
  private lineStarts: number[];

  constructor(
    readonly uri: string,
    readonly languageId: string,
    private ver: number,
    content: string,
  ) {
    this.base = content;
    this.lineStarts = lineStartsOf(content, true, 0);
  }

  get version(): number {
    return this.ver;
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  private get length(): number {
    return this.base.length - (this.hotTo - this.hotFrom) + this.hot.length;
  }

  private charAt(offset: number): number {
    if (offset < this.hotFrom) return this.base.charCodeAt(offset);
    if (offset < this.hotFrom + this.hot.length) return this.hot.charCodeAt(offset - this.hotFrom);
    return this.base.charCodeAt(offset - this.hotFrom - this.hot.length + this.hotTo);
  }

  /** Folds the hot span into the base: one copy of the text. */
  private materialize(): string {
    if (this.hotFrom !== this.hotTo || this.hot !== '') {
      this.base = this.base.slice(0, this.hotFrom) + this.hot + this.base.slice(this.hotTo);
      this.hotFrom = this.hotTo = 0;
      this.hot = '';
    }
    return this.base;
  }

  getText(range?: Range): string {
    if (!range) return this.materialize();
    const start = this.offsetAt(range.start);
    const end = this.offsetAt(range.end);
    const hotEnd = this.hotFrom + this.hot.length;
    if (start >= this.hotFrom && end <= hotEnd) return this.hot.slice(start - this.hotFrom, end - this.hotFrom);
    if (end <= this.hotFrom) return this.base.slice(start, end);
    return this.materialize().slice(start, end);
  }

  private ensureBeforeEOL(offset: number, lineOffset: number): number {
    while (offset > lineOffset && (this.charAt(offset - 1) === CR || this.charAt(offset - 1) === LF)) offset--;
    return offset;
  }

  offsetAt(position: Position): number {
    const starts = this.lineStarts;
    if (position.line >= starts.length) return this.length;
    if (position.line < 0) return 0;
    const lineOffset = starts[position.line]!;
    if (position.character <= 0) return lineOffset;
    const next = position.line + 1 < starts.length ? starts[position.line + 1]! : this.length;
    const offset = Math.min(lineOffset + position.character, next);
    return this.ensureBeforeEOL(offset, lineOffset);
  }

  positionAt(offset: number): Position {
    offset = Math.max(Math.min(offset, this.length), 0);
    const starts = this.lineStarts;
    let low = 0;
    let high = starts.length;
    if (high === 0) return { line: 0, character: offset };
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      if (starts[mid]! > offset) high = mid;
      else low = mid + 1;
    }
    const line = low - 1;
    offset = this.ensureBeforeEOL(offset, starts[line]!);
    return { line, character: offset - starts[line]! };
  }

  getLineRange(line: number): Range {
    const starts = this.lineStarts;
    if (line >= starts.length) {
      const last = starts.length - 1;
      return { start: { line: last, character: 0 }, end: { line: last, character: this.length - starts[last]! } };
    }
    if (line < 0) return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    const start = starts[line]!;
    const next = line + 1 < starts.length ? starts[line + 1]! : this.length;
    return { start: { line, character: 0 }, end: { line, character: this.ensureBeforeEOL(next, start) - start } };
  }

  getEOLCharacters(line: number): string {
    const starts = this.lineStarts;
    if (line < 0 || line >= starts.length) return '';
    const next = line + 1 < starts.length ? starts[line + 1]! : this.length;
    const eol = this.ensureBeforeEOL(next, starts[line]!);
    return String.fromCharCode(...Array.from({ length: next - eol }, (_, i) => this.charAt(eol + i)));
  }

  update(changes: readonly TextDocumentContentChangeEvent[], version: number): void {
    for (const change of changes) {
      if (!('range' in change) || change.range === undefined) {
        this.base = change.text;
        this.hotFrom = this.hotTo = 0;
        this.hot = '';
        this.lineStarts = lineStartsOf(change.text, true, 0);
        continue;
      }
      const range = wellFormed(change.range);
      const start = this.offsetAt(range.start);
      const end = this.offsetAt(range.end);
      this.replace(start, end, change.text);
      const insertedEnd = start + change.text.length;
      const crlfAt = (o: number) => o > 0 && o < this.length && this.charAt(o - 1) === CR && this.charAt(o) === LF;
      if (crlfAt(start) || crlfAt(insertedEnd)) {
        // A CR LF pair across the edit's boundary: recount (rare).
        this.lineStarts = lineStartsOf(this.materialize(), true, 0);
        continue;
      }
      const startLine = Math.max(range.start.line, 0);
      const endLine = Math.max(range.end.line, 0);
      const added = lineStartsOf(change.text, false, start);
      const starts = this.lineStarts;
      if (endLine - startLine === added.length) {
        for (let i = 0; i < added.length; i++) starts[i + startLine + 1] = added[i]!;
      } else {
        this.lineStarts = [...starts.slice(0, startLine + 1), ...added, ...starts.slice(endLine + 1)];
      }
      const diff = change.text.length - (end - start);
      if (diff !== 0) {
        const s = this.lineStarts;
        for (let i = startLine + 1 + added.length; i < s.length; i++) s[i] = s[i]! + diff;
      }
    }
    this.ver = version;
  }

  /** Replaces document offsets [start, end) with `text`, inside the hot span when it can. */
  private replace(start: number, end: number, text: string): void {
    const hotEnd = this.hotFrom + this.hot.length;
    const inHot = start >= this.hotFrom && end <= hotEnd && (this.hot !== '' || this.hotFrom !== this.hotTo);
    if (inHot) {
      this.hot = this.hot.slice(0, start - this.hotFrom) + text + this.hot.slice(end - this.hotFrom);
      if (this.hot.length > MAX_HOT) this.materialize();
      return;
    }
    this.materialize();
    this.hotFrom = start;
    this.hotTo = end;
    this.hot = text;
  }
}

/** For `new TextDocuments(EDIT_DOCUMENTS)`. */
export const EDIT_DOCUMENTS = {
  create: (uri: string, languageId: string, version: number, content: string): EditDocument => new EditDocument(uri, languageId, version, content),
  update: (doc: EditDocument, changes: TextDocumentContentChangeEvent[], version: number): EditDocument => {
    doc.update(changes, version);
    return doc;
  },
};
