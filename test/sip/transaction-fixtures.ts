/**
 * Message objects and a recording transport sink for transaction and dialog unit tests
 * (SIP.js `TransportFake` style: no sockets, no parser).
 */
import { SipHeaders, type SipMessage, type SipRequest, type SipResponse } from '../../sip/message/types.js';
import type { TransportSink } from '../../sip/transaction/layer.js';
import type { Destination, Source, TransportProtocol } from '../../sip/transport/types.js';

export interface RequestSpec {
  method: string;
  branch?: string;
  cseq?: number;
  callId?: string;
  fromTag?: string;
  toTag?: string;
  sentBy?: string;
  transport?: string;
}

export function makeRequest(spec: RequestSpec): SipRequest {
  const headers = new SipHeaders();
  const transport = spec.transport ?? 'UDP';
  headers.append('via', `SIP/2.0/${transport} ${spec.sentBy ?? '10.0.0.1:5060'};branch=${spec.branch ?? 'z9hG4bK-1'};rport`);
  headers.append('max-forwards', '70');
  headers.append('from', `<sip:alice@example.com>;tag=${spec.fromTag ?? 'from1'}`);
  headers.append('to', `<sip:bob@example.com>${spec.toTag ? `;tag=${spec.toTag}` : ''}`);
  headers.append('call-id', spec.callId ?? 'call-1');
  headers.append('cseq', `${spec.cseq ?? 1} ${spec.method === 'ACK' ? 'ACK' : spec.method}`);
  headers.append('contact', '<sip:alice@10.0.0.1:5060>');
  headers.append('content-length', '0');
  return {
    kind: 'request',
    method: spec.method,
    uri: { scheme: 'sip', user: 'bob', host: 'example.com', params: {}, headers: {} },
    headers,
    body: Buffer.alloc(0),
  };
}

export function makeResponse(request: SipRequest, status: number, toTag?: string): SipResponse {
  const headers = new SipHeaders();
  for (const via of request.headers.getAll('via')) headers.append('via', via);
  headers.append('from', request.headers.get('from') ?? '');
  const to = request.headers.get('to') ?? '';
  headers.append('to', toTag && !to.includes('tag=') ? `${to};tag=${toTag}` : to);
  headers.append('call-id', request.headers.get('call-id') ?? '');
  headers.append('cseq', request.headers.get('cseq') ?? '');
  headers.append('content-length', '0');
  return { kind: 'response', status, reason: 'Test', headers, body: Buffer.alloc(0) };
}

export interface Sent {
  message: SipMessage;
  destination: Destination;
}

export class RecordingSink implements TransportSink {
  readonly sent: Sent[] = [];
  failNext = 0;

  send(message: SipMessage, destination: Destination): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(new Error('send failed'));
    }
    this.sent.push({ message, destination });
    return Promise.resolve();
  }

  isReliable(transport: TransportProtocol): boolean {
    return transport === 'tcp';
  }

  responseDestination(_request: SipRequest, source: Source): Destination {
    return source;
  }

  sentBy(): { host: string; port: number } {
    return { host: '127.0.0.1', port: 5060 };
  }

  /** Methods/statuses of everything sent, in order ("INVITE", "100", "ACK"…). */
  summary(): string[] {
    return this.sent.map(({ message }) => (message.kind === 'request' ? message.method : String(message.status)));
  }

  clear(): void {
    this.sent.length = 0;
  }
}

export const UDP_SOURCE: Source = { transport: 'udp', address: '10.0.0.1', port: 5060, local: { address: '127.0.0.1', port: 5060 } };
export const TCP_SOURCE: Source = { ...UDP_SOURCE, transport: 'tcp', connectionId: 1 };
export const UDP_DEST: Destination = { transport: 'udp', address: '10.0.0.2', port: 5060 };
export const TCP_DEST: Destination = { transport: 'tcp', address: '10.0.0.2', port: 5060 };

/** Lets promise callbacks (failed sends) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}
