/**
 * The engine's front door (as vm-virtio's lib.rs): everything the other layers (adapter, cli, language server,
 * extension tables) need, so that they import `engine` and not its folders. Inside the engine, modules import
 * each other by path. See docs/architecture.md, "The engine".
 */

// The spec's tables: names, values, layouts, sections (feature bits, status, ring flags, config fields...).
export * from './spec-tables';
export { type RingLayout } from '../protocol/trace';

// Guest memory: regions, bounds-checked access, side-effect-free peek.
export * from './memory';

// Device core and queues (device side).
export { VirtioDevice, type ChainGate } from './device-core/device';
export { STATUS, F, bit, has } from './device-core/bits';
export { type QueueRuntime, type QueueSpec } from './device-core/queue-runtime';
export { type Chain, type Descriptor, type Segment, type RingFeatures, DESC_F_NEXT, DESC_F_WRITE, DESC_F_INDIRECT } from './queue/types';
export { gather, readChain, writeChain } from './queue/chain-io';
export { DEFAULT_KICK_DEADLINE_MS, KickStallDetector } from './queue/stall';

// Device types.
export * from './devices/blk';
export * from './devices/net';
export * from './devices/net/peers';
export { EchoDevice, ECHO_DEVICE_ID, ECHO_OFFERED, type EchoDeviceOptions } from './devices/echo/echo-device';
export * from './devices/rng';
// Every device type's descriptor (issue 10), registered once.
export { DEVICE_TYPES, allDeviceTypes, deviceType, defineDeviceType, type DeviceCreateContext, type DeviceTypeDescriptor } from './devices/registry';
export { BLK_TYPE, type BlkOptions } from './devices/blk/descriptor';
export { NET_TYPE, type NetOptions } from './devices/net/descriptor';
export { ECHO_TYPE, type EchoOptions } from './devices/echo/descriptor';

// Transports: the in-process virtio-mmio machine and the vhost-user back end.
export { createInProcessMachine, GUEST_RAM_BASE, type InProcessMachine, type InProcessMachineOptions } from './machine/in-process';
export * from './transport/vhost-user';

// The reference driver and its workloads.
export { type FaultPlan, type DriverRing } from './driver/ring-types';
export { BlkClient, BLK_CONFIG_FAULTS, BLK_REQUEST_FAULTS, initBlkDriver, isBlkRequestFault, runBlkWorkload, type BlkWorkloadOptions, type BlkWorkloadResult } from './driver/workloads/blk';
export { netFaults, runNetFlood, runNetPing, startNetClient, NetClient, type NetClientOptions } from './driver/workloads/net';
export { runEchoWorkload, type EchoWorkloadOptions, type EchoWorkloadResult } from './driver/workloads/echo';
export { runRngWorkload, type RngWorkloadOptions, type RngWorkloadResult } from './driver/workloads/rng';

// Rules, trace, decoders, snapshots.
export * from './rules';
export * from './trace';
export * from './decode';
export { deviceSnapshot, queueSnapshot, type SnapshotOptions } from './snapshot/snapshot';
export { hex, hexBytes, hexString } from './wire/hex';
