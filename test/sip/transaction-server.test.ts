import { beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../sip/clock.js';
import { InviteServerTransaction } from '../../sip/transaction/invite-server.js';
import {
  TransactionLayer,
  type ServerTransaction,
  type TransactionUser,
} from '../../sip/transaction/layer.js';
import type { NonInviteServerTransaction } from '../../sip/transaction/non-invite-server.js';
import { silentLogger } from '../../sip/transport/logger.js';
import { DEFAULT_TIMERS } from '../../sip/timers.js';
import type { SipRequest, SipResponse } from '../../sip/message/types.js';
import { makeRequest, makeResponse, RecordingSink, settle, TCP_SOURCE, UDP_SOURCE } from './transaction-fixtures.js';

class RecordingTu implements TransactionUser {
  requests: Array<{ request: SipRequest; tx: ServerTransaction }> = [];
  cancels: Array<{ cancel: SipRequest; tx: NonInviteServerTransaction; invite?: InviteServerTransaction }> = [];
  acks: SipRequest[] = [];
  stray: SipResponse[] = [];
  onRequest(request: SipRequest, tx: ServerTransaction): void {
    this.requests.push({ request, tx });
  }
  onCancel(cancel: SipRequest, tx: NonInviteServerTransaction, invite?: InviteServerTransaction): void {
    this.cancels.push({ cancel, tx, invite });
  }
  onAck(ack: SipRequest): void {
    this.acks.push(ack);
  }
  onStrayResponse(response: SipResponse): void {
    this.stray.push(response);
  }
}

let clock: FakeClock;
let sink: RecordingSink;
let layer: TransactionLayer;
let tu: RecordingTu;

beforeEach(() => {
  clock = new FakeClock();
  sink = new RecordingSink();
  layer = new TransactionLayer({ clock, timers: DEFAULT_TIMERS, sink, logger: silentLogger });
  tu = new RecordingTu();
  layer.user = tu;
});

function receiveInvite(source = UDP_SOURCE, transport = 'UDP'): { invite: SipRequest; tx: InviteServerTransaction } {
  const invite = makeRequest({ method: 'INVITE', transport });
  layer.receiveRequest(invite, source);
  const tx = tu.requests.at(-1)?.tx;
  if (!(tx instanceof InviteServerTransaction)) throw new Error('no INVITE transaction');
  return { invite, tx };
}

describe('INVITE server transaction (RFC 3261 §17.2.1, RFC 6026)', () => {
  it('sends 100 Trying when the TU has not answered within the trying delay, then re-sends the last provisional', () => {
    const { invite, tx } = receiveInvite();
    expect(sink.summary()).toEqual([]);
    clock.advance(DEFAULT_TIMERS.trying);
    expect(sink.summary()).toEqual(['100']);
    tx.respond(makeResponse(invite, 180, 't'));
    layer.receiveRequest(makeRequest({ method: 'INVITE' }), UDP_SOURCE);
    expect(sink.summary()).toEqual(['100', '180', '180']);
    expect(tu.requests).toHaveLength(1);
  });

  it('answers a retransmission that arrives before any response with 100 Trying at once', () => {
    receiveInvite();
    layer.receiveRequest(makeRequest({ method: 'INVITE' }), UDP_SOURCE);
    expect(sink.summary()).toEqual(['100']);
    clock.advance(DEFAULT_TIMERS.trying);
    expect(sink.summary()).toEqual(['100']);
  });

  it('sends no 100 Trying before a final response the TU gives at once (a 403 to an unknown source)', () => {
    const { invite, tx } = receiveInvite();
    tx.respond(makeResponse(invite, 403, 't'));
    clock.advance(DEFAULT_TIMERS.trying * 2);
    expect(sink.summary()).toEqual(['403']);
  });

  it('retransmits a failure on Timer G (doubling to T2) and reports Timer H without ACK', () => {
    const { invite, tx } = receiveInvite();
    let timeouts = 0;
    tx.user = { onTimeout: () => timeouts++ };
    sink.clear();
    tx.respond(makeResponse(invite, 486, 't'));
    const times: number[] = [];
    while (clock.now() < 40_000) {
      const before = sink.sent.length;
      clock.advance(100);
      if (sink.sent.length > before) times.push(clock.now());
    }
    expect(times).toEqual([500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    expect(timeouts).toBe(1);
    expect(tx.terminated).toBe(true);
    expect(layer.size.server).toBe(0);
  });

  it('absorbs the ACK of a failure (Confirmed) and ends after Timer I', () => {
    const { invite, tx } = receiveInvite();
    tx.respond(makeResponse(invite, 486, 't'));
    const ack = makeRequest({ method: 'ACK', toTag: 't' });
    layer.receiveRequest(ack, UDP_SOURCE);
    layer.receiveRequest(ack, UDP_SOURCE);
    expect(tx.currentState).toBe('confirmed');
    expect(tu.acks).toHaveLength(0);
    clock.advance(DEFAULT_TIMERS.t4);
    expect(tx.terminated).toBe(true);
    expect(sink.summary()).toEqual(['486']);
  });

  it('re-sends the failure when the INVITE is retransmitted in Completed', () => {
    const { invite, tx } = receiveInvite();
    tx.respond(makeResponse(invite, 603, 't'));
    layer.receiveRequest(makeRequest({ method: 'INVITE' }), UDP_SOURCE);
    expect(sink.summary()).toEqual(['603', '603']);
  });

  it('enters Accepted on 2xx: absorbs INVITE retransmissions, passes ACKs up, ends on Timer L', () => {
    const { invite, tx } = receiveInvite();
    const acks: SipRequest[] = [];
    tx.user = { onAck: (ack) => acks.push(ack) };
    tx.respond(makeResponse(invite, 200, 't'));
    layer.receiveRequest(makeRequest({ method: 'INVITE' }), UDP_SOURCE);
    expect(tx.respond(makeResponse(invite, 200, 't'))).toBe(true); // the UAS core's retransmission
    expect(sink.summary()).toEqual(['200', '200']);
    layer.receiveRequest(makeRequest({ method: 'ACK', toTag: 't' }), UDP_SOURCE); // same branch
    expect(acks).toHaveLength(1);
    layer.receiveRequest(makeRequest({ method: 'ACK', toTag: 't', branch: 'z9hG4bK-ack' }), UDP_SOURCE);
    expect(tu.acks).toHaveLength(1); // a 2xx ACK on its own branch goes to the TU
    clock.advance(64 * DEFAULT_TIMERS.t1);
    expect(tx.terminated).toBe(true);
  });

  it('refuses a second final response', () => {
    const { invite, tx } = receiveInvite();
    expect(tx.respond(makeResponse(invite, 486, 't'))).toBe(true);
    expect(tx.respond(makeResponse(invite, 200, 't'))).toBe(false);
    expect(sink.summary()).toEqual(['486']);
  });

  it('does not retransmit over TCP and ends on the ACK (Timer I = 0)', () => {
    const { invite, tx } = receiveInvite(TCP_SOURCE, 'TCP');
    tx.respond(makeResponse(invite, 486, 't'));
    clock.advance(10_000);
    expect(sink.summary()).toEqual(['486']);
    layer.receiveRequest(makeRequest({ method: 'ACK', toTag: 't', transport: 'TCP' }), TCP_SOURCE);
    expect(tx.terminated).toBe(true);
  });

  it('reports a transport error', async () => {
    const { invite, tx } = receiveInvite();
    let errors = 0;
    tx.user = { onTransportError: () => errors++ };
    sink.failNext = 1;
    tx.respond(makeResponse(invite, 486, 't'));
    await settle();
    expect(errors).toBe(1);
    expect(tx.terminated).toBe(true);
  });
});

describe('non-INVITE server transaction (RFC 3261 §17.2.2)', () => {
  it('discards retransmissions in Trying, re-sends the final in Completed, ends after Timer J', () => {
    const req = makeRequest({ method: 'BYE', toTag: 't' });
    layer.receiveRequest(req, UDP_SOURCE);
    const tx = tu.requests[0].tx;
    layer.receiveRequest(makeRequest({ method: 'BYE', toTag: 't' }), UDP_SOURCE);
    expect(sink.summary()).toEqual([]);
    tx.respond(makeResponse(req, 200));
    layer.receiveRequest(makeRequest({ method: 'BYE', toTag: 't' }), UDP_SOURCE);
    expect(sink.summary()).toEqual(['200', '200']);
    expect(tu.requests).toHaveLength(1);
    clock.advance(64 * DEFAULT_TIMERS.t1 - 1);
    expect(tx.terminated).toBe(false);
    clock.advance(1);
    expect(tx.terminated).toBe(true);
  });

  it('re-sends the last provisional in Proceeding', () => {
    const req = makeRequest({ method: 'OPTIONS' });
    layer.receiveRequest(req, UDP_SOURCE);
    tu.requests[0].tx.respond(makeResponse(req, 100));
    layer.receiveRequest(makeRequest({ method: 'OPTIONS' }), UDP_SOURCE);
    expect(sink.summary()).toEqual(['100', '100']);
  });

  it('ends at once over TCP (Timer J = 0)', () => {
    const req = makeRequest({ method: 'OPTIONS', transport: 'TCP' });
    layer.receiveRequest(req, TCP_SOURCE);
    const tx = tu.requests[0].tx;
    tx.respond(makeResponse(req, 200));
    expect(tx.terminated).toBe(true);
  });
});

describe('server transaction matching (RFC 3261 §17.2.3, §9.2, §8.2.2.2)', () => {
  it('keeps requests with the same branch but another sent-by apart', () => {
    layer.receiveRequest(makeRequest({ method: 'OPTIONS', sentBy: '10.0.0.1:5060' }), UDP_SOURCE);
    layer.receiveRequest(makeRequest({ method: 'OPTIONS', sentBy: '10.0.0.9:5060' }), UDP_SOURCE);
    expect(tu.requests).toHaveLength(2);
  });

  it('matches a CANCEL to its INVITE transaction', () => {
    const { tx } = receiveInvite();
    layer.receiveRequest(makeRequest({ method: 'CANCEL' }), UDP_SOURCE);
    expect(tu.cancels).toHaveLength(1);
    expect(tu.cancels[0].invite).toBe(tx);
  });

  it('reports a CANCEL with no INVITE transaction', () => {
    layer.receiveRequest(makeRequest({ method: 'CANCEL', branch: 'z9hG4bKnone' }), UDP_SOURCE);
    expect(tu.cancels[0].invite).toBeUndefined();
  });

  it('detects a merged request: same From tag, Call-ID and CSeq on another branch', () => {
    const { tx } = receiveInvite();
    expect(layer.isMerged(tx.request, tx)).toBe(false);
    layer.receiveRequest(makeRequest({ method: 'INVITE', branch: 'z9hG4bK-other-path' }), UDP_SOURCE);
    const second = tu.requests[1];
    expect(layer.isMerged(second.request, second.tx)).toBe(true);
  });

  it('hands a response with no client transaction to the TU', () => {
    layer.receiveResponse(makeResponse(makeRequest({ method: 'INVITE' }), 200, 'x'), UDP_SOURCE);
    expect(tu.stray).toHaveLength(1);
  });

  it('answers 503 statelessly once the table is full', () => {
    const small = new TransactionLayer({ clock, timers: DEFAULT_TIMERS, sink, logger: silentLogger, maxServerTransactions: 1 });
    small.user = tu;
    small.receiveRequest(makeRequest({ method: 'OPTIONS', branch: 'z9hG4bKa' }), UDP_SOURCE);
    small.receiveRequest(makeRequest({ method: 'OPTIONS', branch: 'z9hG4bKb' }), UDP_SOURCE);
    expect(tu.requests).toHaveLength(1);
    expect(sink.summary()).toEqual(['503']);
  });
});
