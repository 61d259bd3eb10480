/**
 * A debug session for one TCP connection of `virtio-debug dap --port N`. Nothing but `initialize` (static
 * capabilities, no effect) is honoured before the client has shown the adapter's token in its `attach` or
 * `launch` arguments — which is where VS Code's attach flow puts the configuration's "token" attribute.
 * A wrong or missing token gets an error response and the connection is closed. Without --allow-launch,
 * a configuration or console command that would start programs or touch host files is refused.
 */
import { Response } from '@vscode/debugadapter';
import { type DebugProtocol } from '@vscode/debugprotocol';
import { VirtioDebugSession } from '../session';
import { ALLOW_LAUNCH_FLAG, hostAccess, replWritesFiles } from './host-access';
import { tokenMatches } from './token';

export interface GuardOptions {
  token: string;
  allowLaunch: boolean;
  /** The client proved it knows the token. */
  onAuthenticated(): void;
  /** Close the connection (after the error response was written). */
  close(): void;
}

/** DAP error ids of the guard (shown to the user by VS Code). */
export const GUARD_ERRORS = { token: 1010, order: 1011, hostAccess: 1012, replHostAccess: 1013 } as const;

export class GuardedSession extends VirtioDebugSession {
  private authenticated = false;

  constructor(private readonly guard: GuardOptions) {
    super();
    this.setRunAsServer(true);
  }

  protected override dispatchRequest(request: DebugProtocol.Request): void {
    if (!this.authenticated && !this.authenticate(request)) return;
    if (!this.guard.allowLaunch && !this.permitted(request)) return;
    super.dispatchRequest(request);
  }

  /** True when the request may go on; otherwise it was answered (and the connection closed). */
  private authenticate(request: DebugProtocol.Request): boolean {
    if (request.command === 'initialize') return true;
    if (request.command === 'disconnect') {
      this.sendResponse(new Response(request));
      this.guard.close();
      return false;
    }
    if (request.command !== 'attach' && request.command !== 'launch') {
      this.refuse(request, GUARD_ERRORS.order, `"${request.command}" before attach: this adapter requires its token first. Send "attach" with the "token" that \`virtio-debug dap\` printed`);
      this.guard.close();
      return false;
    }
    const args = (request.arguments ?? {}) as Record<string, unknown>;
    if (!tokenMatches(args.token, this.guard.token)) {
      this.refuse(
        request,
        GUARD_ERRORS.token,
        `${args.token === undefined ? 'no "token" in the attach configuration' : 'wrong "token" in the attach configuration'}: this adapter listens on TCP and requires the token it printed at start (\`virtio-debug dap: token ...\`, or the one in its --token-file). Fix: add "token": "..." to the attach configuration`,
      );
      this.guard.close();
      return false;
    }
    delete args.token;
    this.authenticated = true;
    this.guard.onAuthenticated();
    return true;
  }

  private permitted(request: DebugProtocol.Request): boolean {
    if (request.command === 'attach' || request.command === 'launch') {
      const found = hostAccess(request.arguments);
      if (found.length === 0) return true;
      this.refuse(
        request,
        GUARD_ERRORS.hostAccess,
        `${request.command} over TCP refused: ${found.join('; ')}. A TCP client may only start in-memory sessions (builtin driver, echo and net devices with the responder). Fix: start the adapter with \`virtio-debug dap --port N ${ALLOW_LAUNCH_FLAG}\` if TCP clients may run programs and write files as you`,
      );
      return false;
    }
    if (request.command === 'evaluate' && replWritesFiles((request.arguments as { expression?: unknown } | undefined)?.expression)) {
      this.refuse(request, GUARD_ERRORS.replHostAccess, `"pcap start" over TCP refused: it would write a file on the adapter's machine. Fix: start the adapter with ${ALLOW_LAUNCH_FLAG}`);
      return false;
    }
    return true;
  }

  private refuse(request: DebugProtocol.Request, id: number, message: string): void {
    this.sendErrorResponse(new Response(request), { id, format: message, showUser: true });
  }
}
