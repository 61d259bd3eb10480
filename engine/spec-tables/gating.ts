import { type ConfigField } from './config';
import { type FeatureDevice, hasFeature } from './features';

/** True if a config (or header) field exists for this feature set: no gate, or ANY gating feature present. */
export function fieldPresent(device: FeatureDevice, field: ConfigField, features: bigint): boolean {
  return !field.features || field.features.some((f) => hasFeature(device, features, f));
}

/** The fields of a layout that exist for this feature set. */
export function presentFields(device: FeatureDevice, fields: readonly ConfigField[], features: bigint): ConfigField[] {
  return fields.filter((f) => fieldPresent(device, f, features));
}
