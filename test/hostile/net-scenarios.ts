import { type Scenario } from "./support/scenario";
export const NET_SCENARIOS: Scenario[] = [];
