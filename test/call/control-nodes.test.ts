/**
 * Call control from any node (DESIGN §6): a command sent to the REST API of a second engine
 * process (sharing PostgreSQL and Redis) reaches the call owned by the first, and its answer
 * comes back only once the owner's media worker took it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChildEngine } from '../hardening/child-engine.js';
import { startTestEngine, PROVIDER_KEY, type TestEngine } from './engine.js';
import { callRow, eventually, latestCall, voiced, waitForQuiet } from './helpers.js';
import { TestPhone } from './phone.js';

const NUMBER = '+31850004001';

describe('call control through another engine process', () => {
  let owner: TestEngine;
  let other: ChildEngine;
  let phone: TestPhone;

  beforeAll(async () => {
    owner = await startTestEngine({ realtime: { responseAudioMs: 1000 } });
    await owner.agentWithNumber(NUMBER);
    other = new ChildEngine({
      dataDir: mkdtempSync(join(tmpdir(), 'voxgate-other-')),
      env: {
        DATABASE_URL: owner.database.url,
        REDIS_URL: owner.node.redisUrl,
        VOXGATE_REDIS_PREFIX: owner.node.config.redisPrefix,
        XAI_BASE_URL: owner.realtime.baseUrl,
        XAI_API_KEY: PROVIDER_KEY,
      },
    });
    await other.start();
    phone = await TestPhone.start();
  }, 90_000);
  afterAll(async () => {
    await phone?.close();
    await other?.stop();
    await owner?.close();
  });

  async function control(callId: string, body: Record<string, unknown>): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${other.apiUrl}/api/v1/calls/${callId}/control`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  it('say and end-call sent to the other node act on the call here', async () => {
    await phone.dial(`${NUMBER}@127.0.0.1:${owner.sipPort}`, '+31612000401');
    await eventually(() => voiced(phone.heard).length >= 10, 8_000, 'the greeting');
    await waitForQuiet(phone, 300);
    const callId = (await latestCall(owner))!.id;

    const beforeSay = performance.now();
    expect(await control(callId, { type: 'say', content: 'A message from your other node.' })).toEqual({
      status: 200,
      json: { success: true, message: 'Command sent successfully' },
    });
    await eventually(() => voiced(phone.heardSince(beforeSay)).length >= 10, 8_000, 'the spoken line');
    await owner.realtime.waitFor('response.create', { predicate: (e) => JSON.stringify(e.event).includes('other node'), timeoutMs: 5_000 });

    expect((await control(callId, { type: 'end-call' })).status).toBe(200);
    await eventually(() => phone.dialog?.isTerminated === true, 10_000, 'the BYE');
    await eventually(async () => (await callRow(owner, callId)).status === 'ended', 10_000, 'the call to end');
    expect((await callRow(owner, callId)).end_reason).toBe('agent-hangup');
    expect((await control(callId, { type: 'say', content: 'late' })).json).toMatchObject({ error: 'call_not_active' });
  }, 60_000);

  it('an API-only node (VOXGATE_ROLES=api) passes control commands on to the owner, and refuses to place calls', async () => {
    const apiOnly = new ChildEngine({
      dataDir: mkdtempSync(join(tmpdir(), 'voxgate-api-only-')),
      env: { DATABASE_URL: owner.database.url, REDIS_URL: owner.node.redisUrl, VOXGATE_REDIS_PREFIX: owner.node.config.redisPrefix, VOXGATE_ROLES: 'api' },
    });
    await apiOnly.start();
    const caller = await TestPhone.start();
    try {
      await caller.dial(`${NUMBER}@127.0.0.1:${owner.sipPort}`, '+31612000403');
      await eventually(() => voiced(caller.heard).length >= 10, 8_000, 'the greeting');
      await waitForQuiet(caller, 300);
      const callId = (await latestCall(owner))!.id;
      const post = (path: string, body: unknown) =>
        fetch(`${apiOnly.apiUrl}/api/v1/${path}`, { method: 'POST', headers: { authorization: `Bearer ${owner.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const before = performance.now();
      expect((await post(`calls/${callId}/control`, { type: 'say', content: 'Relayed through an API node.' })).status).toBe(200);
      await eventually(() => voiced(caller.heardSince(before)).length >= 10, 8_000, 'the spoken line');
      const outbound = await post('calls/outbound', { destination: '+31612000999', agent_id: (await latestCall(owner))!.agent_id });
      expect(outbound.status).toBe(503);
      await caller.hangup();
    } finally {
      await caller.close();
      await apiOnly.stop();
    }
  }, 60_000);

  it('a transfer sent to the other node starts on the owner: the caller is REFERred and the call ends transferred', async () => {
    const trunk = await owner.post<{ trunk: { id: string } }>('sip-trunks', { name: 'PBX', host: '127.0.0.1', port: 5999, transfer_mode: 'refer', is_default_outbound: true });
    expect(trunk.trunk.id).toBeDefined();
    const referred = new Promise<string>((resolve) => {
      void phone.dial(`${NUMBER}@127.0.0.1:${owner.sipPort}`, '+31612000402').then((dialog) =>
        dialog.on('refer', (req, res) => {
          const subscription = res.accept();
          resolve(req.get('refer-to') ?? '');
          setTimeout(() => void subscription?.notify(200, 'OK'), 100);
        }),
      );
    });
    await eventually(async () => (await latestCall(owner))?.status === 'in-progress' && (await latestCall(owner))?.caller_phone === '+31612000402', 8_000, 'the call');
    const callId = (await latestCall(owner))!.id;
    expect(await control(callId, { type: 'transfer', destination: '+31850004999' })).toEqual({ status: 200, json: { success: true, message: 'Command sent successfully' } });
    expect(await referred).toContain('+31850004999');
    await eventually(async () => (await callRow(owner, callId)).ended_at !== null, 10_000, 'the call to end');
    expect(await callRow(owner, callId)).toMatchObject({ status: 'transferred', end_reason: 'transferred' });
  }, 60_000);
});
