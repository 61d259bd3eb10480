/**
 * A learning Ethernet switch joining several ports (net devices, responders, tunnels): it learns which
 * port each source MAC lives behind, forwards known unicast to that port only, floods broadcast,
 * multicast and unknown unicast to every other port, and never sends a frame back out of the port it
 * came in on (no hairpin). The MAC table is bounded (the oldest entry makes room) and entries age out.
 *
 * Forwarding is synchronous: a frame reaches the destination's `receive` before the sender's `transmit`
 * returns, so the switch never keeps or copies frames.
 */
import { dropFrame, type EthernetPort } from '../ethernet-port';
import { formatMac } from '../../../wire/address';

const ETH_HEADER_LEN = 14;

export interface SwitchOptions {
  /** Entries in the MAC table; the least recently refreshed one is evicted when it is full. Default 1024. */
  maxMacs?: number;
  /** A MAC not seen as a source for this long is forgotten (ms). Default 300 000, as IEEE 802.1D. */
  ageingMs?: number;
  /** Milliseconds clock (tests inject one). */
  now?: () => number;
}

export interface SwitchStats {
  framesIn: number;
  /** Frames delivered to one port because the destination was known. */
  forwarded: number;
  /** Frames copied to every other port (broadcast, multicast, unknown unicast). */
  flooded: number;
  /** Frames dropped: runts, multicast source MACs, destination behind the ingress port, detached port. */
  filtered: number;
  /** Table entries removed to make room or because they aged out. */
  evicted: number;
  aged: number;
}

export interface MacTableEntry {
  mac: string;
  port: number;
  ageMs: number;
}

/** A port of the switch: connect it to a device's port with `connect()`. */
export class SwitchPort implements EthernetPort {
  transmit: (frame: Uint8Array) => void = dropFrame;
  attached = true;

  constructor(
    private readonly owner: EthernetSwitch,
    /** Number of the port, from 0, unique for the switch's lifetime. */
    readonly id: number,
  ) {}

  /** A frame sent by whatever is attached to this port enters the switch. */
  receive(frame: Uint8Array): void {
    this.owner.ingress(this, frame);
  }

  /** Detaches the port from the switch; its MAC entries are forgotten. */
  close(): void {
    this.owner.removePort(this);
  }
}

interface Learned {
  port: SwitchPort;
  seen: number;
}

export class EthernetSwitch {
  readonly stats: SwitchStats = { framesIn: 0, forwarded: 0, flooded: 0, filtered: 0, evicted: 0, aged: 0 };
  private readonly ports: SwitchPort[] = [];
  /** MAC (48 bits as a number) → port; Map order is refresh order, oldest first. */
  private readonly table = new Map<number, Learned>();
  private readonly maxMacs: number;
  private readonly ageingMs: number;
  private readonly now: () => number;
  private nextId = 0;

  constructor(options: SwitchOptions = {}) {
    this.maxMacs = Math.max(1, options.maxMacs ?? 1024);
    this.ageingMs = options.ageingMs ?? 300_000;
    this.now = options.now ?? Date.now;
  }

  newPort(): SwitchPort {
    const port = new SwitchPort(this, this.nextId++);
    this.ports.push(port);
    return port;
  }

  removePort(port: SwitchPort): void {
    const i = this.ports.indexOf(port);
    if (i < 0) return;
    this.ports.splice(i, 1);
    port.attached = false;
    for (const [mac, entry] of this.table) if (entry.port === port) this.table.delete(mac);
  }

  get portCount(): number {
    return this.ports.length;
  }

  /** The MAC table, oldest first (for tests and the debugger). */
  macTable(): MacTableEntry[] {
    const now = this.now();
    const out: MacTableEntry[] = [];
    for (const [mac, e] of this.table) {
      if (now - e.seen <= this.ageingMs) out.push({ mac: formatMac(macBytes(mac)), port: e.port.id, ageMs: now - e.seen });
    }
    return out;
  }

  /** Forgets every learned MAC. */
  flushTable(): void {
    this.table.clear();
  }

  close(): void {
    for (const p of [...this.ports]) this.removePort(p);
  }

  /** @internal A frame entering through `from`. Never throws (a receiver that throws is its own bug). */
  ingress(from: SwitchPort, frame: Uint8Array): void {
    this.stats.framesIn++;
    if (!from.attached || frame.length < ETH_HEADER_LEN || (frame[6]! & 1) !== 0) {
      this.stats.filtered++;
      return;
    }
    this.learn(macNumber(frame, 6), from);
    const dst = macNumber(frame, 0);
    const groupAddress = (frame[0]! & 1) !== 0;
    const known = groupAddress ? undefined : this.lookup(dst);
    if (known) {
      if (known === from) {
        this.stats.filtered++;
        return;
      }
      this.stats.forwarded++;
      known.transmit(frame);
      return;
    }
    this.stats.flooded++;
    for (const p of [...this.ports]) if (p !== from && p.attached) p.transmit(frame);
  }

  private learn(mac: number, port: SwitchPort): void {
    const existing = this.table.get(mac);
    if (existing) this.table.delete(mac);
    else if (this.table.size >= this.maxMacs) this.evictOne();
    this.table.set(mac, { port, seen: this.now() });
  }

  private evictOne(): void {
    const oldest = this.table.keys().next();
    if (oldest.done) return;
    this.table.delete(oldest.value);
    this.stats.evicted++;
  }

  private lookup(mac: number): SwitchPort | undefined {
    const entry = this.table.get(mac);
    if (!entry) return undefined;
    if (this.now() - entry.seen > this.ageingMs) {
      this.table.delete(mac);
      this.stats.aged++;
      return undefined;
    }
    return entry.port;
  }
}

/** 48-bit MAC at `off` as a number (exact: below 2^53). */
function macNumber(frame: Uint8Array, off: number): number {
  let n = 0;
  for (let i = 0; i < 6; i++) n = n * 256 + frame[off + i]!;
  return n;
}

function macBytes(n: number): Uint8Array {
  const b = new Uint8Array(6);
  for (let i = 5; i >= 0; i--) {
    b[i] = n % 256;
    n = Math.floor(n / 256);
  }
  return b;
}
