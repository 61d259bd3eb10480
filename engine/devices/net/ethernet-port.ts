/**
 * Where Ethernet frames enter and leave: a net device's wire side, a peer (responder, UDP tunnel), a
 * switch port. Two ports are connected by pointing each one's `transmit` at the other's `receive`.
 * Frames are plain Ethernet (no virtio_net_hdr, no FCS).
 */
export interface EthernetPort {
  /** A frame arrives at this port. Must not throw; must not keep `frame` after returning unless it copies it. */
  receive(frame: Uint8Array): void;
  /** Where frames sent from this port go; set by connect(). Until connected, frames are dropped. */
  transmit: (frame: Uint8Array) => void;
  /** Releases sockets/files; flushes captures. */
  close?(): Promise<void> | void;
}

/** Drops frames: the default transmit of an unconnected port. */
export const dropFrame = (_frame: Uint8Array): void => {};

/** Connects two ports back to back. */
export function connect(a: EthernetPort, b: EthernetPort): void {
  a.transmit = (f) => b.receive(f);
  b.transmit = (f) => a.receive(f);
}

/** Observes every frame crossing a link in both directions (pcap capture). */
export type FrameTap = (frame: Uint8Array, direction: 'a-to-b' | 'b-to-a') => void;

export function connectWithTap(a: EthernetPort, b: EthernetPort, tap: FrameTap): void {
  a.transmit = (f) => {
    tap(f, 'a-to-b');
    b.receive(f);
  };
  b.transmit = (f) => {
    tap(f, 'b-to-a');
    a.receive(f);
  };
}
