/** The speech-like test audio the fakes and the latency harness rely on. */
import { describe, expect, it } from 'vitest';
import {
  decodeMulaw,
  encodeMulaw,
  energyDbfs,
  isVoiced,
  mulawDurationMs,
  mulawSilence,
  mulawSpeech,
  mulawUtterance,
  sliceFrames,
  speechPcm,
  ULAW_SILENCE,
} from '../fakes/audio.js';

describe('test audio', () => {
  it('speech is voiced in every 20 ms frame, silence in none', () => {
    const speech = sliceFrames(mulawSpeech(2000));
    expect(speech).toHaveLength(100);
    expect(speech.every((f) => isVoiced(f))).toBe(true);
    expect(sliceFrames(mulawSilence(500)).some((f) => isVoiced(f))).toBe(false);
  });

  it('speech rises and falls (syllables), and is the same bytes every run', () => {
    const levels = sliceFrames(mulawSpeech(1000)).map((f) => energyDbfs(f));
    expect(Math.max(...levels) - Math.min(...levels)).toBeGreaterThan(6);
    expect(Buffer.from(mulawSpeech(300, { seed: 4 })).equals(Buffer.from(mulawSpeech(300, { seed: 4 })))).toBe(true);
    expect(Buffer.from(mulawSpeech(300, { seed: 4 })).equals(Buffer.from(mulawSpeech(300, { seed: 5 })))).toBe(false);
  });

  it('builds utterances from segments and slices them into padded frames', () => {
    const utterance = mulawUtterance([{ silence: 100 }, { speech: 250 }, { silence: 50 }]);
    expect(mulawDurationMs(utterance)).toBe(400);
    const frames = sliceFrames(utterance.subarray(0, 3000));
    expect(frames).toHaveLength(19);
    expect(frames[18].length).toBe(160);
    expect(frames[18][159]).toBe(ULAW_SILENCE);
  });

  it('µ-law round trip stays within G.711 quantisation error', () => {
    const pcm = speechPcm(100);
    const back = decodeMulaw(encodeMulaw(pcm));
    for (let i = 0; i < pcm.length; i++) expect(Math.abs(back[i] - pcm[i])).toBeLessThanOrEqual(Math.abs(pcm[i]) / 16 + 8);
  });
});
