/**
 * The client of our language server (dist/language-server.js on stdio): virtio constants in C, C++ and
 * Rust driver sources (hover, completion, inlay hints, diagnostics).
 */
import { LanguageClient, type LanguageClientOptions, type ServerOptions, TransportKind } from 'vscode-languageclient/node';

export const DRIVER_LANGUAGES = ['c', 'cpp', 'rust'] as const;

export function createLanguageClient(serverModule: string): LanguageClient {
  // TransportKind.stdio makes the client pass `--stdio` to the server itself.
  const run = { module: serverModule, transport: TransportKind.stdio };
  const serverOptions: ServerOptions = { run, debug: run };
  const clientOptions: LanguageClientOptions = {
    documentSelector: DRIVER_LANGUAGES.flatMap((language) => [
      { scheme: 'file', language },
      { scheme: 'untitled', language },
    ]),
  };
  return new LanguageClient('virtioDebug', 'Virtio Debug Language Server', serverOptions, clientOptions);
}
