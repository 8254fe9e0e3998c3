import { beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../sip/clock.js';
import type { ClientTransactionUser } from '../../sip/transaction/client.js';
import { TransactionLayer } from '../../sip/transaction/layer.js';
import { silentLogger } from '../../sip/transport/logger.js';
import { DEFAULT_TIMERS } from '../../sip/timers.js';
import type { SipResponse } from '../../sip/message/types.js';
import { makeRequest, makeResponse, RecordingSink, settle, TCP_DEST, UDP_DEST, UDP_SOURCE } from './transaction-fixtures.js';

class RecordingUser implements ClientTransactionUser {
  responses: number[] = [];
  timeouts = 0;
  transportErrors = 0;
  terminated = 0;
  onResponse(response: SipResponse): void {
    this.responses.push(response.status);
  }
  onTimeout(): void {
    this.timeouts++;
  }
  onTransportError(): void {
    this.transportErrors++;
  }
  onTerminated(): void {
    this.terminated++;
  }
}

let clock: FakeClock;
let sink: RecordingSink;
let layer: TransactionLayer;
let user: RecordingUser;

beforeEach(() => {
  clock = new FakeClock();
  sink = new RecordingSink();
  layer = new TransactionLayer({ clock, timers: DEFAULT_TIMERS, sink, logger: silentLogger });
  user = new RecordingUser();
});

/** Times (ms) at which the sink saw `method` go out while advancing the clock in 100 ms steps. */
function sendTimes(method: string, until: number): number[] {
  const times: number[] = [];
  let seen = 0;
  const record = (): void => {
    const count = sink.summary().filter((m) => m === method).length;
    for (; seen < count; seen++) times.push(clock.now());
  };
  record();
  while (clock.now() < until) {
    clock.advance(100);
    record();
  }
  return times;
}

describe('INVITE client transaction (RFC 3261 §17.1.1, RFC 6026)', () => {
  it('retransmits on Timer A, doubling from T1, and times out on Timer B (64·T1)', () => {
    layer.sendRequest(makeRequest({ method: 'INVITE' }), UDP_DEST, user);
    expect(sendTimes('INVITE', 40_000)).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(user.timeouts).toBe(1);
    expect(user.terminated).toBe(1);
    expect(layer.size.client).toBe(0);
    expect(clock.pending()).toBe(0);
  });

  it('stops retransmitting and stops Timer B on a provisional response', () => {
    const invite = makeRequest({ method: 'INVITE' });
    const tx = layer.sendRequest(invite, UDP_DEST, user);
    clock.advance(600);
    layer.receiveResponse(makeResponse(invite, 180, 'b'), UDP_SOURCE);
    expect(tx.currentState).toBe('proceeding');
    expect(sendTimes('INVITE', 60_000)).toEqual([600, 600]); // sent at 0 and 500, none after
    expect(user.timeouts).toBe(0);
    expect(user.responses).toEqual([180]);
  });

  it('ACKs a failure response, absorbs its retransmissions and ends after Timer D', () => {
    const invite = makeRequest({ method: 'INVITE' });
    const tx = layer.sendRequest(invite, UDP_DEST, user);
    const busy = makeResponse(invite, 486, 'b');
    layer.receiveResponse(busy, UDP_SOURCE);
    layer.receiveResponse(busy, UDP_SOURCE);
    expect(user.responses).toEqual([486]);
    expect(sink.summary()).toEqual(['INVITE', 'ACK', 'ACK']);
    const ack = sink.sent[1].message;
    expect(ack.kind === 'request' && ack.headers.get('cseq')).toBe('1 ACK');
    expect(ack.headers.get('to')).toContain('tag=b');
    expect(ack.headers.get('via')).toBe(invite.headers.get('via'));
    expect(tx.currentState).toBe('completed');
    clock.advance(31_999);
    expect(tx.currentState).toBe('completed');
    clock.advance(1);
    expect(tx.terminated).toBe(true);
  });

  it('enters Accepted on 2xx, passes 2xx retransmissions up and ends on Timer M', () => {
    const invite = makeRequest({ method: 'INVITE' });
    const tx = layer.sendRequest(invite, UDP_DEST, user);
    const ok = makeResponse(invite, 200, 'b');
    layer.receiveResponse(ok, UDP_SOURCE);
    expect(tx.currentState).toBe('accepted');
    layer.receiveResponse(ok, UDP_SOURCE);
    layer.receiveResponse(makeResponse(invite, 180, 'b'), UDP_SOURCE);
    expect(user.responses).toEqual([200, 200]);
    expect(sink.summary()).toEqual(['INVITE']); // the ACK for a 2xx is the TU's
    clock.advance(64 * DEFAULT_TIMERS.t1);
    expect(tx.terminated).toBe(true);
  });

  it('does not retransmit over TCP and ends at once after a failure (Timer D = 0)', () => {
    const invite = makeRequest({ method: 'INVITE', transport: 'TCP' });
    const tx = layer.sendRequest(invite, TCP_DEST, user);
    clock.advance(10_000);
    expect(sink.summary()).toEqual(['INVITE']);
    layer.receiveResponse(makeResponse(invite, 503, 'b'), UDP_SOURCE);
    expect(tx.terminated).toBe(true);
    expect(user.responses).toEqual([503]);
  });

  it('reports a transport error and terminates', async () => {
    sink.failNext = 1;
    const tx = layer.sendRequest(makeRequest({ method: 'INVITE' }), UDP_DEST, user);
    await settle();
    expect(user.transportErrors).toBe(1);
    expect(tx.terminated).toBe(true);
    expect(clock.pending()).toBe(0);
  });

  it('refuses inputs its table does not define', () => {
    const invite = makeRequest({ method: 'INVITE' });
    const tx = layer.sendRequest(invite, UDP_DEST, user);
    layer.receiveResponse(makeResponse(invite, 486, 'b'), UDP_SOURCE);
    layer.receiveResponse(makeResponse(invite, 180, 'b'), UDP_SOURCE);
    expect(tx.refused).toBe(1);
    expect(user.responses).toEqual([486]);
  });
});

describe('non-INVITE client transaction (RFC 3261 §17.1.2)', () => {
  it('retransmits on Timer E, doubling up to T2, and times out on Timer F', () => {
    layer.sendRequest(makeRequest({ method: 'OPTIONS' }), UDP_DEST, user);
    expect(sendTimes('OPTIONS', 40_000)).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    expect(user.timeouts).toBe(1);
    expect(layer.size.client).toBe(0);
  });

  it('retransmits every T2 in Proceeding', () => {
    const req = makeRequest({ method: 'BYE' });
    layer.sendRequest(req, UDP_DEST, user);
    clock.advance(100);
    layer.receiveResponse(makeResponse(req, 100), UDP_SOURCE);
    // The first send is recorded when sampling starts (t=100); then E fires at 500, then every T2.
    expect(sendTimes('BYE', 12_000)).toEqual([100, 500, 4500, 8500]);
  });

  it('absorbs response retransmissions in Completed and ends after Timer K (T4)', () => {
    const req = makeRequest({ method: 'BYE' });
    const tx = layer.sendRequest(req, UDP_DEST, user);
    layer.receiveResponse(makeResponse(req, 200), UDP_SOURCE);
    layer.receiveResponse(makeResponse(req, 200), UDP_SOURCE);
    expect(user.responses).toEqual([200]);
    clock.advance(DEFAULT_TIMERS.t4 - 1);
    expect(tx.currentState).toBe('completed');
    clock.advance(1);
    expect(tx.terminated).toBe(true);
    expect(sink.summary()).toEqual(['BYE']);
  });

  it('ends at once over TCP (Timer K = 0)', () => {
    const req = makeRequest({ method: 'OPTIONS', transport: 'TCP' });
    const tx = layer.sendRequest(req, TCP_DEST, user);
    layer.receiveResponse(makeResponse(req, 200), UDP_SOURCE);
    expect(tx.terminated).toBe(true);
  });

  it('matches responses by branch and CSeq method (§17.1.3)', () => {
    const invite = makeRequest({ method: 'INVITE', branch: 'z9hG4bKshared' });
    const cancel = makeRequest({ method: 'CANCEL', branch: 'z9hG4bKshared' });
    const inviteUser = new RecordingUser();
    layer.sendRequest(invite, UDP_DEST, inviteUser);
    layer.sendRequest(cancel, UDP_DEST, user);
    layer.receiveResponse(makeResponse(cancel, 200), UDP_SOURCE);
    layer.receiveResponse(makeResponse(invite, 487, 'x'), UDP_SOURCE);
    expect(user.responses).toEqual([200]);
    expect(inviteUser.responses).toEqual([487]);
  });
});
