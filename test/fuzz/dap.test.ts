// Fuzz: DAP requests into the adapter's request handlers, in process (VirtioDebugSession without a process
// around it): a session on the built-in driver with the echo device, stopped on entry, then random requests —
// known commands with random and nearly-valid arguments, unknown commands. Every request gets exactly one
// response (success or an error message), the session keeps answering, nothing throws.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { type DebugProtocol } from '@vscode/debugprotocol';
import { VirtioDebugSession } from '../../adapter/session';
import { SNAPSHOT_REQUEST } from '../../protocol/dap';
import { fuzzAsync } from './support/fuzz';

const COMMANDS = [
  'threads', 'stackTrace', 'scopes', 'variables', 'evaluate', 'setVariable', 'readMemory', 'writeMemory', 'completions', 'exceptionInfo',
  'setFunctionBreakpoints', 'setBreakpoints', 'setExceptionBreakpoints', 'source', 'pause', 'next', 'stepIn', 'stepOut', SNAPSHOT_REQUEST, 'noSuchCommand',
];
const EXPRESSIONS = ['echo0.requestq1.used.idx', 'echo0.status', 'echo0.config', 'echo0.requestq1', '1 +', '', 'req.type == "OUT"', 'x'.repeat(300)];

const small = fc.oneof(fc.integer({ min: -2, max: 3000 }), fc.constant(0x8000_0000), fc.constant(Number.MAX_SAFE_INTEGER));
const args = fc.oneof(
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
  {
    weight: 4,
    arbitrary: fc.record(
      {
        threadId: small, frameId: small, variablesReference: small, startFrame: small, levels: small, count: small, offset: small,
        memoryReference: fc.oneof(fc.constantFrom('0x1000', '0x80000', 'zz', '-1', '0xffffffffffffffff'), fc.string({ maxLength: 6 })),
        expression: fc.constantFrom(...EXPRESSIONS), name: fc.constantFrom('status', 'capacity', 'idx', ''), value: fc.constantFrom('1', '0x10', 'abc', '-5'),
        data: fc.constantFrom('AAAA', '', '!!'), text: fc.string({ maxLength: 10 }), column: small, context: fc.constantFrom('repl', 'watch', 'hover'),
        filters: fc.array(fc.constantFrom('violation', 'reset', 'status', 'config', 'nope'), { maxLength: 3 }),
        breakpoints: fc.array(fc.record({ name: fc.constantFrom('echo0.*', '*', '[', 'echo0.requestq1'), condition: fc.constantFrom('', 'req.len >', 'true') }, { requiredKeys: ['name'] }), { maxLength: 3 }),
      },
      { requiredKeys: [] },
    ),
  },
);

class Harness {
  readonly session = new VirtioDebugSession();
  private seq = 1;
  private readonly waiting = new Map<number, (r: DebugProtocol.Response) => void>();
  readonly answered = new Map<number, number>();
  stopped = 0;

  constructor() {
    this.session.onDidSendMessage((m) => {
      const msg = m as DebugProtocol.ProtocolMessage;
      if (msg.type === 'response') {
        const r = msg as DebugProtocol.Response;
        this.answered.set(r.request_seq, (this.answered.get(r.request_seq) ?? 0) + 1);
        this.waiting.get(r.request_seq)?.(r);
      } else if (msg.type === 'event' && (msg as DebugProtocol.Event).event === 'stopped') {
        this.stopped++;
      }
    });
  }

  request(command: string, a: unknown, ms = 5000): Promise<DebugProtocol.Response> {
    const seq = this.seq++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no response to ${command} ${JSON.stringify(a)?.slice(0, 200)} within ${ms} ms`)), ms);
      this.waiting.set(seq, (r) => {
        clearTimeout(timer);
        this.waiting.delete(seq);
        resolve(r);
      });
      this.session.handleMessage({ seq, type: 'request', command, arguments: a } as DebugProtocol.Request);
    });
  }
}

describe('fuzz: DAP requests (adapter request handlers in process)', () => {
  const h = new Harness();
  before(async () => {
    await h.request('initialize', { adapterID: 'virtio', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
    const launched = h.request('launch', { type: 'virtio', request: 'launch', name: 'fuzz', devices: [{ type: 'echo', id: 'echo0', queueSize: 64 }], driver: 'builtin', workload: { count: 1000000 }, stopOnEntry: true });
    await h.request('configurationDone', {});
    const r = await launched;
    assert.equal(r.success, true, `launch: ${r.message}`);
    const end = Date.now() + 10_000;
    while (h.stopped === 0 && Date.now() < end) await new Promise((res) => setTimeout(res, 20));
    assert.ok(h.stopped > 0, 'stopped on entry');
  });
  after(async () => {
    await h.request('disconnect', { terminateDebuggee: true }).catch(() => undefined);
  });

  test('random requests: one response each, the session keeps answering', async (t) => {
    await fuzzAsync(t, 6000, fc.tuple(fc.constantFrom(...COMMANDS), args), async ([command, a]) => {
      const r = await h.request(command, a);
      assert.equal(r.command, command);
      if (!r.success) assert.ok((r.message ?? '').length > 0, `${command}: an error response says why`);
      // Continue-like requests may have let the workload run: pause again so the next case finds it stopped.
      if (command === 'next' || command === 'stepIn' || command === 'stepOut') await h.request('pause', { threadId: 1 });
    });
    for (const [seq, count] of h.answered) assert.equal(count, 1, `request ${seq} answered ${count} times`);
    const threads = await h.request('threads', {});
    assert.equal(threads.success, true);
  });
});
