/**
 * Starts the debug adapter for `virtio` sessions: dist/adapter.js on stdio for `launch`, or a TCP connection
 * to `virtio-debug dap --port N` for `attach` (docs/architecture.md, "Contracts").
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { type AttachConfig } from '../protocol/launch';

export const DEBUG_TYPE = 'virtio';

/**
 * The Node.js binary that runs the adapter. In code-server (and other Node-hosted extension hosts) that is
 * the extension host's own binary; VS Code desktop runs extensions in Electron, whose binary is not `node`,
 * so there the adapter runs on the `node` found on PATH.
 */
export function nodeExecutable(): string {
  const isNode = process.versions.electron === undefined && /^node(\.exe)?$/i.test(basename(process.execPath));
  return isNode ? process.execPath : 'node';
}

export class VirtioAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(private readonly adapterScript: string) {}

  createDebugAdapterDescriptor(session: vscode.DebugSession): vscode.DebugAdapterDescriptor {
    const config = session.configuration;
    if (config.request === 'attach') {
      const { port, host, token } = config as Partial<AttachConfig>;
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
        throw new Error('attach: "port" must be the port of `virtio-debug dap --port N` (1 to 65535)');
      }
      // The adapter checks the token itself (it arrives with the attach request); refusing here only
      // gives a clearer message than the adapter's closed connection.
      if (typeof token !== 'string' || token === '') {
        throw new Error('attach: "token" is missing: copy the token that `virtio-debug dap --port N` printed (e.g. "token": "${env:VIRTIO_DEBUG_TOKEN}")');
      }
      return new vscode.DebugAdapterServer(port, typeof host === 'string' && host !== '' ? host : '127.0.0.1');
    }
    // Relative paths in the configuration (disk images, pcap, trace) resolve against the workspace folder.
    const cwd = session.workspaceFolder?.uri.scheme === 'file' ? session.workspaceFolder.uri.fsPath : undefined;
    return new vscode.DebugAdapterExecutable(nodeExecutable(), [this.adapterScript], cwd ? { cwd } : {});
  }
}
