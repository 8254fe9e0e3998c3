/**
 * Call benchmark (`npm run bench -- call`): the whole engine in this process against the fake
 * realtime provider on loopback, with a SIP + RTP test phone. Per call it measures
 * - INVITE → 200 OK: from sending the INVITE to the dialog being established at the phone;
 * - 200 OK → first greeting RTP packet, beyond the provider's own delay: the first message is
 *   generated while the phone rings, so this is what the engine adds once the call is answered;
 * - the engine's share of voice-to-voice latency, per caller turn:
 *   caller side: the caller's last speech frame leaving the phone → that frame reaching the
 *   provider (inside an `input_audio_buffer.append`);
 *   agent side: the provider's first audio delta of the reply → its first RTP packet at the phone.
 * Both shares include loopback transit and the 20 ms packetisation/tick alignment: they are what
 * a caller would notice on top of the model's own thinking time.
 * Outbound calls, through a trunk played by a `sip/` user agent in this process:
 * - API request → INVITE on the wire (at the trunk);
 * - 200 OK sent by the callee → first agent RTP packet at the callee;
 * - control `say` → first RTP packet of the spoken line, and the engine's share of it (minus the
 *   provider's time to its first audio delta); control `end-call` → BYE at the callee.
 * Transfers (bridged), to a target played by a `sip/` user agent that answers at once:
 * - transfer control → the target's INVITE on the wire;
 * - the target's 200 OK → the first bridged RTP packet each way (the target's audio at the caller,
 *   the caller's audio at the target, matched by payload);
 * - the media worker's event-loop utilisation per bridged call (calls held bridged together).
 */
import { performance } from 'node:perf_hooks';
import { mulawSilence, mulawSpeech } from '../fakes/audio.js';
import { eventually } from '../events/fixtures.js';
import { startTestEngine, type TestEngine } from '../call/engine.js';
import { voiced, waitForQuiet } from '../call/helpers.js';
import { TestPhone } from '../call/phone.js';
import { RtpEndpoint } from '../call/rtp-endpoint.js';
import { createAnswer, UserAgent, type Dialog } from '../../sip/index.js';

const NUMBER = '+31850009999';
const FRAME = 160;

interface Samples {
  inviteTo200: number[];
  answerToFirstRtp: number[];
  callerToProvider: number[];
  deltaToRtp: number[];
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] * 100) / 100;
}

function summary(values: number[]) {
  return { p50: percentile(values, 50), p95: percentile(values, 95), n: values.length };
}

/** When the provider received the append that carried `frame` (the caller's last speech frame). */
function appendTimeOf(engine: TestEngine, frame: Uint8Array, fromEvent: number): number | null {
  const needle = Buffer.from(frame);
  let carry = Buffer.alloc(0);
  for (const e of engine.realtime.events.slice(fromEvent)) {
    if (e.type !== 'input_audio_buffer.append') continue;
    const audio = Buffer.from(String(e.event.audio), 'base64');
    const window = Buffer.concat([carry, audio]);
    if (window.indexOf(needle) !== -1) return e.at;
    carry = window.subarray(Math.max(0, window.length - FRAME));
  }
  return null;
}

async function oneCall(engine: TestEngine, turns: number, s: Samples): Promise<void> {
  const phone = await TestPhone.start();
  const fromEvent = engine.realtime.events.length;
  try {
    const dialed = performance.now();
    await phone.dial(`${NUMBER}@127.0.0.1:${engine.sipPort}`, '+31612345678');
    const answered = performance.now();
    s.inviteTo200.push(answered - dialed);
    await eventually(() => voiced(phone.heardSince(answered)).length > 0, 5_000, 'the greeting');
    const firstDelta = engine.realtime.deltas.find((d) => d.at >= dialed);
    const firstRtp = voiced(phone.heardSince(answered))[0].at;
    s.answerToFirstRtp.push(firstRtp - Math.max(answered, firstDelta?.at ?? answered));
    await waitForQuiet(phone, 300);
    for (let turn = 0; turn < turns; turn++) {
      const speech = mulawSpeech(800, { seed: 1000 + turn });
      const lastFrame = speech.subarray(speech.length - FRAME);
      const sentBefore = phone.sent.length;
      const deltasBefore = engine.realtime.deltas.length;
      phone.say(speech);
      phone.say(mulawSilence(700), false);
      await eventually(() => engine.realtime.deltas.length > deltasBefore, 5_000, 'the reply');
      const reply = engine.realtime.deltas[deltasBefore];
      await eventually(() => voiced(phone.heardSince(reply.at)).length > 0, 5_000, 'the reply audio');
      s.deltaToRtp.push(voiced(phone.heardSince(reply.at))[0].at - reply.at);
      const lastVoicedSent = phone.sent.slice(sentBefore).filter((f) => f.voiced).at(-1);
      const received = appendTimeOf(engine, lastFrame, fromEvent);
      if (lastVoicedSent && received !== null) s.callerToProvider.push(received - lastVoicedSent.at);
      await waitForQuiet(phone, 300);
    }
    await phone.hangup();
  } finally {
    await phone.close();
  }
}

interface OutboundSamples {
  requestToInvite: number[];
  okToFirstRtp: number[];
  sayToFirstRtp: number[];
  sayEngineShare: number[];
  endCallToBye: number[];
}

/** A trunk that answers every INVITE at once, with its callee's RTP at `callee`. */
function fakeTrunk(ua: UserAgent, onCall: (call: { inviteAt: number; okAt: number; dialog: Dialog; callee: RtpEndpoint }) => void): void {
  ua.on('invite', (req, res) => {
    const inviteAt = performance.now();
    void (async () => {
      const callee = await RtpEndpoint.bind();
      callee.startOnFirstPacket();
      const answer = createAnswer(req.sdp ?? '', { address: '127.0.0.1', port: callee.port, codecs: ['PCMU'], sessionId: '1', version: 1 });
      if (!answer.ok) return void res.send(488);
      const okAt = performance.now();
      const dialog = await ua.createUAS(req, res, { localSdp: answer.sdp });
      onCall({ inviteAt, okAt, dialog, callee });
    })();
  });
}

async function oneOutboundCall(engine: TestEngine, agentId: string, trunk: { next(): Promise<{ inviteAt: number; okAt: number; dialog: Dialog; callee: RtpEndpoint }> }, s: OutboundSamples): Promise<void> {
  const answered = trunk.next();
  const requested = performance.now();
  const placed = await engine.post<{ call_id: string }>('calls/outbound', { destination: '+31612000999', agent_id: agentId });
  const call = await answered;
  try {
    s.requestToInvite.push(call.inviteAt - requested);
    await eventually(() => voiced(call.callee.heard).length > 0, 5_000, 'the greeting at the callee');
    s.okToFirstRtp.push(voiced(call.callee.heard)[0].at - call.okAt);
    await eventually(() => call.callee.heard.length > 0 && performance.now() - voiced(call.callee.heard).at(-1)!.at > 300, 10_000, 'the greeting to end');
    const deltasBefore = engine.realtime.deltas.length;
    const eventsBefore = engine.realtime.events.length;
    const sayAt = performance.now();
    await engine.post(`calls/${placed.call_id}/control`, { type: 'say', content: 'Your code is four seven one one.' });
    await eventually(() => voiced(call.callee.heardSince(sayAt)).length > 0, 5_000, 'the spoken line');
    const firstRtp = voiced(call.callee.heardSince(sayAt))[0].at;
    s.sayToFirstRtp.push(firstRtp - sayAt);
    // The provider's own part: from its receiving response.create to its first audio delta.
    const created = engine.realtime.events.slice(eventsBefore).find((e) => e.type === 'response.create');
    const delta = engine.realtime.deltas[deltasBefore];
    if (created && delta) s.sayEngineShare.push(firstRtp - sayAt - (delta.at - created.at));
    await eventually(() => performance.now() - voiced(call.callee.heard).at(-1)!.at > 300, 10_000, 'the line to end');
    const ended = new Promise<number>((resolve) => call.dialog.on('bye', () => resolve(performance.now())));
    const endAt = performance.now();
    await engine.post(`calls/${placed.call_id}/control`, { type: 'end-call' });
    s.endCallToBye.push((await ended) - endAt);
  } finally {
    call.callee.close();
  }
}

async function outboundRuns(engine: TestEngine, calls: number): Promise<OutboundSamples> {
  const samples: OutboundSamples = { requestToInvite: [], okToFirstRtp: [], sayToFirstRtp: [], sayEngineShare: [], endCallToBye: [] };
  const ua = new UserAgent({ transports: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }] });
  await ua.listen();
  const waiting: Array<(call: { inviteAt: number; okAt: number; dialog: Dialog; callee: RtpEndpoint }) => void> = [];
  fakeTrunk(ua, (call) => waiting.shift()?.(call));
  const trunk = { next: () => new Promise<{ inviteAt: number; okAt: number; dialog: Dialog; callee: RtpEndpoint }>((resolve) => waiting.push(resolve)) };
  try {
    await engine.post('sip-trunks', { name: 'Bench trunk', host: '127.0.0.1', port: ua.address('udp'), is_default_outbound: true });
    const { agentId } = await engine.agentWithNumber('+31850009998', { first_message: 'Hello, this is Acme calling.' });
    await oneOutboundCall(engine, agentId, trunk, { requestToInvite: [], okToFirstRtp: [], sayToFirstRtp: [], sayEngineShare: [], endCallToBye: [] }); // warm-up
    for (let i = 0; i < calls; i++) await oneOutboundCall(engine, agentId, trunk, samples);
  } finally {
    await ua.close(200);
  }
  return samples;
}

interface TransferSamples {
  controlToInvite: number[];
  okToTargetAtCaller: number[];
  okToCallerAtTarget: number[];
}

/** First packet in `heard` after `since` whose payload is one of `sent` (exact bytes: G.711 passthrough). */
function firstOf(heard: Array<{ at: number; payload: Buffer }>, sent: Array<{ payload: Uint8Array }>, since: number): number | null {
  const mine = new Set(sent.map((f) => Buffer.from(f.payload).toString('hex')));
  return heard.find((p) => p.at >= since && mine.has(p.payload.toString('hex')))?.at ?? null;
}

async function transferRuns(engine: TestEngine, calls: number, concurrent: number): Promise<{ samples: TransferSamples; eluPerBridgedCall: number | null }> {
  const samples: TransferSamples = { controlToInvite: [], okToTargetAtCaller: [], okToCallerAtTarget: [] };
  const ua = new UserAgent({ transports: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }] });
  await ua.listen();
  const waiting: Array<(call: { inviteAt: number; okAt: number; dialog: Dialog; callee: RtpEndpoint }) => void> = [];
  fakeTrunk(ua, (call) => waiting.shift()?.(call));
  const phones: TestPhone[] = [];
  const targets: RtpEndpoint[] = [];
  try {
    const trunk = await engine.post<{ trunk: { id: string } }>('sip-trunks', { name: 'PBX', host: '127.0.0.1', port: ua.address('udp'), is_default_outbound: true });
    const number = '+31850009997';
    const { numberId } = await engine.agentWithNumber(number, { first_message: 'Hello.' });
    // The worker's utilisation with no call, to take off the bridged figure (clock spin, timers).
    await engine.telephony.mediaHealth(true);
    await new Promise((r) => setTimeout(r, 3_000));
    const idle = (await engine.telephony.mediaHealth()).workers[0]?.eventLoopUtilization ?? 0;
    await engine.api.inject({ method: 'PATCH', url: `/api/v1/numbers/${numberId}`, headers: { authorization: `Bearer ${engine.apiKey}` }, payload: { transfer_trunk_id: trunk.trunk.id } });
    for (let i = 0; i < calls; i++) {
      const phone = await TestPhone.start();
      phones.push(phone);
      await phone.dial(`${number}@127.0.0.1:${engine.sipPort}`, '+31612340000');
      await eventually(() => voiced(phone.heard).length > 0, 5_000, 'the greeting');
      await waitForQuiet(phone, 300);
      let live: Array<{ id: string }> = [];
      await eventually(async () => (live = (await engine.get<{ calls: Array<{ id: string }> }>('calls?status=in-progress&limit=1')).calls).length > 0, 5_000, 'the call in progress');
      const answered = new Promise<{ inviteAt: number; okAt: number; dialog: Dialog; callee: RtpEndpoint }>((resolve) => waiting.push(resolve));
      const sentAt = performance.now();
      await engine.post(`calls/${live[0].id}/control`, { type: 'transfer', destination: '+31850001234' });
      const target = await answered;
      targets.push(target.callee);
      samples.controlToInvite.push(target.inviteAt - sentAt);
      // Both sides talk from the answer on.
      phone.say(mulawSpeech(2000, { seed: 50 + i }));
      target.callee.say(mulawSpeech(2000, { seed: 90 + i }));
      await eventually(() => firstOf(phone.heard, target.callee.sent, target.okAt) !== null && firstOf(target.callee.heard, phone.sent, target.okAt) !== null, 5_000, 'bridged audio both ways');
      samples.okToTargetAtCaller.push(firstOf(phone.heard, target.callee.sent, target.okAt)! - target.okAt);
      samples.okToCallerAtTarget.push(firstOf(target.callee.heard, phone.sent, target.okAt)! - target.okAt);
      if (phones.length >= concurrent) {
        const bridged = phones.length;
        await engine.telephony.mediaHealth(true);
        await new Promise((r) => setTimeout(r, 3_000));
        const health = await engine.telephony.mediaHealth();
        const elu = health.workers[0]?.eventLoopUtilization ?? null;
        for (const p of phones.splice(0)) {
          await p.hangup();
          await p.close();
        }
        if (i === calls - 1 && elu !== null) return { samples, eluPerBridgedCall: Math.round((Math.max(0, elu - idle) / bridged) * 10_000) / 10_000 };
      }
    }
    return { samples, eluPerBridgedCall: null };
  } finally {
    for (const p of phones) await p.close();
    for (const t of targets) t.close();
    await ua.close(200);
  }
}

export async function run({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const calls = quick ? 4 : 20;
  const turns = quick ? 2 : 4;
  const thinkMs = 20;
  const engine = await startTestEngine({ realtime: { responseAudioMs: 800, thinkMs } });
  const samples: Samples = { inviteTo200: [], answerToFirstRtp: [], callerToProvider: [], deltaToRtp: [] };
  let outbound: OutboundSamples;
  let transfers: Awaited<ReturnType<typeof transferRuns>>;
  try {
    await engine.agentWithNumber(NUMBER, { first_message: 'Hello, thanks for calling.' });
    await oneCall(engine, 1, { inviteTo200: [], answerToFirstRtp: [], callerToProvider: [], deltaToRtp: [] }); // warm-up
    for (let i = 0; i < calls; i++) await oneCall(engine, turns, samples);
    outbound = await outboundRuns(engine, calls);
    transfers = await transferRuns(engine, quick ? 4 : 10, quick ? 4 : 10);
  } finally {
    await engine.close();
  }
  return {
    description:
      'Engine in-process against the fake realtime provider on loopback (xAI flavour, µ-law passthrough, fake think time ' +
      `${thinkMs} ms); ${calls} calls × ${turns} caller turns. Times in ms.`,
    inviteTo200Ms: summary(samples.inviteTo200),
    answerToFirstGreetingRtpMs: summary(samples.answerToFirstRtp),
    engineShareCallerToProviderMs: summary(samples.callerToProvider),
    engineShareDeltaToRtpMs: summary(samples.deltaToRtp),
    outbound: {
      apiRequestToInviteMs: summary(outbound.requestToInvite),
      // The callee stays silent here, so this includes the greeting gate's 1 s wait for a "Hello?".
      okToFirstAgentRtpMs: summary(outbound.okToFirstRtp),
      controlSayToFirstRtpMs: summary(outbound.sayToFirstRtp),
      controlSayEngineShareMs: summary(outbound.sayEngineShare),
      controlEndCallToByeMs: summary(outbound.endCallToBye),
    },
    transfer: {
      controlToTargetInviteMs: summary(transfers.samples.controlToInvite),
      targetOkToFirstBridgedRtpAtCallerMs: summary(transfers.samples.okToTargetAtCaller),
      targetOkToFirstBridgedRtpAtTargetMs: summary(transfers.samples.okToCallerAtTarget),
      mediaWorkerEluPerBridgedCall: transfers.eluPerBridgedCall,
    },
  };
}
