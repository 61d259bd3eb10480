/**
 * Receive filtering as the control queue configures it (§5.1.6.5.1–3): the default MAC, the unicast and
 * multicast MAC tables, the RX modes (PROMISC, ALLMULTI, ALLUNI, NOMULTI, NOUNI, NOBCAST) and the VLAN
 * filter table. The decision order follows QEMU's receive_filter(): promiscuous first, then VLAN, then
 * broadcast / multicast / unicast with their suppress and accept-all modes, then the tables.
 *
 * Defaults after reset: a driver without CTRL_RX cannot configure filtering, so it gets its MAC, broadcast
 * and all multicast (IPv6 neighbour discovery needs it); with CTRL_RX every mode starts off and the driver
 * sets what it wants (Linux sends PROMISC/ALLMULTI and MAC_TABLE_SET when the interface comes up).
 */
import { ETHERTYPE_VLAN } from '../../wire/ethernet';

/** Entries kept per MAC table; more switch the table to "accept all" of its kind (the spec allows it). */
export const MAC_TABLE_ENTRIES = 64;

export type RxMode = 'promisc' | 'allmulti' | 'alluni' | 'nomulti' | 'nouni' | 'nobcast';

/** Why a frame was not accepted (for counters and the trace). */
export type FilterReason = 'runt' | 'vlan' | 'broadcast' | 'multicast' | 'unicast';

const macKey = (b: Uint8Array, o = 0): string => {
  let s = '';
  for (let i = 0; i < 6; i++) s += (b[o + i] ?? 0).toString(16).padStart(2, '0');
  return s;
};

export class RxFilter {
  readonly modes: Record<RxMode, boolean> = { promisc: false, allmulti: false, alluni: false, nomulti: false, nouni: false, nobcast: false };
  mac = new Uint8Array(6);
  private unicast = new Set<string>();
  private multicast = new Set<string>();
  /** More addresses than MAC_TABLE_ENTRIES were given: accept all of that kind. */
  unicastOverflow = false;
  multicastOverflow = false;
  /** VLAN filtering is on when CTRL_VLAN was negotiated; the table starts empty. */
  vlanFiltering = false;
  readonly vlans = new Set<number>();

  /** Back to the state after a device reset (§5.1.6.5.2.1: empty MAC table). */
  reset(mac: Uint8Array, o: { ctrlRx: boolean; ctrlVlan: boolean }): void {
    for (const k of Object.keys(this.modes) as RxMode[]) this.modes[k] = false;
    if (!o.ctrlRx) this.modes.allmulti = true;
    this.mac = Uint8Array.from(mac.subarray(0, 6));
    this.unicast.clear();
    this.multicast.clear();
    this.unicastOverflow = this.multicastOverflow = false;
    this.vlanFiltering = o.ctrlVlan;
    this.vlans.clear();
  }

  setMode(mode: RxMode, on: boolean): void {
    this.modes[mode] = on;
  }

  setTables(unicast: Uint8Array[], multicast: Uint8Array[]): void {
    this.unicastOverflow = unicast.length > MAC_TABLE_ENTRIES;
    this.multicastOverflow = multicast.length > MAC_TABLE_ENTRIES;
    this.unicast = new Set(this.unicastOverflow ? [] : unicast.map((m) => macKey(m)));
    this.multicast = new Set(this.multicastOverflow ? [] : multicast.map((m) => macKey(m)));
  }

  get tables(): { unicast: string[]; multicast: string[] } {
    return { unicast: [...this.unicast], multicast: [...this.multicast] };
  }

  /** undefined when the frame is accepted; otherwise why it is dropped. */
  check(frame: Uint8Array): FilterReason | undefined {
    if (frame.length < 14) return 'runt';
    const m = this.modes;
    if (m.promisc) return undefined;
    if (this.vlanFiltering && ((frame[12]! << 8) | frame[13]!) === ETHERTYPE_VLAN) {
      if (frame.length < 18) return 'runt';
      const vid = ((frame[14]! << 8) | frame[15]!) & 0x0fff;
      if (!this.vlans.has(vid)) return 'vlan';
    }
    if (frame[0]! & 1) {
      if (isBroadcast(frame)) return m.nobcast ? 'broadcast' : undefined;
      if (m.nomulti) return 'multicast';
      if (m.allmulti || this.multicastOverflow) return undefined;
      return this.multicast.has(macKey(frame)) ? undefined : 'multicast';
    }
    if (m.nouni) return 'unicast';
    if (m.alluni || this.unicastOverflow) return undefined;
    const dst = macKey(frame);
    if (dst === macKey(this.mac) || this.unicast.has(dst)) return undefined;
    return 'unicast';
  }
}

function isBroadcast(frame: Uint8Array): boolean {
  for (let i = 0; i < 6; i++) if (frame[i] !== 0xff) return false;
  return true;
}
