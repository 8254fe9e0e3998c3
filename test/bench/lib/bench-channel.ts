/** Name of the BroadcastChannel between the benchmark and the call logic inside the media worker. */
export const BENCH_CHANNEL = 'voxgate-bench-media';
