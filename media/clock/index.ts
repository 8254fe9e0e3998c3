export { MediaClock, type ClockTarget, type ClockStats, type MediaClockOptions } from './media-clock.js';
export { Histogram, type HistogramSnapshot, type SerializedHistogram } from './histogram.js';
export { systemTime, FakeTime, type TimeSource } from './time.js';
