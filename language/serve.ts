/**
 * The language server: wires the providers to an LSP connection. Transport-independent: server.ts and
 * `virtio-debug lsp --stdio` run it on stdio; tests may run it on any stream pair.
 */
import {
  type CancellationToken, createConnection, type Connection, type InitializeResult, LSPErrorCodes, type Position, ResponseError, TextDocuments,
  TextDocumentSyncKind, type WatchDog,
} from 'vscode-languageserver';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver/node';
import { type TextDocument } from 'vscode-languageserver-textdocument';
import { LIVE_STATE_METHOD, type LiveStateParams } from '../protocol/lsp';
import { type Analysis, analysisStats, analyze, analyzeRange, forget } from './analysis';
import { completions } from './completion';
import { diagnose } from './diagnostics';
import { EDIT_DOCUMENTS } from './edit-document';
import { hover } from './hover';
import { inlayHints } from './inlay-hints';
import { LiveState } from './live-state';
import { symbolIndex } from './symbol-index';

export const SERVER_NAME = 'virtio-debug-language-server';

/** Quiet time after the last edit of a document before it is analysed whole and diagnostics are published. */
export const ANALYSIS_DELAY_MS = 200;

/** Registers every handler on `connection` and starts listening. */
export function serve(connection: Connection): void {
  // Edits cost what they change, not the size of the file (edit-document.ts).
  const documents = new TextDocuments(EDIT_DOCUMENTS);
  const live = new LiveState();
  const index = symbolIndex();

  connection.onInitialize(
    (): InitializeResult => ({
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        completionProvider: { triggerCharacters: ['_', ':'] },
        inlayHintProvider: true,
      },
      serverInfo: { name: SERVER_NAME },
    }),
  );

  // Diagnostics wait until the edits of a document pause: a burst of keystrokes on a big file is one
  // analysis of its latest version, not one per keystroke (issue 12).
  const pending = new Map<string, NodeJS.Timeout>();
  const publish = (uri: string): void => {
    pending.delete(uri);
    const doc = documents.get(uri);
    if (!doc) return;
    const started = performance.now();
    const analysis = analyze(doc);
    if (!analysis) return;
    const diagnostics = diagnose(analysis, index);
    connection.tracer.log(`analysed ${uri} version ${doc.version} (whole document, ${(performance.now() - started).toFixed(1)} ms, ${analysisStats.full} whole-document analyses so far)`);
    void connection.sendDiagnostics({ uri, version: doc.version, diagnostics });
  };
  documents.onDidChangeContent((e) => {
    // fires on open too
    const uri = e.document.uri;
    clearTimeout(pending.get(uri));
    pending.set(uri, setTimeout(() => publish(uri), ANALYSIS_DELAY_MS));
  });
  documents.onDidClose((e) => {
    clearTimeout(pending.get(e.document.uri));
    pending.delete(e.document.uri);
    forget(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  /** Runs `f` on the analysis of [from, to] of the document, unless the client cancelled the request. */
  const withAnalysis = <T>(uri: string, token: CancellationToken, fallback: T, range: (doc: TextDocument) => [number, number], f: (a: Analysis) => T): T => {
    if (token.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'cancelled');
    const doc = documents.get(uri);
    if (!doc) return fallback;
    const [from, to] = range(doc);
    const analysis = analyzeRange(doc, from, to);
    if (token.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'cancelled');
    return analysis ? f(analysis) : fallback;
  };
  const at = (p: { position: Position }) => (doc: TextDocument): [number, number] => [doc.offsetAt(p.position), doc.offsetAt(p.position)];
  connection.onHover((p, token) => withAnalysis(p.textDocument.uri, token, null, at(p), (a) => hover(a, p.position, index, live)));
  connection.onCompletion((p, token) => withAnalysis(p.textDocument.uri, token, null, at(p), (a) => completions(a, p.position, index)));
  connection.languages.inlayHint.on((p, token) =>
    withAnalysis(p.textDocument.uri, token, [], (doc) => [doc.offsetAt(p.range.start), doc.offsetAt(p.range.end)], (a) => inlayHints(a, p.range, index, token)),
  );

  connection.onNotification(LIVE_STATE_METHOD, (params: LiveStateParams) => live.update(params));

  documents.listen(connection);
  connection.listen();
}

/**
 * Runs the server on a stream pair until the client sends `exit` or closes the input. Resolves with the
 * exit code LSP prescribes: 0 after `shutdown`, 1 otherwise. Never calls process.exit itself.
 */
export function runServer(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<number> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (code: number): void => {
      if (done) return;
      done = true;
      connection.dispose();
      resolve(code);
    };
    const watchDog: WatchDog = {
      shutdownReceived: false,
      initialize: () => {},
      exit: (code) => finish(code),
    };
    const reader = new StreamMessageReader(input);
    const writer = new StreamMessageWriter(output);
    const connection = createConnection((logger) => createProtocolConnection(reader, writer, logger), watchDog);
    reader.onClose(() => finish(watchDog.shutdownReceived ? 0 : 1));
    serve(connection);
  });
}

/**
 * Runs the server on this process's stdin/stdout. stdout carries the protocol, so console output is
 * redirected to stderr for the lifetime of the server.
 */
export async function runStdioServer(): Promise<number> {
  const toStderr = (...args: unknown[]): void => {
    process.stderr.write(args.map(String).join(' ') + '\n');
  };
  const saved = { log: console.log, info: console.info, debug: console.debug, warn: console.warn };
  Object.assign(console, { log: toStderr, info: toStderr, debug: toStderr, warn: toStderr });
  try {
    return await runServer(process.stdin, process.stdout);
  } finally {
    Object.assign(console, saved);
    process.stdin.destroy(); // a client that sent `exit` but keeps the pipe open must not keep us alive
  }
}
