/** virtio-rng: the device, its entropy sources and its descriptor. */
export { RngDevice, RNG_DEVICE_ID, RNG_MAX_FILL, RNG_OFFERED, type RngDeviceOptions } from './rng-device';
export { ENTROPY_SYNTAX, EntropySpecError, type EntropySource, openEntropy, seededEntropy } from './entropy';
export { RNG_TYPE, type RngOptions } from './descriptor';
