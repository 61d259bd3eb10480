import { type SpecRule } from './types';

/** vhost-user rules. */
export const VHOST_USER_RULES = [] as const satisfies readonly SpecRule[];
