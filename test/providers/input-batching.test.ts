/**
 * Voice-aware input batching, end to end through each adapter and the fake realtime server:
 * speech and the silence right after it go frame by frame (the provider's turn detector waits for
 * them), longer silence goes in larger appends, nothing is lost or reordered, and a control
 * event never overtakes audio spoken before it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RealtimeSession } from '../../media/providers/index.js';
import { mulawUtterance, sliceFrames, type Segment } from '../fakes/audio.js';
import { FakeRealtimeServer } from '../fakes/realtime-server.js';
import { EventLog, FLAVOURS, makeSession, until } from './helpers.js';

const FRAME = 160;

/** Appends an utterance frame by frame with the voice hint of its segment. */
function speakWithHints(session: RealtimeSession, segments: Segment[]): Uint8Array {
  const all: Uint8Array[] = [];
  for (const segment of segments) {
    const audio = mulawUtterance([segment]);
    for (const frame of sliceFrames(audio)) session.appendAudio(frame, 'speech' in segment);
    all.push(audio);
  }
  return Buffer.concat(all);
}

describe.each(FLAVOURS)('$provider adapter, voice-aware input batching', (flavour) => {
  let server: FakeRealtimeServer;
  let session: RealtimeSession;
  let log: EventLog;

  beforeEach(async () => {
    server = await FakeRealtimeServer.start();
    session = makeSession(flavour, server, {}, { appendBatchMs: 60, immediateAfterVoiceMs: 100 });
    log = new EventLog(session);
    await session.connect();
  });

  afterEach(async () => {
    await session.close();
    await server.close();
  });

  /** Sizes of the appends the server received, in frames. */
  const appendFrames = (): number[] =>
    server.eventsOfType('input_audio_buffer.append').map((e) => Buffer.from(e.event.audio as string, 'base64').length / FRAME);

  it('sends speech and the first 100 ms after it frame by frame, later silence in 60 ms appends, byte for byte', async () => {
    // 120 ms of silence before any speech: batched (nothing is waiting for it).
    const sent = speakWithHints(session, [{ silence: 120 }, { speech: 300 }, { silence: 1000 }]);
    await until(() => server.receivedAudio().length >= sent.length);
    // Leading silence: two full batches of 3 frames. Speech: 15 appends of one frame. The first
    // 5 silent frames after it (100 ms): one each. The remaining 45: batches of 3.
    expect(appendFrames()).toEqual([3, 3, ...new Array(15).fill(1), ...new Array(5).fill(1), ...new Array(15).fill(3)]);
    expect(Buffer.from(server.receivedAudio()).equals(Buffer.from(sent))).toBe(true);
    expect(session.stats()).toMatchObject({ audioBytesSent: sent.length, appendsSent: 2 + 15 + 5 + 15, audioBytesDropped: 0 });
    // The provider still sees the turn: its detector got the silence after the speech at once.
    await log.next('speech-stopped');
  });

  it('flushes a partial batch with the next voiced frame and before a control event', async () => {
    speakWithHints(session, [{ speech: 20 }, { silence: 100 }, { silence: 40 }]); // 1 + 5 frames at once, 2 held
    await until(() => appendFrames().length === 6);
    expect(session.createResponse()).toBe(true);
    await server.waitFor('response.create');
    const types = server.events.map((e) => e.type).filter((t) => t === 'input_audio_buffer.append' || t === 'response.create');
    // The two held frames went out as one append, before response.create.
    expect(types.slice(-2)).toEqual(['input_audio_buffer.append', 'response.create']);
    expect(appendFrames().at(-1)).toBe(2);
    // A held partial batch goes with the next voiced frame, in order.
    speakWithHints(session, [{ silence: 200 }, { speech: 20 }]);
    await until(() => server.receivedAudio().length >= (1 + 5 + 2 + 10 + 1) * FRAME);
    expect(appendFrames().slice(7)).toEqual([3, 3, 3, 2]);
  });

  it('batches audio without a hint up to appendBatchMs', async () => {
    const audio = mulawUtterance([{ speech: 200 }]);
    for (const frame of sliceFrames(audio)) session.appendAudio(frame);
    await until(() => appendFrames().length === 3);
    expect(appendFrames()).toEqual([3, 3, 3]); // the tenth frame waits for its batch
  });
});
