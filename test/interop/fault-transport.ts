/**
 * Wraps a real transport to lose chosen messages in either direction (the interop equivalent of
 * the loopback transport's drop knob), e.g. "the first INVITE we receive" or "the first 200 we
 * send", so a test can show that retransmission recovers.
 */
import type { ParseResult } from '../../sip/message/parse.js';
import type { Destination, Source, Transport } from '../../sip/transport/types.js';

export interface FaultRules {
  dropIncoming?: (firstLine: string) => boolean;
  dropOutgoing?: (firstLine: string) => boolean;
}

export class FaultTransport implements Transport {
  readonly dropped: string[] = [];
  onMessage: Transport['onMessage'] = () => undefined;
  onDrop: Transport['onDrop'] = () => undefined;

  constructor(
    private readonly inner: Transport,
    private readonly rules: FaultRules,
  ) {
    inner.onMessage = (result, source) => this.receive(result, source);
    inner.onDrop = (reason, source) => this.onDrop(reason, source);
  }

  get protocol(): Transport['protocol'] {
    return this.inner.protocol;
  }

  get reliable(): boolean {
    return this.inner.reliable;
  }

  listen(): Promise<void> {
    return this.inner.listen();
  }

  local(): { address: string; port: number } {
    return this.inner.local();
  }

  send(data: Buffer, destination: Destination): Promise<void> {
    const line = firstLine(data);
    if (this.rules.dropOutgoing?.(line)) {
      this.dropped.push(`out ${line}`);
      return Promise.resolve();
    }
    return this.inner.send(data, destination);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private receive(result: ParseResult, source: Source): void {
    if (result.ok) {
      const m = result.message;
      const line = m.kind === 'request' ? `${m.method} ` : `SIP/2.0 ${m.status}`;
      if (this.rules.dropIncoming?.(line)) {
        this.dropped.push(`in ${line}`);
        return;
      }
    }
    this.onMessage(result, source);
  }
}

function firstLine(data: Buffer): string {
  const end = data.indexOf('\r\n');
  return data.toString('utf8', 0, end === -1 ? 100 : end);
}
