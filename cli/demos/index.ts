import { blkDemo } from './blk';
import { echoDemo } from './echo';
import { netDemo } from './net';
import { rngDemo } from './rng';
import { type DemoScenario } from './types';

/** Every demo scenario. */
export const DEMOS: DemoScenario[] = [blkDemo, netDemo, rngDemo, echoDemo];

/** What `virtio-debug demo` runs without a name: the two real device types. */
export const DEFAULT_DEMOS = ['blk', 'net'];
