/**
 * A minimal LSP client for the tests: spawns the language server as a real child process and talks to it
 * over stdio with vscode-languageserver-protocol, exactly as an editor would.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CompletionRequest, type CompletionItem, type CompletionList, createProtocolConnection, type Diagnostic, DidOpenTextDocumentNotification,
  ExitNotification, type Hover, HoverRequest, InitializedNotification, InitializeRequest, type InitializeResult, type InlayHint,
  InlayHintRequest, LogTraceNotification, type MarkupContent, type Position, type ProtocolConnection, PublishDiagnosticsNotification,
  ShutdownRequest, StreamMessageReader, StreamMessageWriter,
} from 'vscode-languageserver-protocol/node';

export const ROOT = join(__dirname, '..', '..');
export const FIXTURES = join(__dirname, 'fixtures');

/** How to start the server: the TypeScript entry through tsx, or the CLI's `lsp --stdio`. */
export type ServerEntry = 'server' | 'cli';

export class LspClient {
  private readonly diagnostics = new Map<string, Diagnostic[]>();
  private readonly waiters: { uri: string; resolve: (d: Diagnostic[]) => void }[] = [];
  private stderr = '';
  /** `$/logTrace` messages (sent when started with trace: 'verbose'). */
  readonly traces: string[] = [];
  readonly exited: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly connection: ProtocolConnection,
  ) {
    child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    connection.onNotification(LogTraceNotification.type, (p) => {
      this.traces.push(p.message);
    });
    connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      this.diagnostics.set(p.uri, p.diagnostics);
      for (const w of this.waiters.filter((x) => x.uri === p.uri)) w.resolve(p.diagnostics);
      this.waiters.splice(0, this.waiters.length, ...this.waiters.filter((x) => x.uri !== p.uri));
    });
  }

  /** Spawns the server and performs initialize / initialized. */
  static async start(entry: ServerEntry = 'server', options: { trace?: 'off' | 'messages' | 'verbose' } = {}): Promise<{ client: LspClient; init: InitializeResult }> {
    const script = entry === 'server' ? ['language/server.ts', '--stdio'] : ['cli/main.ts', 'lsp', '--stdio'];
    const child = spawn(process.execPath, ['--import', 'tsx', ...script], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    const client = new LspClient(child, connection);
    connection.listen();
    const init = await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: pathToFileURL(ROOT).href,
      capabilities: {
        textDocument: {
          hover: { contentFormat: ['markdown', 'plaintext'] },
          completion: { completionItem: { documentationFormat: ['markdown'] } },
          inlayHint: {},
          publishDiagnostics: {},
        },
      },
      workspaceFolders: null,
      ...(options.trace ? { trace: options.trace } : {}),
    });
    await connection.sendNotification(InitializedNotification.type, {});
    return { client, init };
  }

  /** Opens a document and waits for its first diagnostics. */
  async open(uri: string, languageId: string, text: string): Promise<Diagnostic[]> {
    const published = this.nextDiagnostics(uri);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version: 1, text } });
    return published;
  }

  /** Opens a fixture file (test/language/fixtures/NAME). */
  openFixture(name: string, languageId: string): Promise<{ uri: string; text: string; diagnostics: Promise<Diagnostic[]> }> {
    const text = readFileSync(join(FIXTURES, name), 'utf8');
    const uri = pathToFileURL(join(FIXTURES, name)).href;
    return Promise.resolve({ uri, text, diagnostics: this.open(uri, languageId, text) });
  }

  nextDiagnostics(uri: string): Promise<Diagnostic[]> {
    return new Promise((resolve) => this.waiters.push({ uri, resolve }));
  }

  hover(uri: string, position: Position): Promise<Hover | null> {
    return this.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position });
  }

  /** The Markdown of a hover, or '' when there is none. */
  async hoverText(uri: string, position: Position): Promise<string> {
    const h = await this.hover(uri, position);
    return h ? (h.contents as MarkupContent).value : '';
  }

  async completion(uri: string, position: Position): Promise<CompletionItem[]> {
    const r: CompletionItem[] | CompletionList | null = await this.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position });
    return r === null ? [] : Array.isArray(r) ? r : r.items;
  }

  async inlayHints(uri: string, text: string): Promise<InlayHint[]> {
    const end = positionOf(text, text.length);
    const r = await this.connection.sendRequest(InlayHintRequest.type, { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end } });
    return r ?? [];
  }

  /** shutdown + exit; resolves with the server's exit code. */
  async stop(): Promise<number | null> {
    await this.connection.sendRequest(ShutdownRequest.type);
    await this.connection.sendNotification(ExitNotification.type);
    const code = await this.exited;
    this.connection.dispose();
    return code;
  }

  /** Closes the server's stdin, as an editor that dies would. */
  closeInput(): void {
    this.child.stdin.end();
  }

  /** Kills the server if a test failed before stop(). */
  kill(): void {
    this.connection.dispose();
    if (this.child.exitCode === null) this.child.kill();
  }

  get errorOutput(): string {
    return this.stderr;
  }
}

/** Line/character of an offset. */
export function positionOf(text: string, offset: number): Position {
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { line, character: offset - (before.lastIndexOf('\n') + 1) };
}

/**
 * Position inside the `occurrence`-th (0-based) match of `needle` in `text`, `delta` characters after its
 * start (default: its middle).
 */
export function positionAt(text: string, needle: string, occurrence = 0, delta?: number): Position {
  let at = -1;
  for (let n = 0; n <= occurrence; n++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`"${needle}" #${occurrence} not in text`);
  }
  return positionOf(text, at + (delta ?? Math.floor(needle.length / 2)));
}
