/**
 * Debug configurations: F5 in a folder without launch.json starts the built-in blk + net session, the
 * Run and Debug list offers it too (dynamic configurations), and partial configurations get defaults.
 */
import * as vscode from 'vscode';
import { DEBUG_TYPE } from './adapter-factory';
import { defaultLaunch, resolveLaunch } from './default-launch';

export class VirtioConfigurationProvider implements vscode.DebugConfigurationProvider {
  constructor(private readonly context: vscode.ExtensionContext) {}

  /** Workspace storage (global storage when no folder is open): created on demand, outside the sources. */
  private async storageDir(): Promise<string> {
    const uri = this.context.storageUri ?? this.context.globalStorageUri;
    await vscode.workspace.fs.createDirectory(uri);
    return uri.fsPath;
  }

  async provideDebugConfigurations(): Promise<vscode.DebugConfiguration[]> {
    return [defaultLaunch(await this.storageDir())];
  }

  async resolveDebugConfiguration(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration | undefined> {
    const resolved = resolveLaunch(config, await this.storageDir());
    return (resolved as vscode.DebugConfiguration | undefined) ?? config;
  }
}

export function registerConfigurationProviders(context: vscode.ExtensionContext): vscode.Disposable[] {
  const provider = new VirtioConfigurationProvider(context);
  return [
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, provider),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, provider, vscode.DebugConfigurationProviderTriggerKind.Dynamic),
  ];
}
