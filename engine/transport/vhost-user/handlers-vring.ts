/**
 * Per-ring requests: SET_VRING_NUM / ADDR / BASE / KICK / CALL / ERR / ENABLE and GET_VRING_BASE.
 * Ring order is not assumed (QEMU: NUM, BASE, ADDR, KICK, CALL, ENABLE; cloud-hypervisor: NUM, ADDR, BASE,
 * CALL, KICK, ENABLE): every message updates the ring and the ring decides whether its queue can go live.
 */
import {
  VHOST_USER_VRING_IDX_MASK,
  VHOST_USER_VRING_NOFD_MASK,
  VHOST_VRING_F_LOG,
  type VhostUserRequestName,
  type VringState,
} from './messages';
import { F, STATUS } from '../../device-core/bits';
import { queueSizeProblem } from '../../device-core/queue-setup';
import { statusNames } from '../../device-core/status';
import { decodeU64, decodeVringAddr, decodeVringState, encodeVringState } from './codec';
import { type Handler, OK, type Outcome, type SessionContext, refuse, takeFds } from './context';
import { type FramedMessage } from './connection';
import { mirrorsDriver } from './handlers-status';
import { Vring } from './vring';

/** Largest ring the spec allows (split and packed). */
const MAX_RING_SIZE = 32768;

function ring(s: SessionContext, index: number, request: string): Vring | Outcome {
  const r = s.vrings[index];
  if (r) return r;
  return refuse('vhost-user-vring-index', `${request} for ring ${index}: the device has ${s.vrings.length} rings (${s.device.queues.map((q) => q.name).join(', ')})`);
}

function state(m: FramedMessage): { st: VringState } | Outcome {
  const d = decodeVringState(m.payload);
  return d.ok ? { st: d.value } : refuse('vhost-user-payload-size', d.error);
}

/**
 * A ring message while the ring runs. From a mirroring front end it is its driver changing a queue it enabled
 * (queue-changed-while-enabled, as a register write in process), reported before the vhost-user refusal.
 */
function busy(s: SessionContext, r: Vring, request: string): Outcome {
  if (mirrorsDriver(s)) {
    const q = s.device.queues[r.index]!;
    s.violation('queue-changed-while-enabled', `${request} for ${q.name} while it is enabled (started); ignored`, r.index);
  }
  return refuseBusy(r, request);
}

const refuseBusy = (r: Vring, request: string): Outcome =>
  refuse('vhost-user-vring-busy', `${request} for ring ${r.index} while it is started (${r.state}); ignored — stop it with GET_VRING_BASE first`, r.index);

const setNum: Handler = async (s, m) => {
  const decoded = state(m);
  if (!('st' in decoded)) return decoded;
  const st = decoded.st;
  const r = ring(s, st.index, 'SET_VRING_NUM');
  if (!(r instanceof Vring)) return r;
  if (r.started) return busy(s, r, 'SET_VRING_NUM');
  const q = s.device.queues[st.index]!;
  if (mirrorsDriver(s) && !(s.frontendStatus & STATUS.FEATURES_OK)) {
    s.violation('queue-setup-before-features-ok', `SET_VRING_NUM for ${q.name} before FEATURES_OK (status ${statusNames(s.frontendStatus).join('|') || '0'})`, st.index);
  }
  const packed = s.device.hasFeature(F.RING_PACKED);
  const max = Math.min(q.spec.maxSize, MAX_RING_SIZE);
  // The size is the driver's own value with every front end: named by the queue rule first (as in process),
  // then refused as a vhost-user message the ring cannot take.
  const problem = queueSizeProblem({ name: q.name, size: st.num, spec: { ...q.spec, maxSize: max } }, packed ? 'packed' : 'split');
  if (problem) {
    s.violation(problem.rule, `SET_VRING_NUM: ${problem.message}`, st.index, problem.index);
    const why = st.num > max ? `above the maximum ${max}` : st.num < 1 ? 'zero' : 'not a power of two (split ring)';
    return refuse('vhost-user-vring-size', `SET_VRING_NUM ring ${st.index} (${q.name}) size ${st.num}: ${why}`, st.index);
  }
  await r.setNum(st.num);
  return OK;
};

const setBase: Handler = async (s, m) => {
  const decoded = state(m);
  if (!('st' in decoded)) return decoded;
  const st = decoded.st;
  const r = ring(s, st.index, 'SET_VRING_BASE');
  if (!(r instanceof Vring)) return r;
  if (r.started) return busy(s, r, 'SET_VRING_BASE');
  await r.setBase(st.num);
  return OK;
};

const setAddr: Handler = async (s, m) => {
  const d = decodeVringAddr(m.payload);
  if (!d.ok) return refuse('vhost-user-payload-size', d.error);
  const r = ring(s, d.value.index, 'SET_VRING_ADDR');
  if (!(r instanceof Vring)) return r;
  if (d.value.flags & VHOST_VRING_F_LOG) s.note(`ring ${r.index}: used-ring logging requested (VHOST_VRING_F_LOG); not supported, not logged`);
  await r.setAddr(d.value);
  return OK;
};

const getBase: Handler = async (s, m) => {
  const decoded = state(m);
  if (!('st' in decoded)) return decoded;
  const st = decoded.st;
  const r = ring(s, st.index, 'GET_VRING_BASE');
  if (!(r instanceof Vring)) return r;
  if (!r.started && !r.everStarted) {
    s.violation('vhost-user-get-base-not-started', `GET_VRING_BASE for ring ${r.index}, which was never started; answering the base it was given (${r.base})`, r.index);
  }
  const base = await r.stop();
  s.ringStopped();
  return { reply: encodeVringState({ index: st.index, num: base }) };
};

type FdRequest = 'SET_VRING_KICK' | 'SET_VRING_CALL' | 'SET_VRING_ERR';

/** KICK/CALL/ERR: u64 with the ring index and the "no fd" bit; exactly one fd unless that bit is set. */
function fdRequest(request: FdRequest, apply: (r: Vring, fd: number | undefined) => void | Promise<void>): Handler {
  return async (s, m) => {
    const d = decodeU64(m.payload);
    if (!d.ok) return refuse('vhost-user-payload-size', d.error);
    const index = Number(d.value & BigInt(VHOST_USER_VRING_IDX_MASK));
    const noFd = (d.value & BigInt(VHOST_USER_VRING_NOFD_MASK)) !== 0n;
    const r = ring(s, index, request);
    if (!(r instanceof Vring)) return r;
    if (noFd) {
      if (m.fds.length) s.note(`${request} ring ${index}: "no fd" set, yet ${m.fds.length} fd(s) came along; closed unused`);
      await apply(r, undefined);
      return OK;
    }
    if (m.fds.length !== 1) return refuse('vhost-user-fd-missing', `${request} ring ${index} carries ${m.fds.length} fds, expected 1 (or bit 8 for none)`, index);
    const [fd] = takeFds(m, 1);
    await apply(r, fd);
    return OK;
  };
}

const setEnable: Handler = async (s, m) => {
  const decoded = state(m);
  if (!('st' in decoded)) return decoded;
  const st = decoded.st;
  const r = ring(s, st.index, 'SET_VRING_ENABLE');
  if (!(r instanceof Vring)) return r;
  await r.setEnabled(st.num !== 0);
  return OK;
};

export const VRING_HANDLERS: Partial<Record<VhostUserRequestName, Handler>> = {
  SET_VRING_NUM: setNum,
  SET_VRING_BASE: setBase,
  SET_VRING_ADDR: setAddr,
  GET_VRING_BASE: getBase,
  SET_VRING_KICK: fdRequest('SET_VRING_KICK', (r, fd) => r.setKick(fd)),
  SET_VRING_CALL: fdRequest('SET_VRING_CALL', (r, fd) => r.setCall(fd)),
  SET_VRING_ERR: fdRequest('SET_VRING_ERR', (r, fd) => r.setErr(fd)),
  SET_VRING_ENABLE: setEnable,
};
