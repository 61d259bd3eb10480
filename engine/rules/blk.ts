import { type SpecRule } from './types';

/** blk rules. */
export const BLK_RULES = [] as const satisfies readonly SpecRule[];
