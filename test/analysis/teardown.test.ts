/**
 * Teardown deadlines and lost jobs: enqueuing is bounded and never throws, even without Redis; a
 * call whose enqueue was lost is found by the sweep; a job queued before the row is final waits.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PostCallQueue } from '../../src/analysis/index.js';
import { secretBoxFor } from '../../src/api/deps.js';
import { createLogger } from '../../src/log.js';
import { analysisFixture, BOOKING_ANALYSIS, bookingConversation, messageOf, scriptModel, type AnalysisFixture } from './fixture.js';

describe('post-call teardown', () => {
  let f: AnalysisFixture;
  beforeAll(async () => {
    f = await analysisFixture();
  });
  afterAll(() => f.close());
  beforeEach(() => scriptModel(f.llm, 'Summary.', { json: BOOKING_ANALYSIS }));

  it('returns false within its bound and does not throw when Redis does not answer', async () => {
    // A Redis that accepts the connection and never answers: the worst case for a hung teardown.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket.on('data', () => undefined)));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const dead = new Redis({ port: (silent.address() as AddressInfo).port, host: '127.0.0.1', maxRetriesPerRequest: null });
    dead.on('error', () => undefined);
    const queue = new PostCallQueue({ redis: dead, prefix: 'vgtest:dead:', secrets: secretBoxFor(f.t.config), log: createLogger('silent') });
    try {
      const started = performance.now();
      const queued = await queue.enqueue({ callId: '00000000-0000-4000-8000-000000000001', orgId: f.org.org.id }, 300);
      expect(queued).toBe(false);
      expect(performance.now() - started).toBeGreaterThanOrEqual(250);
      expect(performance.now() - started).toBeLessThan(1_500);
    } finally {
      await Promise.race([queue.close(), new Promise((r) => setTimeout(r, 300))]);
      dead.disconnect();
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('sweeps final calls whose report was never queued, and leaves calls the old path reported', async () => {
    const agentId = await f.createAgent();
    const lost = await f.finishedCall({ agentId, messages: bookingConversation() });
    const legacy = await f.finishedCall({ agentId, messages: bookingConversation() });
    await f.t.db.query(
      `INSERT INTO webhook_deliveries (org_id, call_id, event_type, url, payload, status) VALUES ($1, $2, 'end-of-call-report', 'http://x.invalid', '{}', 'delivered')`,
      [f.org.org.id, legacy],
    );
    expect(await f.worker.sweep()).toBe(1);
    expect(messageOf(await f.report(lost))).toMatchObject({ summary: 'Summary.' });
    await f.completed(lost);
    expect(await f.worker.sweep()).toBe(0);
    expect(f.reportsOf(legacy)).toHaveLength(0);
  });

  it('waits for a call that is not final yet, then reports it once it is', async () => {
    const agentId = await f.createAgent();
    const callId = await f.finishedCall({ agentId, messages: bookingConversation() });
    await f.t.db.query(`UPDATE calls SET status = 'in-progress', ended_at = NULL WHERE id = $1`, [callId]);
    const firstAttempt = new Promise<Error>((resolve) => f.worker.onFailed((id, err) => id === callId && resolve(err)));
    await f.postCall.enqueue({ callId, orgId: f.org.org.id });
    expect((await firstAttempt).message).toContain('is not final yet');
    expect(f.reportsOf(callId)).toHaveLength(0);
    await f.t.db.query(`UPDATE calls SET status = 'ended', ended_at = now() WHERE id = $1`, [callId]);
    expect(messageOf(await f.report(callId))).toMatchObject({ call: { status: 'ended' }, summary: 'Summary.' });
  });
});
