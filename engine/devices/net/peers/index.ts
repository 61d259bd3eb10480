/** Network peers of the virtio-net device: what sits at the other end of its wire. */
export { Responder, DEFAULT_RESPONDER_MAC, type ResponderOptions, type ResponderStats } from './responder';
export {
  PcapWriter, pcapTap, readPcap, parsePcap, PCAP_MAGIC_MICROS, LINKTYPE_ETHERNET, PCAP_SNAPLEN,
  type PcapWriterOptions, type PcapFile, type PcapRecord,
} from './pcap';
export { UdpTunnel, type UdpTunnelOptions, type UdpTunnelStats } from './udp-tunnel';
export { parsePeerSpec, checkPeerSpec, formatPeerSpec, PeerSpecError, type PeerSpec } from './peer-spec';
export { EthernetSwitch, SwitchPort, type SwitchOptions, type SwitchStats, type MacTableEntry } from './switch';
export { attachPeer, NullPeer, type AttachOptions, type PeerLink } from './attach';
export { parseMac, formatMac, isGroupMac, isLocallyAdministered } from '../../../wire/address';
