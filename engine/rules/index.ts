import { BLK_RULES } from './blk';
import { DEVICE_RULES } from './device';
import { NET_RULES } from './net';
import { PACKED_RULES } from './ring-packed';
import { SPLIT_RULES } from './ring-split';
import { RNG_RULES } from './rng';
import { type SpecRule } from './types';
import { VHOST_USER_RULES } from './vhost-user';

export type { RuleScope, SpecRule } from './types';

const ALL = [...SPLIT_RULES, ...PACKED_RULES, ...DEVICE_RULES, ...BLK_RULES, ...NET_RULES, ...RNG_RULES, ...VHOST_USER_RULES] as const;

/**
 * Every rule id the catalogue knows: the union of the ids in the rule arrays above (each declared
 * `as const satisfies readonly SpecRule[]`), so a misspelt id is a type error. A new device type adds its
 * array to ALL.
 */
export type RuleId = (typeof ALL)[number]['id'];

const catalogue = new Map<string, SpecRule>();

/** Adds rules to the catalogue; a duplicate id is a programming error. */
export function registerRules(rules: readonly SpecRule[]): void {
  for (const r of rules) {
    if (catalogue.has(r.id)) throw new Error(`duplicate rule id ${r.id}`);
    catalogue.set(r.id, r);
  }
}
registerRules(ALL);

/** Looks a rule up by id; unknown ids are a programming error (tests assert every id used exists). */
export function rule(id: RuleId): SpecRule {
  const r = catalogue.get(id);
  if (!r) throw new Error(`unknown rule id ${id}`);
  return r;
}

/** True when `id` names a rule of the catalogue (for ids that come from users: launch.json, the command line). */
export function isRuleId(id: string): id is RuleId {
  return catalogue.has(id);
}

/** The ids of a table keyed by rule id (Object.keys loses the key type). */
export function ruleIdsOf(table: Readonly<Partial<Record<RuleId, unknown>>>): RuleId[] {
  return Object.keys(table).filter(isRuleId);
}

export function findRule(id: string): SpecRule | undefined {
  return catalogue.get(id);
}

export function allRules(): SpecRule[] {
  return [...catalogue.values()];
}
