/** Split virtqueue (VIRTIO 1.2 §2.7), device side. */
import { type VirtqueueFactory } from '../types';
import { SplitQueue } from './queue';

export { SplitQueue } from './queue';
export { checkPlacement, judgeAvailFlags, judgeAvailIdx } from './checks';
export { SplitChainWalker, type WalkProblem } from './chain-walker';
export * from './layout';

export const createSplitQueue: VirtqueueFactory = (ctx, config) => new SplitQueue(ctx, config);
