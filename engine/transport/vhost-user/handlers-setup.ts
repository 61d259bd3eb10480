/**
 * Session-wide requests: features and protocol features, ownership and reset, the memory table, config
 * space, device status, and the back-end request channel.
 */
import {
  type MemRegionDescription,
  VHOST_F_LOG_ALL,
  VHOST_SET_CONFIG_TYPE_MIGRATION,
  VHOST_USER_F_PROTOCOL_FEATURES,
  VHOST_USER_MAX_CONFIG_SIZE,
  type VhostUserRequestName,
} from './messages';
import { STATUS } from '../../device-core/bits';
import { judgeFeatures } from '../../device-core/features';
import { decodeConfig, decodeMemRegion, decodeMemTable, decodeU64, encodeConfig, encodeU64, hex, protocolFeatureNames } from './codec';
import { type Handler, OK, type Outcome, type SessionContext, refuse, takeFds } from './context';
import { mirrorsDriver } from './handlers-status';
import { MAX_MEM_SLOTS, describeRegion } from './memory-table';

const PROTOCOL_BIT = 1n << BigInt(VHOST_USER_F_PROTOCOL_FEATURES);
const LOG_ALL_BIT = 1n << BigInt(VHOST_F_LOG_ALL);

const sizeError = (error: string): Outcome => refuse('vhost-user-payload-size', error);

async function remapRings(s: SessionContext): Promise<void> {
  for (const r of s.vrings) await r.remap();
}

const getFeatures: Handler = (s) => ({ reply: encodeU64(s.offeredFeatures()) });

const setFeatures: Handler = (s, m) => {
  const d = decodeU64(m.payload);
  if (!d.ok) return sizeError(d.error);
  const value = d.value;
  const virtio = value & ~(PROTOCOL_BIT | LOG_ALL_BIT);
  const offered = s.offeredFeatures() & ~PROTOCOL_BIT;
  if (mirrorsDriver(s) && !judgeTiming(s, value)) return OK;
  judgeAcceptance(s, value, virtio, offered);
  if (value & LOG_ALL_BIT) s.note('SET_FEATURES asks for dirty-page logging (VHOST_F_LOG_ALL): not supported (LOG_SHMFD is not offered), writes are not logged');
  const accepted = virtio & offered;
  const previous = s.acked === undefined ? undefined : s.acked & ~(PROTOCOL_BIT | LOG_ALL_BIT) & offered;
  if (previous !== undefined && previous !== accepted && s.anyRingActive()) {
    return refuse('vhost-user-features-while-running', `SET_FEATURES ${hex(accepted)} while rings run with ${hex(previous)}; kept ${hex(previous)}`);
  }
  s.acked = value;
  if (previous !== accepted) s.applyFeatures(accepted);
  return OK;
};

/**
 * A mirroring front end forwards its driver's feature write when the driver makes it (DPDK virtio_user: at the
 * FEATURES_OK transition, before SET_STATUS FEATURES_OK), so its timing is the driver's and is judged as the
 * register write is in process: after FEATURES_OK it is ignored (features-written-after-features-ok), before
 * DRIVER it is reported and taken (features-before-driver). Returns false when the write is ignored.
 */
function judgeTiming(s: SessionContext, value: bigint): boolean {
  const status = s.frontendStatus;
  if (status & STATUS.FEATURES_OK) {
    s.violation('features-written-after-features-ok', `SET_FEATURES ${hex(value)} after FEATURES_OK (status ${hex(status)}); ignored, the features stay ${hex(s.acked ?? 0n)}`);
    return false;
  }
  if (!(status & STATUS.DRIVER)) s.violation('features-before-driver', `SET_FEATURES ${hex(value)} before the DRIVER status bit was set (status ${hex(status)})`);
  return true;
}

/**
 * The driver's acceptance arrives with SET_FEATURES (vhost-user has no FEATURES_OK register): it is judged as
 * at FEATURES_OK in process (features-not-offered, features-version1-not-accepted, features-dependency).
 * Unoffered bits are dropped; a refusal is what GET_STATUS answers (FEATURES_OK cleared), since the back end
 * cannot refuse the message itself.
 */
function judgeAcceptance(s: SessionContext, value: bigint, virtio: bigint, offered: bigint): void {
  const verdict = judgeFeatures(offered, virtio, s.device.featureTable, s.device.vhostUserFrontEndFeatures() & offered);
  for (const v of verdict.violations) {
    const dropped = v.rule === 'features-not-offered' ? `; ${hex(virtio & ~offered)} ignored` : '';
    s.violation(v.rule, `SET_FEATURES ${hex(value)}: ${v.message}${dropped}`);
  }
  s.featuresRefused = verdict.refuse;
  if (verdict.refuse) s.note(`FEATURES_OK refused: ${verdict.refuse} (GET_STATUS answers without FEATURES_OK)`);
}

const setOwner: Handler = (s) => {
  s.owner = true;
  return OK;
};

const resetDevice: Handler = async (s) => {
  await s.resetDevice();
  return OK;
};

const getProtocolFeatures: Handler = (s) => ({ reply: encodeU64(s.offeredProtocolFeatures) });

const setProtocolFeatures: Handler = (s, m) => {
  const d = decodeU64(m.payload);
  if (!d.ok) return sizeError(d.error);
  const unoffered = d.value & ~s.offeredProtocolFeatures;
  if (unoffered) {
    s.violation(
      'vhost-user-features-not-offered',
      `SET_PROTOCOL_FEATURES acknowledges ${protocolFeatureNames(unoffered).join(' ')}, which GET_PROTOCOL_FEATURES did not offer; ignored`,
    );
  }
  s.protocolFeatures = d.value & s.offeredProtocolFeatures;
  return OK;
};

const getQueueNum: Handler = (s) => ({ reply: encodeU64(s.queueNum) });

const getMaxMemSlots: Handler = () => ({ reply: encodeU64(MAX_MEM_SLOTS) });

const setMemTable: Handler = async (s, m) => {
  const d = decodeMemTable(m.payload);
  if (!d.ok) return sizeError(d.error);
  if (m.fds.length !== d.value.length) {
    return refuse('vhost-user-fd-missing', `SET_MEM_TABLE with ${d.value.length} region(s) carries ${m.fds.length} fd(s); the table is refused`);
  }
  const fds = takeFds(m);
  const error = s.table.replace(d.value, fds);
  if (error) {
    m.fds.push(...fds); // the dispatcher closes them
    return refuse('vhost-user-mem-table-invalid', `SET_MEM_TABLE refused: ${error}`);
  }
  await remapRings(s);
  return OK;
};

function oneRegion(m: Parameters<Handler>[1]): { region: MemRegionDescription } | Outcome {
  const d = decodeMemRegion(m.payload);
  return d.ok ? { region: d.value } : sizeError(d.error);
}

const addMemReg: Handler = async (s, m) => {
  const r = oneRegion(m);
  if (!('region' in r)) return r;
  if (m.fds.length !== 1) return refuse('vhost-user-fd-missing', `ADD_MEM_REG (${describeRegion(r.region)}) carries ${m.fds.length} fds, expected 1`);
  const [fd] = takeFds(m, 1);
  const error = s.table.add(r.region, fd!);
  if (error) {
    m.fds.push(fd!);
    return refuse('vhost-user-mem-table-invalid', `ADD_MEM_REG refused: ${error}`);
  }
  await remapRings(s);
  return OK;
};

const remMemReg: Handler = async (s, m) => {
  const r = oneRegion(m);
  if (!('region' in r)) return r;
  // The spec tolerates one fd here ("close it without using it"): the dispatcher closes it.
  const error = s.table.remove(r.region);
  if (error) return refuse('vhost-user-mem-table-invalid', `REM_MEM_REG refused: ${error}`);
  await remapRings(s);
  return OK;
};

const getConfig: Handler = (s, m) => {
  const d = decodeConfig(m.payload);
  if (!d.ok) return sizeError(d.error);
  const { offset, size } = d.value;
  if (size === 0 || offset + size > VHOST_USER_MAX_CONFIG_SIZE) {
    return refuse('vhost-user-config-range', `GET_CONFIG of ${size} bytes at offset ${offset}: outside the ${s.device.config.size}-byte config space`);
  }
  // Bytes past the device's config space read as zero, as in process, and the read is named the same way
  // (config-out-of-range at the offset); the answer keeps the size asked for, so the front end gets no error form.
  const bytes = s.device.config.bytes;
  if (offset + size > bytes.length) {
    const zero = `bytes ${Math.max(offset, bytes.length)}..${offset + size - 1} read as zero`;
    s.device.violation('config-out-of-range', `GET_CONFIG of ${size} bytes at offset ${offset}: the config space has ${bytes.length} bytes; ${zero}`, { index: offset });
  }
  // A mirroring front end's GET_CONFIG is its driver's read (QEMU reads the whole structure itself).
  if (mirrorsDriver(s) && offset < bytes.length) s.device.judgeConfigRead(offset, Math.min(size, bytes.length - offset), (s.frontendStatus & STATUS.FEATURES_OK) !== 0);
  const data = new Uint8Array(size);
  if (offset < bytes.length) data.set(bytes.subarray(offset, Math.min(bytes.length, offset + size)));
  return { reply: encodeConfig({ offset, flags: 0, data }) };
};

const setConfig: Handler = (s, m) => {
  const d = decodeConfig(m.payload);
  if (!d.ok) return sizeError(d.error);
  const { offset, size, flags, data } = d.value;
  if (size === 0 || offset + size > s.device.config.size) {
    return refuse('vhost-user-config-range', `SET_CONFIG of ${size} bytes at offset ${offset}: outside the ${s.device.config.size}-byte config space; ignored`);
  }
  if (flags === VHOST_SET_CONFIG_TYPE_MIGRATION) {
    s.device.config.bytes.set(data, offset);
    s.note(`config restored by the front end (migration): ${size} bytes at offset ${offset}`);
  } else {
    // A mirroring front end's SET_CONFIG is its driver's config write, judged against the driver's status
    // (config-write-before-features-ok); QEMU's are made on the guest's behalf, whose status it owns.
    s.device.writeConfig(offset, data, mirrorsDriver(s) ? (s.frontendStatus & STATUS.FEATURES_OK) !== 0 : true);
  }
  return OK;
};

const setBackendReqFd: Handler = (s, m) => {
  if (m.fds.length !== 1) return refuse('vhost-user-fd-missing', `SET_BACKEND_REQ_FD carries ${m.fds.length} fds, expected 1`);
  const [fd] = takeFds(m, 1);
  if (s.backendFd >= 0) s.native.close(s.backendFd);
  s.backendFd = fd!;
  try {
    s.native.setNonBlocking(fd!, true);
  } catch {
    // not a socket we can configure; sends may then fail, which is reported when it happens
  }
  return OK;
};

const unsupported =
  (what: string): Handler =>
  () =>
    refuse('vhost-user-unknown-request', `${what} is not supported by this back end`);

export const SETUP_HANDLERS: Partial<Record<VhostUserRequestName, Handler>> = {
  GET_FEATURES: getFeatures,
  SET_FEATURES: setFeatures,
  SET_OWNER: setOwner,
  RESET_OWNER: resetDevice,
  RESET_DEVICE: resetDevice,
  GET_PROTOCOL_FEATURES: getProtocolFeatures,
  SET_PROTOCOL_FEATURES: setProtocolFeatures,
  GET_QUEUE_NUM: getQueueNum,
  GET_MAX_MEM_SLOTS: getMaxMemSlots,
  SET_MEM_TABLE: setMemTable,
  ADD_MEM_REG: addMemReg,
  REM_MEM_REG: remMemReg,
  GET_CONFIG: getConfig,
  SET_CONFIG: setConfig,
  SET_BACKEND_REQ_FD: setBackendReqFd,
  SET_LOG_FD: unsupported('SET_LOG_FD (dirty-page logging)'),
  IOTLB_MSG: unsupported('IOTLB_MSG (VIRTIO_F_ACCESS_PLATFORM is never offered)'),
  GPU_SET_SOCKET: unsupported('GPU_SET_SOCKET (a vhost-user-gpu request)'),
};
