/**
 * Fixed-bucket latency histogram: recording is one array increment (no allocation on the hot
 * path); percentiles are read from the buckets with the bucket width as resolution.
 */
export interface HistogramSnapshot {
  count: number;
  /** Upper edge of the bucket holding the percentile, ms. */
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/** A histogram as plain data, to cross a thread or process boundary and merge exactly. */
export interface SerializedHistogram {
  bucketMs: number;
  limitMs: number;
  buckets: number[];
  count: number;
  sum: number;
  max: number;
}

export class Histogram {
  private readonly buckets: Uint32Array;
  private count = 0;
  private sum = 0;
  private maxValue = 0;

  /** `bucketMs` wide buckets up to `limitMs`; larger values land in an overflow bucket. */
  constructor(
    private readonly bucketMs = 0.25,
    private readonly limitMs = 100,
  ) {
    this.buckets = new Uint32Array(Math.ceil(limitMs / bucketMs) + 1);
  }

  record(valueMs: number): void {
    const v = valueMs > 0 ? valueMs : 0;
    let i = Math.floor(v / this.bucketMs);
    if (i >= this.buckets.length) i = this.buckets.length - 1;
    this.buckets[i]++;
    this.count++;
    this.sum += v;
    if (v > this.maxValue) this.maxValue = v;
  }

  reset(): void {
    this.buckets.fill(0);
    this.count = 0;
    this.sum = 0;
    this.maxValue = 0;
  }

  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i];
      if (seen >= rank) return i === this.buckets.length - 1 ? this.maxValue : Math.min((i + 1) * this.bucketMs, this.maxValue);
    }
    return this.maxValue;
  }

  /** Adds another histogram of the same shape (aggregating several workers or calls). */
  merge(other: Histogram): void {
    for (let i = 0; i < this.buckets.length; i++) this.buckets[i] += other.buckets[i];
    this.count += other.count;
    this.sum += other.sum;
    if (other.maxValue > this.maxValue) this.maxValue = other.maxValue;
  }

  serialize(): SerializedHistogram {
    return { bucketMs: this.bucketMs, limitMs: this.limitMs, buckets: Array.from(this.buckets), count: this.count, sum: this.sum, max: this.maxValue };
  }

  static from(data: SerializedHistogram): Histogram {
    const h = new Histogram(data.bucketMs, data.limitMs);
    h.buckets.set(data.buckets.slice(0, h.buckets.length));
    h.count = data.count;
    h.sum = data.sum;
    h.maxValue = data.max;
    return h;
  }

  snapshot(): HistogramSnapshot {
    return {
      count: this.count,
      p50: round3(this.percentile(50)),
      p90: round3(this.percentile(90)),
      p99: round3(this.percentile(99)),
      p999: round3(this.percentile(99.9)),
      max: round3(this.maxValue),
      mean: round3(this.count ? this.sum / this.count : 0),
    };
  }

  get limit(): number {
    return this.limitMs;
  }
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
