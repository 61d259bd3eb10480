/** Helpers for driving the real adapter process (dist/adapter.js) with DebugClient. */
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { type DebugProtocol } from '@vscode/debugprotocol';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ADAPTER = join(__dirname, '..', '..', 'dist', 'adapter.js');

export async function startClient(): Promise<DebugClient> {
  if (!existsSync(ADAPTER)) throw new Error(`${ADAPTER} is missing: run npm run build`);
  const dc = new DebugClient('node', ADAPTER, 'virtio');
  dc.defaultTimeout = 15_000;
  await dc.start();
  return dc;
}

export interface LaunchOptions {
  config: Record<string, unknown>;
  /** Client capabilities sent with initialize (e.g. supportsProgressReporting). */
  initialize?: Partial<DebugProtocol.InitializeRequestArguments>;
  functionBreakpoints?: DebugProtocol.FunctionBreakpoint[];
  exceptionFilters?: string[];
}

/** A stopped event of this adapter: it always names the thread (queue) that stopped. */
export type Stopped = DebugProtocol.StoppedEvent & { body: { threadId: number } };

/** Launches and configures a session the way VS Code does; resolves with the first stopped event. */
export async function launchAndStop(dc: DebugClient, o: LaunchOptions): Promise<Stopped> {
  const stopped = dc.waitForEvent('stopped') as Promise<Stopped>;
  const configured = dc.waitForEvent('initialized').then(async () => {
    if (o.functionBreakpoints) await dc.setFunctionBreakpointsRequest({ breakpoints: o.functionBreakpoints });
    await dc.setExceptionBreakpointsRequest({ filters: o.exceptionFilters ?? ['violation'] });
    await dc.configurationDoneRequest();
  });
  const launched = dc
    .initializeRequest({ adapterID: 'virtio', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path', ...o.initialize })
    .then(() => dc.launchRequest(o.config as DebugProtocol.LaunchRequestArguments));
  await Promise.all([launched, configured]);
  return stopped;
}

export async function evaluate(dc: DebugClient, expression: string, context = 'watch'): Promise<string> {
  const r = await dc.evaluateRequest({ expression, context });
  return r.body.result;
}

export async function variablesOf(dc: DebugClient, ref: number): Promise<DebugProtocol.Variable[]> {
  return (await dc.variablesRequest({ variablesReference: ref })).body.variables;
}

export async function scopeVars(dc: DebugClient, frameId: number, scope: string): Promise<DebugProtocol.Variable[]> {
  const scopes = (await dc.scopesRequest({ frameId })).body.scopes;
  const s = scopes.find((x) => x.name === scope);
  if (!s) throw new Error(`no scope ${scope} (have ${scopes.map((x) => x.name).join(', ')})`);
  return variablesOf(dc, s.variablesReference);
}

export function echoConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'virtio',
    request: 'launch',
    name: 'echo',
    devices: [{ type: 'echo', id: 'echo0', queueSize: 64 }],
    driver: 'builtin',
    workload: { count: 8 },
    ...extra,
  };
}
