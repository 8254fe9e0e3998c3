/**
 * Timeline positions for caller audio in a recording, derived from arrival time. Packets that
 * arrive on time are laid end to end (jitter does not chop the audio); a gap longer than
 * `gapToleranceMs` (loss, hold, silence suppression) jumps to the arrival-derived position and
 * leaves silence; audio running ahead of real time by more than `maxAheadMs` (a burst after a
 * stall, or a sender clock running fast) is dropped so the caller channel never drifts from the
 * agent's.
 */

export interface ArrivalSlotsOptions {
  sampleRate?: number;
  /** Default 60 ms. */
  gapToleranceMs?: number;
  /** Default 200 ms. */
  maxAheadMs?: number;
}

export class ArrivalSlots {
  /** Frames dropped for running ahead. */
  dropped = 0;
  private readonly samplesPerMs: number;
  private readonly gapTolerance: number;
  private readonly maxAhead: number;
  private next = -1;

  /** @param startMs the call-clock time of timeline position 0 (monotonic ms) */
  constructor(
    private readonly startMs: number,
    options: ArrivalSlotsOptions = {},
  ) {
    this.samplesPerMs = (options.sampleRate ?? 8000) / 1000;
    this.gapTolerance = (options.gapToleranceMs ?? 60) * this.samplesPerMs;
    this.maxAhead = (options.maxAheadMs ?? 200) * this.samplesPerMs;
  }

  /** Position for `samples` of caller audio that arrived at `arrivalMs`; −1 to drop it. */
  place(arrivalMs: number, samples: number): number {
    // The frame that just arrived ended about now: it started `samples` earlier.
    const byArrival = Math.max(0, Math.round((arrivalMs - this.startMs) * this.samplesPerMs) - samples);
    if (this.next < 0 || byArrival - this.next > this.gapTolerance) {
      this.next = byArrival;
    } else if (this.next - byArrival > this.maxAhead) {
      this.dropped++;
      return -1;
    }
    const at = this.next;
    this.next += samples;
    return at;
  }

  /** Forget the stream (new SSRC after a transfer): the next packet places by arrival. */
  reset(): void {
    this.next = -1;
  }
}
