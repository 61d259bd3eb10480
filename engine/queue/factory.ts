/** Builds the device side of a queue for the layout the driver negotiated. */
import { type RingLayout } from '../../protocol/trace';
import { createPackedQueue } from './packed';
import { createSplitQueue } from './split';
import { type DeviceVirtqueue, type QueueConfig, type QueueContext } from './types';

export function createQueue(layout: RingLayout, ctx: QueueContext, config: QueueConfig): DeviceVirtqueue {
  return layout === 'packed' ? createPackedQueue(ctx, config) : createSplitQueue(ctx, config);
}
