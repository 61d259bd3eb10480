/**
 * Entry point of the Virtio Debug extension (dist/extension.js): the language client for virtio constants
 * in C, C++ and Rust sources, the `virtio` debug type, and the live state that links the two (hovers show
 * what the running session negotiated), plus the debug configurations, device commands, the "Virtio Trace"
 * output and the status bar item. Activated by those languages, by the debug type and by its commands.
 */
import * as vscode from 'vscode';
import { type LanguageClient, State } from 'vscode-languageclient/node';
import { LIVE_STATE_METHOD, type LiveStateParams } from '../protocol/lsp';
import { DEBUG_TYPE, VirtioAdapterFactory } from './adapter-factory';
import { registerConfigurationProviders } from './configuration-provider';
import { registerDeviceCommands } from './device-commands';
import { createLanguageClient } from './language-client';
import { LiveStateForwarder } from './live-state-forwarder';
import { registerPanels } from './panels';
import { registerSessionViews } from './session-views';
import { SnapshotHub } from './snapshot-hub';
import { watchVirtioSessions } from './snapshot-hub-wiring';

let client: LanguageClient | undefined;

export function activate(context: vscode.ExtensionContext): void {
  // One snapshot fetcher for the panels, the status bar and the language server's live state.
  const hub = new SnapshotHub();
  context.subscriptions.push(
    ...watchVirtioSessions(hub),
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new VirtioAdapterFactory(context.asAbsolutePath('dist/adapter.js'))),
    ...registerConfigurationProviders(context),
    ...registerDeviceCommands(),
    ...registerSessionViews(hub),
  );
  registerPanels(context, hub);

  const languageClient = createLanguageClient(context.asAbsolutePath('dist/language-server.js'));
  client = languageClient;
  const forwarder = new LiveStateForwarder(hub, (params: LiveStateParams) => languageClient.sendNotification(LIVE_STATE_METHOD, params));
  context.subscriptions.push(
    forwarder,
    // A restarted server starts without live state.
    languageClient.onDidChangeState((e) => {
      if (e.oldState === State.Starting && e.newState === State.Running) forwarder.resend();
    }),
  );
  // Debugging works without the language server: a session does not wait for it, and a server that cannot
  // start does not fail activation.
  languageClient.start().catch((e: unknown) => {
    void vscode.window.showWarningMessage(`Virtio Debug: the language server did not start (${(e as Error).message})`);
  });
}

export async function deactivate(): Promise<void> {
  const c = client;
  client = undefined;
  await c?.stop();
}
