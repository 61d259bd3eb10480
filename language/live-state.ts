import { type LiveDeviceState, type LiveDeviceType, type LiveStateParams } from '../protocol/lsp';
import { isDeviceTypeName } from '../protocol/device-type';
import { DEVICE_FEATURE_TABLE } from '../engine/spec-tables/feature-types';
import { statusBitByName } from '../engine/spec-tables/status';

const FEATURES_OK = statusBitByName('FEATURES_OK')?.value ?? 0;

/** One device of the running debug session, with its feature words parsed. */
export interface LiveDevice {
  readonly id: string;
  readonly type: LiveDeviceType;
  readonly offered: bigint;
  /** Features the driver wrote; undefined before it wrote any. */
  readonly accepted: bigint | undefined;
  readonly status: number;
  /** True once the driver set FEATURES_OK and the device kept it (§3.1.1 step 6): accepted = negotiated. */
  readonly featuresOk: boolean;
}

/** The last live state the client sent (`virtio/liveState`); empty when no debug session runs. */
export class LiveState {
  private devices: LiveDevice[] = [];
  private sessionName: string | undefined;

  /** Replaces the state with a notification's payload; malformed devices are dropped, never thrown on. */
  update(params: LiveStateParams | undefined): void {
    const list = Array.isArray(params?.devices) ? params.devices : [];
    this.devices = list.map(parseDevice).filter((d): d is LiveDevice => d !== undefined);
    this.sessionName = typeof params?.session === 'string' ? params.session : undefined;
  }

  get session(): string | undefined {
    return this.sessionName;
  }

  get active(): boolean {
    return this.devices.length > 0;
  }

  /** Devices a constant of this device type applies to: all devices for transport-level constants. */
  devicesFor(device: string): LiveDevice[] {
    return device === 'transport' ? [...this.devices] : this.devices.filter((d) => DEVICE_FEATURE_TABLE[d.type] === device);
  }
}

function parseDevice(d: LiveDeviceState): LiveDevice | undefined {
  if (typeof d !== 'object' || d === null || typeof d.id !== 'string' || !isDeviceTypeName(d.type)) return undefined;
  const offered = parseWord(d.offered);
  if (offered === undefined) return undefined;
  const accepted = d.accepted === undefined ? undefined : parseWord(d.accepted);
  const status = typeof d.status === 'number' && Number.isInteger(d.status) ? d.status & 0xff : 0;
  return { id: d.id, type: d.type, offered, accepted, status, featuresOk: FEATURES_OK !== 0 && (status & FEATURES_OK) !== 0 };
}

/** Parses a hex feature word (`0x...`); decimal strings are accepted too. */
function parseWord(s: unknown): bigint | undefined {
  if (typeof s !== 'string' || !/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(s)) return undefined;
  return BigInt(s);
}

/** Whether a feature bit is set in a word. */
export function hasBit(word: bigint | undefined, bit: number): boolean {
  return word !== undefined && ((word >> BigInt(bit)) & 1n) === 1n;
}
