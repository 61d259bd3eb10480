import { echoDemo } from './echo';
import { type DemoScenario } from './types';

/** Demo scenarios, the default first. */
export const DEMOS: DemoScenario[] = [echoDemo];
