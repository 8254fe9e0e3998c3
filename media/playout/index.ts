export { PlayoutQueue, Frame, type FrameKind, type PlayoutFormat, type PlayoutOptions, type PlayoutStats } from './playout-queue.js';
export type { ItemPlayed } from './item-ledger.js';
