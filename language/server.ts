/**
 * Entry point of the language server bundle (dist/language-server.js): the extension starts it through
 * vscode-languageclient with `--stdio`; any other editor can run it the same way. Stdio is the only
 * transport, so the argument is accepted and not required.
 */
import { runStdioServer } from './serve';

void runStdioServer().then((code) => process.exit(code));
