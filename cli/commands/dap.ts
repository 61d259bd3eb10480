/**
 * `virtio-debug dap [--port N [--host ADDR] [--token-file FILE] [--allow-launch]]`: the debug adapter on
 * stdio (what an editor starts), or a TCP server for attach. TCP clients must give the token printed at
 * start; they may not start programs or write files unless --allow-launch (docs/security.md).
 */
import { runStdioAdapter } from '../../adapter/main';
import { serveTcpAdapter } from '../../adapter/tcp/server';
import { TokenError, loadToken } from '../../adapter/tcp/token';
import { UsageError, parseArgs } from '../args';

export async function runDap(argv: string[]): Promise<number> {
  const { flags } = parseArgs(
    argv,
    { port: { type: 'integer', min: 0, max: 65535 }, host: { type: 'string' }, 'token-file': { type: 'string' }, 'allow-launch': { type: 'boolean' } },
    0,
  );
  if (flags.port === undefined) {
    for (const f of ['host', 'token-file', 'allow-launch']) if (flags[f] !== undefined) throw new UsageError(`dap: --${f} needs --port N (without --port the adapter speaks DAP on stdio)`);
    return runStdioAdapter();
  }
  let token;
  try {
    token = loadToken(flags['token-file'] as string | undefined);
  } catch (e) {
    if (e instanceof TokenError) {
      process.stderr.write(`virtio-debug dap: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  return serveTcpAdapter({
    port: flags.port as number,
    host: (flags.host as string | undefined) ?? '127.0.0.1',
    token,
    allowLaunch: flags['allow-launch'] === true,
    log: (line) => process.stderr.write(line + '\n'),
  });
}
