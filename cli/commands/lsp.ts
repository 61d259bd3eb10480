/**
 * `virtio-debug lsp --stdio`: the language server for any editor (the VS Code extension starts the same
 * server through vscode-languageclient). Returns when the client sends `exit` or closes stdin.
 */
import { runStdioServer } from '../../language/serve';
import { UsageError, parseArgs } from '../args';

export async function runLsp(argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, { stdio: { type: 'boolean' } }, 0);
  if (!flags.stdio) throw new UsageError('lsp: only --stdio is supported (the protocol runs on stdin/stdout)');
  return runStdioServer();
}
