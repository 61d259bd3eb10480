/**
 * Debug Console commands (besides evaluating names): help, queues, chain N, violations, rule ID,
 * link up|down, inject frame HEX, reset DEVICE, pcap start FILE | pcap stop. Each returns the text to show.
 */
import { findRule } from '../../engine';
import { type HostActions, hostActions } from '../runtime/host-actions';
import { type SessionRuntime } from '../runtime/session-runtime';

export const REPL_COMMANDS: { name: string; usage: string; help: string }[] = [
  { name: 'help', usage: 'help', help: 'this list' },
  { name: 'queues', usage: 'queues', help: 'every queue with pending, in-flight and counters' },
  { name: 'chain', usage: 'chain [THREAD] N', help: 'the N-th pending chain (0 = next) of the stopped queue or THREAD' },
  { name: 'violations', usage: 'violations', help: 'spec violations seen so far' },
  { name: 'rule', usage: 'rule ID', help: 'explain a rule of the catalogue' },
  { name: 'link', usage: 'link up|down [DEVICE]', help: 'set the link status of a net device (config-change interrupt)' },
  { name: 'inject', usage: 'inject frame HEX [DEVICE]', help: 'deliver an Ethernet frame to a net device' },
  { name: 'reset', usage: 'reset DEVICE', help: 'set DEVICE_NEEDS_RESET: ask the driver to reset the device' },
  { name: 'pcap', usage: 'pcap start FILE [DEVICE] | pcap stop [DEVICE]', help: 'capture a net device\'s frames to a pcap file' },
  { name: 'guest', usage: 'guest', help: 'whether the QEMU guest runs or is frozen (sessions that started QEMU)' },
];

/** What the REPL can ask of the session beyond the runtime. */
export interface ReplContext {
  stoppedThread: number | undefined;
  /** QEMU guest state through QMP (undefined: no QEMU in this session). */
  guestRunning?: () => Promise<boolean | undefined>;
}

export function isReplCommand(text: string): boolean {
  const w = text.trim().split(/\s+/)[0] ?? '';
  return REPL_COMMANDS.some((c) => c.name === w);
}

export async function runReplCommand(rt: SessionRuntime, text: string, ctx: ReplContext): Promise<string> {
  const [cmd, ...args] = text.trim().split(/\s+/);
  const stoppedThread = ctx.stoppedThread;
  // Without an id, the first device whose kind offers the action (link, injectFrame, pcapStart...): never a type name.
  const pickDevice = (id: string | undefined, action?: keyof HostActions) => {
    const d = id ? rt.device(id) : rt.devices.find((x) => !action || hostActions(x)[action] !== undefined);
    if (!d) throw new Error(id ? `no device "${id}" (devices: ${rt.devices.map((x) => x.id).join(', ')})` : `no device in this session supports ${action ?? 'this'}`);
    return d;
  };
  switch (cmd) {
    case 'help':
      return REPL_COMMANDS.map((c) => `${c.usage.padEnd(44)} ${c.help}`).join('\n') + '\nAny other input is evaluated as a name, e.g. blk0.config.capacity or net0.receiveq1.used.idx';
    case 'queues':
      return rt.threads
        .all()
        .map((t) => {
          const q = t.queue;
          return `${t.name.padEnd(22)} ${q.enabled ? q.layout.padEnd(6) : 'off   '} size ${String(q.size).padStart(5)}  pending ${q.enabled ? q.pendingCount() : 0}  in flight ${q.pending.length}  chains ${q.counters.chains}  used ${q.counters.used}${q.paused ? '  [stopped]' : ''}${q.vq?.broken ? `  [broken: ${q.vq.broken}]` : ''}`;
        })
        .join('\n');
    case 'chain': {
      const thread = args.length > 1 ? rt.threads.byName(args[0]!) : stoppedThread ? rt.threads.byId(stoppedThread) : undefined;
      if (!thread) throw new Error('name a queue: chain THREAD N (e.g. chain blk0.requestq1 0)');
      const n = Number(args[args.length - 1] ?? 0);
      const { chains } = rt.frames(thread.id, n + 1);
      const c = chains[n];
      if (!c) return `${thread.name} has ${chains.length} pending chain(s)`;
      return [
        `${thread.name} chain ${n}: id ${c.id}, ${c.descriptors.length} descriptors, ${c.readableBytes} B readable, ${c.writableBytes} B writable`,
        ...c.descriptors.map((d, i) => `  [${i}] #${d.index} addr 0x${d.addr.toString(16)} len ${d.len} flags 0x${d.flags.toString(16)}${d.indirect ? ' (indirect)' : ''}`),
      ].join('\n');
    }
    case 'violations': {
      const vs = rt.recordedViolations();
      return vs.length
        ? vs
            .map((v, i) => {
              const total = rt.totalAfter(v, i);
              return `${v.rule} (§${v.section}) ${v.device}${v.queueName ? '.' + v.queueName : ''}: ${v.message}${total !== undefined ? ` (${total.toLocaleString('en-US')} in all)` : ''}`;
            })
            .join('\n')
        : 'no violations';
    }
    case 'rule': {
      const r = args[0] ? findRule(args[0]) : undefined;
      if (!r) throw new Error(`unknown rule "${args[0] ?? ''}"`);
      return `${r.id} (§${r.section}, ${r.severity})\n${r.rule}\nWhy: ${r.explanation}\nFix: ${r.fix}`;
    }
    case 'link': {
      if (args[0] !== 'up' && args[0] !== 'down') throw new Error('usage: link up|down [DEVICE]');
      const d = pickDevice(args[1], 'link');
      const a = hostActions(d);
      if (!a.link) throw new Error(`${d.id} has no link status`);
      a.link(d, args[0] === 'up');
      return `${d.id}: link ${args[0]}`;
    }
    case 'inject': {
      if (args[0] !== 'frame' || !args[1]) throw new Error('usage: inject frame HEX [DEVICE]');
      const hex = args[1].replace(/[^0-9a-f]/gi, '');
      if (hex.length < 28 || hex.length % 2) throw new Error('the frame needs at least 14 bytes of hex (an Ethernet header)');
      const d = pickDevice(args[2], 'injectFrame');
      const a = hostActions(d);
      if (!a.injectFrame) throw new Error(`${d.id} does not take frames`);
      a.injectFrame(d, Uint8Array.from(hex.match(/../g)!.map((b) => parseInt(b, 16))));
      return `${d.id}: injected a ${hex.length / 2}-byte frame`;
    }
    case 'reset': {
      const d = pickDevice(args[0]);
      d.needsReset('requested from the debugger');
      return `${d.id}: DEVICE_NEEDS_RESET set; the driver was notified (config change)`;
    }
    case 'pcap': {
      if (args[0] === 'start' && args[1]) {
        const d = pickDevice(args[2], 'pcapStart');
        const a = hostActions(d);
        if (!a.pcapStart) throw new Error(`${d.id} cannot capture`);
        a.pcapStart(d, args[1]);
        return `${d.id}: capturing to ${args[1]}`;
      }
      if (args[0] === 'stop') {
        const d = pickDevice(args[1], 'pcapStop');
        hostActions(d).pcapStop?.(d);
        return `${d.id}: capture stopped`;
      }
      throw new Error('usage: pcap start FILE [DEVICE] | pcap stop [DEVICE]');
    }
    case 'guest': {
      const running = await ctx.guestRunning?.();
      if (running === undefined) return 'no QEMU guest in this session';
      return running ? 'guest running' : 'guest paused (frozen while the session is stopped)';
    }
    default:
      throw new Error(`unknown command ${cmd}`);
  }
}
