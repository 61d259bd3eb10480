/** Device side of the packed virtqueue layout (VIRTIO 1.2 §2.8). */
export { PackedQueue, createPackedQueue } from './queue';
export * from './layout';
export { PackedListWalker, WALK_LIST, WALK_NONE, WALK_PROBLEM, type WalkResult } from './walker';
