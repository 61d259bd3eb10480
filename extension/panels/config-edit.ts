/**
 * Writes a host-editable config field (link status, capacity, writeback) the way the Variables view does:
 * find the device's `config` node through threads → stackTrace → scopes → Device, then `setVariable`.
 * The adapter refuses read-only fields and bad values with a message, which is passed on as is.
 */
import { type DebugProtocol } from '@vscode/debugprotocol';

/** The part of a vscode.DebugSession this needs. */
export interface DapRequester {
  customRequest(command: string, args?: unknown): PromiseLike<unknown>;
}

export async function setConfigField(session: DapRequester, device: string, field: string, value: string): Promise<string> {
  const { threads } = (await session.customRequest('threads')) as DebugProtocol.ThreadsResponse['body'];
  const thread = threads.find((t) => t.name.startsWith(`${device}.`));
  if (!thread) throw new Error(`the session has no device "${device}"`);
  const { stackFrames } = (await session.customRequest('stackTrace', { threadId: thread.id, startFrame: 0, levels: 1 })) as DebugProtocol.StackTraceResponse['body'];
  const frame = stackFrames[0];
  if (!frame) throw new Error(`${thread.name} has no frame to read the device from`);
  const { scopes } = (await session.customRequest('scopes', { frameId: frame.id })) as DebugProtocol.ScopesResponse['body'];
  const deviceScope = scopes.find((s) => s.name === 'Device');
  if (!deviceScope) throw new Error('the adapter did not offer a Device scope');
  const { variables } = (await session.customRequest('variables', { variablesReference: deviceScope.variablesReference })) as DebugProtocol.VariablesResponse['body'];
  const config = variables.find((v) => v.name === 'config');
  if (!config?.variablesReference) throw new Error(`${device} has no config space`);
  const r = (await session.customRequest('setVariable', { variablesReference: config.variablesReference, name: field, value })) as DebugProtocol.SetVariableResponse['body'];
  return r.value;
}
