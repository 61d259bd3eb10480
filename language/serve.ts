/**
 * The language server: wires the providers to an LSP connection. Transport-independent: server.ts and
 * `virtio-debug lsp --stdio` run it on stdio; tests may run it on any stream pair.
 */
import {
  createConnection, type Connection, type InitializeResult, TextDocuments, TextDocumentSyncKind, type WatchDog,
} from 'vscode-languageserver';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { LIVE_STATE_METHOD, type LiveStateParams } from '../protocol/lsp';
import { analyze, forget } from './analysis';
import { completions } from './completion';
import { diagnose } from './diagnostics';
import { hover } from './hover';
import { inlayHints } from './inlay-hints';
import { LiveState } from './live-state';
import { symbolIndex } from './symbol-index';

export const SERVER_NAME = 'virtio-debug-language-server';

/** Registers every handler on `connection` and starts listening. */
export function serve(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
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

  const publish = (doc: TextDocument): void => {
    const analysis = analyze(doc);
    if (!analysis) return;
    void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics: diagnose(analysis, index) });
  };
  documents.onDidChangeContent((e) => publish(e.document)); // fires on open too
  documents.onDidClose((e) => {
    forget(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  const withAnalysis = <T>(uri: string, fallback: T, f: (a: NonNullable<ReturnType<typeof analyze>>) => T): T => {
    const doc = documents.get(uri);
    const analysis = doc && analyze(doc);
    return analysis ? f(analysis) : fallback;
  };
  connection.onHover((p) => withAnalysis(p.textDocument.uri, null, (a) => hover(a, p.position, index, live)));
  connection.onCompletion((p) => withAnalysis(p.textDocument.uri, null, (a) => completions(a, p.position, index)));
  connection.languages.inlayHint.on((p) => withAnalysis(p.textDocument.uri, [], (a) => inlayHints(a, p.range, index)));

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
