/**
 * One model response at a time. The realtime servers refuse a `response.create` while another
 * response is in progress (`conversation_already_has_active_response`), and server VAD starts
 * responses of its own; so every response the runtime asks for (first message, `say`, silence
 * check-ins, tool follow-ups, goodbyes) is queued here and sent when the model is free and the
 * session is ready. A request the server refused as busy goes back to the front of the queue.
 */
import type { TimeSource } from '../clock/time.js';

export interface ResponseRequest {
  /** Sends the request; false when the session refused it (not ready, closed). */
  send(): boolean;
  /** The response this request started (may be called again if a race is corrected). */
  onStarted?(responseId: string): void;
  /** The request could not be sent, or the server never started a response for it. */
  onFailed?(): void;
}

/** A request sent but not acknowledged with `response.created` within this long is given up. */
const START_TIMEOUT_MS = 5000;
const BUSY_RETRY_MS = 250;

export class ResponseScheduler {
  private active: string | null = null;
  private inflight: ResponseRequest | null = null;
  private inflightTimer: unknown = null;
  /** The last request matched to a started response, to undo a wrong match on a busy error. */
  private lastMatched: { request: ResponseRequest; responseId: string } | null = null;
  private readonly queue: ResponseRequest[] = [];
  private ready = false;
  private stopped = false;

  constructor(private readonly time: TimeSource) {}

  /** A response is in progress or about to be (ours or the server's), or one is waiting. */
  get busy(): boolean {
    return this.active !== null || this.inflight !== null || this.queue.length > 0;
  }

  get activeResponseId(): string | null {
    return this.active;
  }

  /** The session is configured: queued requests may go. */
  setReady(): void {
    this.ready = true;
    this.pump();
  }

  request(request: ResponseRequest): void {
    if (this.stopped) return void request.onFailed?.();
    this.queue.push(request);
    this.pump();
  }

  onStarted(responseId: string): void {
    this.active = responseId;
    const request = this.inflight;
    if (!request) return;
    this.clearInflight();
    this.lastMatched = { request, responseId };
    request.onStarted?.(responseId);
  }

  onDone(responseId: string): void {
    if (this.active === responseId) this.active = null;
    if (this.lastMatched?.responseId === responseId) this.lastMatched = null;
    this.pump();
  }

  /**
   * The server refused our `response.create`: a response of its own (server VAD) is active. If
   * that response had been taken for ours, undo the match; either way ours waits for it.
   */
  onBusy(): void {
    let request = this.inflight;
    if (request) this.clearInflight();
    else if (this.lastMatched && this.lastMatched.responseId === this.active) request = this.lastMatched.request;
    this.lastMatched = null;
    if (request) this.queue.unshift(request);
    // The busy response's `response.created` was not seen: try again shortly rather than stall.
    if (this.active === null) this.time.setTimer(() => this.pump(), BUSY_RETRY_MS);
  }

  /** The session is gone: nothing queued will ever start. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.active = null;
    const failed = this.inflight ? [this.inflight, ...this.queue] : [...this.queue];
    this.clearInflight();
    this.queue.length = 0;
    for (const request of failed) request.onFailed?.();
  }

  /** Drops the pending requests without failing them (the call is closing). */
  clear(): void {
    this.queue.length = 0;
    this.clearInflight();
  }

  private pump(): void {
    while (this.ready && !this.stopped && this.active === null && this.inflight === null && this.queue.length > 0) {
      const request = this.queue.shift() as ResponseRequest;
      if (!request.send()) {
        request.onFailed?.();
        continue;
      }
      this.inflight = request;
      this.inflightTimer = this.time.setTimer(() => this.giveUp(request), START_TIMEOUT_MS);
    }
  }

  private giveUp(request: ResponseRequest): void {
    if (this.inflight !== request) return;
    this.inflightTimer = null;
    this.inflight = null;
    request.onFailed?.();
    this.pump();
  }

  private clearInflight(): void {
    if (this.inflightTimer !== null) this.time.clearTimer(this.inflightTimer);
    this.inflightTimer = null;
    this.inflight = null;
  }
}
