import { blkDemo } from './blk';
import { echoDemo } from './echo';
import { netDemo } from './net';
import { type DemoScenario } from './types';

/** Demo scenarios, the default first. */
export const DEMOS: DemoScenario[] = [echoDemo, blkDemo, netDemo];
