/**
 * Addresses other hosts have used as their own (ARP sender, IP source), so the responder does not
 * answer for them when it shares a switch with real hosts. Bounded (oldest forgotten first) and aged.
 */
import { hexString } from '../../../wire/hex';

interface Owner {
  mac: string;
  seen: number;
}

export class KnownHosts {
  /** Address → owner; Map order is refresh order, oldest first. */
  private readonly owners = new Map<string, Owner>();

  constructor(
    private readonly max: number,
    private readonly ageingMs: number,
    private readonly now: () => number,
  ) {}

  /** The last note: while it is the newest entry, the same host at the same clock tick changes nothing. */
  private last: { ip: Uint8Array; mac: Uint8Array; seen: number } | undefined;

  /** Records that the host at `mac` used `ip` as its own address. */
  note(ip: Uint8Array, mac: Uint8Array): void {
    if (this.max <= 0) return;
    const now = this.now();
    // A flood from one host (tens of thousands of pings a second) notes it again and again within a clock tick.
    const l = this.last;
    if (l && l.seen === now && sameBytes(l.ip, ip) && sameBytes(l.mac, mac)) return;
    const key = hexString(ip);
    if (!this.owners.delete(key) && this.owners.size >= this.max) {
      const oldest = this.owners.keys().next();
      if (!oldest.done) this.owners.delete(oldest.value);
    }
    this.owners.set(key, { mac: hexString(mac), seen: now });
    this.last = { ip: ip.slice(), mac: mac.slice(), seen: now };
  }

  /** Whether a host other than the one at `askerMac` recently used `ip` as its own address. */
  ownedByAnother(ip: Uint8Array, askerMac: Uint8Array): boolean {
    const key = hexString(ip);
    const owner = this.owners.get(key);
    if (!owner) return false;
    if (this.now() - owner.seen > this.ageingMs) {
      this.owners.delete(key);
      this.last = undefined;
      return false;
    }
    return owner.mac !== hexString(askerMac);
  }

  get size(): number {
    return this.owners.size;
  }

  clear(): void {
    this.owners.clear();
    this.last = undefined;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
