/** Reads the dashboard's live feed (server-sent events) over a real socket, as the page does. */
import type { LiveEvent } from '../../src/dashboard/wire.js';

export class LiveStream {
  readonly events: LiveEvent[] = [];
  private readonly abort = new AbortController();
  private waiters: Array<() => void> = [];

  private constructor() {}

  /** Resolves once the feed answered 200 and sent its snapshot. */
  static async open(baseUrl: string, key: string, org?: string): Promise<LiveStream> {
    const stream = new LiveStream();
    const res = await fetch(`${baseUrl}/dashboard/api/live${org ? `?org=${org}` : ''}`, { headers: { authorization: `Bearer ${key}` }, signal: stream.abort.signal });
    if (res.status !== 200 || !res.body) throw new Error(`live feed answered ${res.status}: ${await res.text()}`);
    void stream.read(res.body);
    await stream.waitFor((e) => e.type === 'snapshot', 5_000, 'the snapshot');
    return stream;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (data) this.events.push(JSON.parse(data.slice(6)) as LiveEvent);
          const waiting = this.waiters;
          this.waiters = [];
          for (const wake of waiting) wake();
        }
      }
    } catch {
      // aborted by close()
    }
  }

  /** The first event (from the start) that matches, waiting for it if need be. */
  async waitFor(match: (e: LiveEvent) => boolean, timeoutMs: number, what: string): Promise<LiveEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.events).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Events about one call. */
  about(callId: string): LiveEvent[] {
    return this.events.filter((e) => (e.type === 'call' && e.call.id === callId) || (e.type === 'speech' && e.call_id === callId) || (e.type === 'snapshot' && e.calls.some((c) => c.id === callId)));
  }

  close(): void {
    this.abort.abort();
  }
}

export const callEvent = (callId: string, status?: string) => (e: LiveEvent) => e.type === 'call' && e.call.id === callId && (status === undefined || e.call.status === status);
