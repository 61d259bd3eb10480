import { type SpecRule } from './types';

/** net rules. */
export const NET_RULES = [] as const satisfies readonly SpecRule[];
