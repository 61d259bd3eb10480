import { blkDemo } from './blk';
import { echoDemo } from './echo';
import { netDemo } from './net';
import { type DemoScenario } from './types';

/** Every demo scenario. */
export const DEMOS: DemoScenario[] = [blkDemo, netDemo, echoDemo];

/** What `virtio-debug demo` runs without a name: the two real device types. */
export const DEFAULT_DEMOS = ['blk', 'net'];
