/**
 * Transfers (issue #10) over real sockets: a caller (the test phone) asks the agent for sales;
 * the agent's transferCall dials the target through the number's trunk (SIPp, with a 401
 * challenge), the caller hears the agent's message, then the target; both hear each other, the
 * model leaves, one BYE ends both legs. A busy target sends the caller back to the agent, which
 * gets the outcome. A REFER trunk hands the caller over with a blind transfer.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulawSilence, mulawSpeech } from '../fakes/audio.js';
import { rejectScenario, runSipp, type SippResult } from '../interop/sipp-runner.js';
import { startTestEngine, type TestEngine } from './engine.js';
import { callRow, eventually, latestCall, voiced, waitForQuiet, webhookMessages } from './helpers.js';
import { TestPhone } from './phone.js';
import { RtpEndpoint } from './rtp-endpoint.js';
import { createAnswer, UserAgent, type Dialog } from '../../sip/index.js';
import { ringback } from '../../media/playout/tones.js';

const NUMBER = '+31850000300';
const CALLER = '+31612345678';
const SALES = '+31850000200';

describe('transfers', () => {
  let engine: TestEngine;
  let numberId: string;
  let agentId: string;
  let trunkId: string | null = null;

  beforeAll(async () => {
    engine = await startTestEngine({ realtime: { responseAudioMs: 600 } });
    ({ numberId, agentId } = await engine.agentWithNumber(NUMBER, {
      llm_config: {
        provider: 'xai_realtime',
        voice: 'ara',
        messages: [{ role: 'system', content: 'You are the front desk.' }],
        tools: [{ type: 'transferCall', destinations: [{ type: 'number', number: SALES, message: 'Connecting you to sales.', description: 'Sales team' }] }],
      },
    }));
  });
  afterAll(async () => {
    await engine?.close();
  });

  const asOrg = () => ({ authorization: `Bearer ${engine.apiKey}` });

  /** The number's transfer trunk at `port` (credentials SIPp checks), in `mode`. */
  async function trunkAt(port: number, mode: 'bridge' | 'refer' = 'bridge'): Promise<void> {
    const body = { name: 'Office PBX', host: '127.0.0.1', port, username: 'trunkuser', password: 's3cret', transfer_mode: mode };
    const res = trunkId
      ? await engine.api.inject({ method: 'PATCH', url: `/api/v1/sip-trunks/${trunkId}`, headers: asOrg(), payload: body })
      : await engine.api.inject({ method: 'POST', url: '/api/v1/sip-trunks', headers: asOrg(), payload: body });
    expect(res.statusCode).toBeLessThan(300);
    trunkId ??= (res.json() as { trunk: { id: string } }).trunk.id;
    const linked = await engine.api.inject({ method: 'PATCH', url: `/api/v1/numbers/${numberId}`, headers: asOrg(), payload: { transfer_trunk_id: trunkId } });
    expect(linked.statusCode).toBe(200);
  }

  /** A call whose caller asks for sales; the agent answers with the transferCall tool. */
  async function callAskingForSales(phone: TestPhone): Promise<string> {
    engine.realtime.setScript({ turns: [{ transcript: 'Sales please.', reply: { toolCall: { name: 'transfer_call', arguments: { destination: SALES } } } }] });
    await phone.dial(`${NUMBER}@127.0.0.1:${engine.sipPort}`, CALLER);
    await eventually(() => voiced(phone.heard).length >= 10, 8_000, 'the greeting');
    await waitForQuiet(phone, 300);
    phone.say(mulawSpeech(800));
    phone.say(mulawSilence(400), false);
    return (await latestCall(engine))!.id;
  }

  function expectSippOk(result: SippResult): void {
    if (result.code !== 0) throw new Error(`SIPp failed (${result.code}):\n${result.errors}`);
  }

  it('bridged: the message, then the target; caller and target hear each other; the model leaves; one BYE ends both legs', async () => {
    const target = await RtpEndpoint.bind();
    target.startOnFirstPacket();
    const phone = await TestPhone.start();
    let started!: (port: number) => void;
    const sippPort = new Promise<number>((resolve) => (started = resolve));
    const sipp = runSipp({ scenario: 'uas-transfer-target.xml', extraArgs: ['-set', 'rtpport', String(target.port)], timeoutSeconds: 60, onStarted: (port) => started(port) });
    try {
      await trunkAt(await sippPort);
      const callId = await callAskingForSales(phone);
      await eventually(async () => (await callRow(engine, callId)).status === 'forwarding', 10_000, 'the transfer to start');
      const forwardingAt = performance.now();
      await eventually(async () => (await callRow(engine, callId)).status === 'transferred', 15_000, 'the target to answer');
      // The agent's message, then ringback (the European cadence for a +31 number) while the target rang.
      expect(voiced(phone.heardSince(forwardingAt)).length).toBeGreaterThan(10);
      const tone = Buffer.from(ringback('eu', { encoding: 'pcmu', sampleRate: 8000 }));
      expect(phone.heardSince(forwardingAt).filter((p) => tone.indexOf(p.payload) >= 0).length).toBeGreaterThanOrEqual(10);
      const sessions = engine.realtime.connections.length;
      await eventually(() => engine.realtime.connections[sessions - 1].closed, 5_000, 'the model session to close');

      // Caller → target and target → caller, as audio.
      const bridgedAt = performance.now();
      phone.say(mulawSpeech(1000));
      await eventually(() => voiced(target.heardSince(bridgedAt)).length >= 20, 5_000, "the caller's voice at the target");
      target.say(mulawSpeech(1000));
      await eventually(() => voiced(phone.heardSince(bridgedAt)).length >= 20, 5_000, "the target's voice at the caller");
      // A digit the caller presses reaches the target as RFC 4733 events (event 5, ending with E).
      phone.rtp.sendDigit('5');
      await eventually(() => target.heard.some((p) => p.pt === 101 && p.payload[0] === 5 && (p.payload[1] & 0x80) !== 0), 5_000, 'the digit at the target');

      await new Promise((r) => setTimeout(r, 1_100)); // a bridged second
      await phone.hangup();
      expectSippOk(await sipp); // the target got its BYE
      await eventually(async () => (await callRow(engine, callId)).ended_at !== null, 10_000, 'the call to end');
      const row = await callRow(engine, callId);
      expect(row).toMatchObject({ status: 'transferred', end_reason: 'transferred' });
      const { rows } = await engine.database.db.query<{ transfer: Record<string, unknown> }>(`SELECT transfer FROM calls WHERE id = $1`, [callId]);
      expect(rows[0].transfer).toMatchObject({ target: SALES, mode: 'bridge', outcome: 'transferred' });
      expect(rows[0].transfer.bridged_seconds as number).toBeGreaterThanOrEqual(1);
      const steps = (await engine.database.db.query<{ type: string }>(`SELECT type FROM call_events WHERE call_id = $1 ORDER BY id`, [callId])).rows.map((r) => r.type);
      expect(steps).toEqual(expect.arrayContaining(['transfer-started', 'transfer-dialing', 'transfer-answered']));
      await eventually(() => webhookMessages(engine, 'end-of-call-report', callId).length === 1, 15_000, 'the report');
      expect(webhookMessages(engine, 'status-update', callId).map((m) => m.status)).toEqual(['in-progress', 'forwarding', 'transferred', 'ended']);
      expect(webhookMessages(engine, 'end-of-call-report', callId)[0]).toMatchObject({ endReason: 'transferred' });
    } finally {
      target.close();
      await phone.close();
    }
  }, 90_000);

  it('a busy target sends the caller back to the agent, which gets the outcome', async () => {
    const phone = await TestPhone.start();
    let started!: (port: number) => void;
    const sippPort = new Promise<number>((resolve) => (started = resolve));
    const sipp = runSipp({ scenario: await rejectScenario(486, 'Busy Here'), timeoutSeconds: 30, onStarted: (port) => started(port) });
    try {
      await trunkAt(await sippPort);
      const callId = await callAskingForSales(phone);
      const output = await engine.realtime.waitFor('conversation.item.create', {
        predicate: (e) => (e.event.item as { type?: string })?.type === 'function_call_output',
        from: engine.realtime.events.length,
        timeoutMs: 15_000,
      });
      expect(JSON.parse((output.event.item as { output: string }).output)).toMatchObject({ status: 'busy', sip_code: 486 });
      expectSippOk(await sipp);
      await eventually(async () => (await callRow(engine, callId)).status === 'in-progress', 5_000, 'the call back with the agent');
      const { rows } = await engine.database.db.query<{ transfer: Record<string, unknown> }>(`SELECT transfer FROM calls WHERE id = $1`, [callId]);
      expect(rows[0].transfer).toBeNull(); // written at the end of the call
      await phone.hangup();
      await eventually(async () => (await callRow(engine, callId)).ended_at !== null, 10_000, 'the call to end');
      expect(await callRow(engine, callId)).toMatchObject({ status: 'ended', end_reason: 'customer-hangup' });
      const final = await engine.database.db.query<{ transfer: Record<string, unknown> }>(`SELECT transfer FROM calls WHERE id = $1`, [callId]);
      expect(final.rows[0].transfer).toMatchObject({ outcome: 'busy', sip_status: 486 });
    } finally {
      await phone.close();
    }
  }, 60_000);

  it('a second transfer while one rings is refused; the caller hanging up CANCELs the ringing target; a bad destination is refused', async () => {
    const phone = await TestPhone.start();
    let started!: (port: number) => void;
    const sippPort = new Promise<number>((resolve) => (started = resolve));
    const sipp = runSipp({ scenario: 'uas-ring-forever.xml', timeoutSeconds: 30, onStarted: (port) => started(port) });
    try {
      await trunkAt(await sippPort);
      engine.realtime.setScript({ turns: [] });
      await phone.dial(`${NUMBER}@127.0.0.1:${engine.sipPort}`, CALLER);
      await eventually(async () => (await latestCall(engine))?.status === 'in-progress', 8_000, 'the call');
      const callId = (await latestCall(engine))!.id;
      const control = (body: Record<string, unknown>) =>
        engine.api.inject({ method: 'POST', url: `/api/v1/calls/${callId}/control`, headers: asOrg(), payload: { type: 'transfer', ...body } });
      expect((await control({ destination: 'not a number' })).json()).toMatchObject({ error: 'invalid_request' });
      expect((await control({ destination: SALES, message: 'One moment.' })).json()).toEqual({ success: true, message: 'Command sent successfully' });
      await eventually(async () => (await callRow(engine, callId)).status === 'forwarding', 5_000, 'forwarding');
      const second = await control({ destination: SALES });
      expect(second.statusCode).toBe(409);
      expect(second.json()).toMatchObject({ error: 'conflict' });
      await phone.hangup();
      expectSippOk(await sipp); // the scenario ends on our CANCEL
      await eventually(async () => (await callRow(engine, callId)).ended_at !== null, 10_000, 'the call to end');
      expect(await callRow(engine, callId)).toMatchObject({ status: 'ended', end_reason: 'customer-hangup' });
    } finally {
      await phone.close();
    }
  }, 60_000);

  it.each([
    { digit: '1', accepted: true },
    { digit: '2', accepted: false },
  ])('warm: the person is briefed by the agent and presses $digit', async ({ digit, accepted }) => {
    // The person's phone: a user agent that answers at once, its RTP on `person`.
    const person = await RtpEndpoint.bind();
    person.startOnFirstPacket();
    const pbx = new UserAgent({ transports: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }] });
    await pbx.listen();
    let personDialog: Dialog | null = null;
    pbx.on('invite', (req, res) => {
      const answer = createAnswer(req.sdp ?? '', { address: '127.0.0.1', port: person.port, codecs: ['PCMU'], telephoneEvent: true, sessionId: '5', version: 1 });
      if (!answer.ok) return void res.send(488);
      void pbx.createUAS(req, res, { localSdp: answer.sdp }).then((d) => (personDialog = d));
    });
    const patched = await engine.api.inject({
      method: 'PATCH',
      url: `/api/v1/agents/${agentId}`,
      headers: asOrg(),
      payload: { llm_config: { provider: 'xai_realtime', voice: 'ara', messages: [{ role: 'system', content: 'You are the front desk.' }], tools: [{ type: 'transferCall', destinations: [{ type: 'number', number: SALES, message: 'Hi, I have a caller about an order.', mode: 'warm', timeout_seconds: 20 }] }] } },
    });
    expect(patched.json()).toMatchObject({ agent: { llm_config: { tools: [{ destinations: [{ mode: 'warm', timeout_seconds: 20 }] }] } } });
    const phone = await TestPhone.start();
    try {
      await trunkAt(pbx.address('udp')!);
      const sessions = engine.realtime.connections.length;
      const callId = await callAskingForSales(phone);
      await eventually(async () => (await callRow(engine, callId)).status === 'forwarding', 10_000, 'the transfer to start');
      // The person hears the briefing agent (a second model session, told about the conversation).
      await eventually(() => voiced(person.heard).length >= 10, 10_000, 'the briefing at the person');
      const [agentSession, briefing] = engine.realtime.connections.slice(sessions);
      expect(JSON.stringify(briefing.session)).toContain('Sales please.');
      const beforeDigit = performance.now();
      person.sendDigit(digit);
      if (accepted) {
        await eventually(async () => (await callRow(engine, callId)).status === 'transferred', 10_000, 'the bridge');
        await eventually(() => briefing.closed && agentSession.closed, 5_000, 'both model sessions to close');
        person.say(mulawSpeech(800));
        await eventually(() => voiced(phone.heardSince(beforeDigit + 200)).length >= 20, 5_000, "the person's voice at the caller");
        await phone.hangup();
        await eventually(() => personDialog?.isTerminated === true, 5_000, "the person's BYE");
        await eventually(async () => (await callRow(engine, callId)).ended_at !== null, 10_000, 'the call to end');
        expect(await callRow(engine, callId)).toMatchObject({ status: 'transferred', end_reason: 'transferred' });
      } else {
        const output = await engine.realtime.waitFor('conversation.item.create', {
          predicate: (e) => (e.event.item as { type?: string })?.type === 'function_call_output' && JSON.stringify(e.event).includes('declined'),
          timeoutMs: 10_000,
        });
        expect(output).toBeDefined();
        await eventually(() => personDialog?.isTerminated === true, 5_000, 'the person to be hung up');
        await eventually(async () => (await callRow(engine, callId)).status === 'in-progress', 5_000, 'the caller back with the agent');
        await phone.hangup();
        await eventually(async () => (await callRow(engine, callId)).ended_at !== null, 10_000, 'the call to end');
      }
    } finally {
      person.close();
      await phone.close();
      await pbx.close(200);
    }
  }, 60_000);

  it("a trunk that refuses the caller's identity (403) is dialed once more with our number; no common codec fails cleanly", async () => {
    const person = await RtpEndpoint.bind();
    person.startOnFirstPacket();
    const pbx = new UserAgent({ transports: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }] });
    await pbx.listen();
    const fromUsers: string[] = [];
    let refuseCodec = false;
    pbx.on('invite', (req, res) => {
      fromUsers.push(req.from.uri.user ?? '');
      if (fromUsers.length === 1) return void res.send(403, 'Caller ID Not Allowed');
      if (refuseCodec) return void res.send(488, 'Not Acceptable Here');
      const answer = createAnswer(req.sdp ?? '', { address: '127.0.0.1', port: person.port, codecs: ['PCMU'], sessionId: '6', version: 1 });
      if (answer.ok) void pbx.createUAS(req, res, { localSdp: answer.sdp });
    });
    // A bridged destination (the warm tests above switched it to warm).
    const bridged = await engine.api.inject({
      method: 'PATCH',
      url: `/api/v1/agents/${agentId}`,
      headers: asOrg(),
      payload: { llm_config: { provider: 'xai_realtime', voice: 'ara', messages: [{ role: 'system', content: 'You are the front desk.' }], tools: [{ type: 'transferCall', destinations: [{ type: 'number', number: SALES, message: 'Connecting you to sales.', mode: 'bridge' }] }] } },
    });
    expect(bridged.statusCode).toBe(200);
    const phone = await TestPhone.start();
    try {
      await trunkAt(pbx.address('udp')!);
      const callId = await callAskingForSales(phone);
      await eventually(async () => (await callRow(engine, callId)).status === 'transferred', 15_000, 'the transfer on the second try');
      expect(fromUsers).toEqual([CALLER, NUMBER]);
      const steps = (await engine.database.db.query<{ type: string }>(`SELECT type FROM call_events WHERE call_id = $1 ORDER BY id`, [callId])).rows.map((r) => r.type);
      expect(steps).toContain('transfer-retry');
      await phone.hangup();
      await eventually(async () => (await callRow(engine, callId)).ended_at !== null, 10_000, 'the call to end');

      // A target that takes none of our codecs: failed, back to the agent.
      fromUsers.length = 0;
      refuseCodec = true;
      const second = await TestPhone.start();
      try {
        const nextCall = await callAskingForSales(second);
        const output = await engine.realtime.waitFor('conversation.item.create', {
          predicate: (e) => (e.event.item as { type?: string })?.type === 'function_call_output' && JSON.stringify(e.event).includes('488'),
          from: engine.realtime.events.length,
          timeoutMs: 15_000,
        });
        expect(JSON.parse((output.event.item as { output: string }).output)).toMatchObject({ status: 'failed', sip_code: 488 });
        await eventually(async () => (await callRow(engine, nextCall)).status === 'in-progress', 5_000, 'back with the agent');
        await second.hangup();
      } finally {
        await second.close();
      }
    } finally {
      person.close();
      await phone.close();
      await pbx.close(200);
    }
  }, 60_000);

  it('refer: the caller is REFERred to the target; NOTIFY 200 ends the call as transferred', async () => {
    await trunkAt(5999, 'refer');
    const phone = await TestPhone.start();
    try {
      const referred = new Promise<string>((resolve) => {
        const attach = () => {
          phone.dialog!.on('refer', (req, res) => {
            const subscription = res.accept();
            resolve(req.get('refer-to') ?? '');
            setTimeout(() => void subscription?.notify(200, 'OK'), 200);
          });
        };
        const wait = setInterval(() => {
          if (phone.dialog) {
            clearInterval(wait);
            attach();
          }
        }, 20);
      });
      const callId = await callAskingForSales(phone);
      expect(await referred).toContain(SALES);
      await eventually(async () => (await callRow(engine, callId)).ended_at !== null, 15_000, 'the call to end');
      expect(await callRow(engine, callId)).toMatchObject({ status: 'transferred', end_reason: 'transferred' });
      expect(phone.dialog!.isTerminated).toBe(true);
    } finally {
      await phone.close();
    }
  }, 60_000);
});
