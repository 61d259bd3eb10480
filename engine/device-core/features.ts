/**
 * Judging the feature set a driver accepted, at FEATURES_OK (§2.2.1, §6.1): bits not offered, missing
 * dependencies, VERSION_1 refused. Returns the reason to refuse FEATURES_OK, if any.
 */
import { type RuleId } from '../rules';
import { type FeatureDevice, featureNames, missingDependencies } from '../spec-tables';
import { F, bit, hex } from './bits';

export interface FeatureVerdict {
  violations: { rule: RuleId; message: string }[];
  refuse?: string;
}

/**
 * `provided`: features that satisfy dependencies without being accepted here (over vhost-user, what the front
 * end implements itself: QEMU keeps virtio-net's control queue and never acknowledges CTRL_VQ to the back end,
 * yet acknowledges MQ and GUEST_ANNOUNCE, which depend on it).
 */
export function judgeFeatures(offered: bigint, accepted: bigint, table: FeatureDevice, provided = 0n): FeatureVerdict {
  const violations: FeatureVerdict['violations'] = [];
  let refuse: string | undefined;

  const extra = accepted & ~offered;
  if (extra) {
    const names = featureNames(table, extra);
    const msg = `the driver accepted features the device did not offer: ${names.join(', ') || hex(extra)}`;
    violations.push({ rule: 'features-not-offered', message: msg });
    refuse = msg;
  }
  if (offered & bit(F.VERSION_1) && !(accepted & bit(F.VERSION_1))) {
    const msg = 'VIRTIO_F_VERSION_1 is offered but the driver did not accept it';
    violations.push({ rule: 'features-version1-not-accepted', message: msg });
    refuse ??= msg;
  }
  for (const d of missingDependencies(table, accepted | provided)) {
    const msg = `${d.feature.name} accepted without ${d.missing.join(' / ')}`;
    violations.push({ rule: 'features-dependency', message: msg });
    refuse ??= msg;
  }
  return refuse === undefined ? { violations } : { violations, refuse };
}
