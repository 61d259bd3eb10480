// virtio-rng scenarios (§5.4.6): entropy requests that are not all device-writable, through the raw front end
// against `serve rng`. The head of the first chain on a fresh ring is descriptor 0: the index the rules name.
import { type Scenario } from './support/scenario';

const rng = (name: string, rule: Scenario['rule'], pieces: { len: number; write: boolean }[]): Scenario => ({
  name,
  device: 'rng',
  rule,
  index: 0,
  // Both rules are servable (severity error): the chain comes back, the ring goes on.
  verdict: 'served',
  act: (f) => {
    void f.submit(0, f.buffers(pieces));
  },
});

export const RNG_SCENARIOS: readonly Scenario[] = [
  rng('a request that is one device-readable buffer', 'rng-buffer-device-readable', [{ len: 64, write: false }]),
  rng('a readable descriptor before the writable one', 'rng-buffer-device-readable', [
    { len: 16, write: false },
    { len: 64, write: true },
  ]),
  // A zero-length writable descriptor is named by the ring first (split-desc-zero-length); a chain with no
  // writable descriptor at all reaches the device and comes back with used length 0.
  rng('a request with no device-writable byte', 'rng-buffer-empty', [{ len: 8, write: false }]),
];
