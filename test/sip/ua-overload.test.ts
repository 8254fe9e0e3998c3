import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAnswer } from '../../sip/sdp/index.js';
import { OverloadGuard } from '../../sip/ua/overload.js';
import { answered, refusal } from '../helpers/sip.js';
import { makePair, media, offer, type Pair } from './ua-fixtures.js';

let pair: Pair | undefined;
afterEach(async () => {
  await pair?.alice.close(0);
  await pair?.bob.close(0);
  pair = undefined;
});

function answerAll(p: Pair): void {
  p.bob.on('invite', (req, res) => {
    const answer = createAnswer(req.sdp ?? '', media(50000));
    if (!answer.ok) return void res.send(488);
    void p.bob.createUAS(req, res, { localSdp: answer.sdp }).catch(() => undefined);
  });
}

/** Keeps the event loop busy, as a saturated process does. */
function stall(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy
  }
}

const shedding = (p: Pair): number => p.bob.stats().overload?.shedding ?? -1;

describe('overload control (UserAgentOptions.overload)', () => {
  it('refuses new INVITEs with 503 and Retry-After while saturated, still ends calls in progress, and accepts again once it recovers', async () => {
    pair = await makePair({}, { overload: { windowMs: 20, maxLoopDelayMs: 30, retryAfterSeconds: 7 } });
    answerAll(pair);
    const inProgress = answered(await pair.alice.createUAC(pair.bobUri, { localSdp: offer() }));

    stall(600);
    await vi.waitFor(() => expect(shedding(pair!)).toBe(1), { timeout: 2000, interval: 5 });
    const error = refusal(await pair.alice.createUAC(pair.bobUri, { localSdp: offer() }));
    expect(error.status).toBe(503);
    expect(error.response?.headers.get('retry-after')).toBe('7');
    // A BYE is in-dialog: overload never refuses what ends a call.
    await inProgress.bye();
    expect(inProgress.destroyReason).toBe('bye-sent');
    expect(pair.bob.stats().overload?.refused).toBe(1);

    await vi.waitFor(() => expect(shedding(pair!)).toBe(0), { timeout: 5000, interval: 10 });
    const again = answered(await pair.alice.createUAC(pair.bobUri, { localSdp: offer() }));
    expect(again.remoteSdp).toContain('m=audio 50000');
  });

  it('answers every INVITE when no overload option is given', async () => {
    pair = await makePair();
    answerAll(pair);
    stall(300);
    answered(await pair.alice.createUAC(pair.bobUri, { localSdp: offer() }));
    expect(pair.bob.stats().overload).toBeUndefined();
  });
});

describe('OverloadGuard', () => {
  it('refuses a share that follows utilisation above the limit, and grows by the windows a stall swallowed', () => {
    const guard = new OverloadGuard({ maxUtilization: 0.8 }, () => 0.5);
    guard.adjust(0.9); // 10 % over the limit → +20 %
    expect(guard.stats().shedding).toBeCloseTo(0.2);
    expect(guard.shouldRefuse()).toBe(false); // 0.5 ≥ 0.2
    guard.adjust(1); // +40 %
    expect(guard.stats().shedding).toBeCloseTo(0.6);
    expect(guard.shouldRefuse()).toBe(true);
    guard.adjust(0.8); // at the limit: unchanged
    expect(guard.stats().shedding).toBeCloseTo(0.6);
    guard.adjust(0.6); // 20 % under → −40 %
    expect(guard.stats().shedding).toBeCloseTo(0.2);
    guard.adjust(0.1);
    expect(guard.stats().shedding).toBe(0);
    expect(guard.shouldRefuse()).toBe(false);
    guard.adjust(0, 30); // a stall of 30 windows
    expect(guard.stats().shedding).toBe(1);
    expect(guard.shouldRefuse()).toBe(true);
    expect(guard.stats().refused).toBe(2);
  });
});
