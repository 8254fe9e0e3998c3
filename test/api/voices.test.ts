import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp, type TestOrg } from '../helpers/index.js';

let t: TestApp;
let a: TestOrg;

beforeAll(async () => {
  t = await buildTestApp();
  a = await t.createOrg();
});
afterAll(() => t.close());

interface Voice {
  id: string;
  name: string;
  language: string;
  provider: string;
  usable_with: string[];
  gender?: string;
  style?: string;
  description?: { en: string };
  tts_only?: boolean;
}

async function voices(query = ''): Promise<{ status: number; body: { voices: Voice[] } & Record<string, unknown> }> {
  const res = await t.app.inject({ method: 'GET', url: `/api/v1/voices${query}`, headers: t.auth(a.apiKey) });
  return { status: res.statusCode, body: res.json() };
}

describe('GET /voices', () => {
  it('lists local, xAI realtime and OpenAI voices under "voices"', async () => {
    const { status, body } = await voices();
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['voices']);
    const ids = new Set(body.voices.map((v) => v.id));
    expect(ids.size).toBe(body.voices.length);
    for (const v of body.voices) {
      expect(v).toMatchObject({ id: expect.any(String), name: expect.any(String), language: expect.any(String), provider: expect.stringMatching(/^(local|xai_realtime|openai)$/) });
      expect(v.usable_with.length).toBeGreaterThan(0);
    }
    // Exactly the voices the engine synthesises itself (the flite voices in media/speech/voices.ts).
    const local = body.voices.filter((v) => v.provider === 'local');
    expect(local.map((v) => v.id).sort()).toEqual(['local-en-gb-1', 'local-en-us-1', 'local-en-us-2', 'local-en-us-3', 'local-en-us-4']);
    for (const v of local) {
      expect(v.id).toMatch(/^local-[a-z]{2}-[a-z]{2}-\d+$/);
      expect(v.usable_with).toEqual(['local']);
      expect(v.gender).toMatch(/^(female|male)$/);
      expect(v.description?.en).toEqual(expect.any(String));
    }
    const xai = body.voices.filter((v) => v.provider === 'xai_realtime');
    expect(xai.map((v) => v.id).sort()).toEqual(['ara', 'eve', 'leo', 'rex', 'sal']);
    expect(xai.every((v) => typeof v.style === 'string' && v.usable_with.includes('xai_realtime'))).toBe(true);
  });

  it('flags the OpenAI voices that are text-to-speech only', async () => {
    const { body } = await voices('?provider=openai');
    const byId = new Map(body.voices.map((v) => [v.id, v]));
    for (const id of ['alloy', 'ash', 'ballad', 'coral', 'echo', 'sage', 'shimmer', 'verse', 'marin', 'cedar']) {
      expect(byId.get(id)?.usable_with, id).toEqual(['openai', 'openai_realtime']);
      expect(byId.get(id)?.tts_only, id).toBeUndefined();
    }
    for (const id of ['fable', 'onyx', 'nova']) {
      expect(byId.get(id), id).toMatchObject({ tts_only: true, usable_with: ['openai'] });
    }
  });

  it('filters by provider (including providers a voice is usable with) and language', async () => {
    const realtime = await voices('?provider=openai_realtime');
    expect(realtime.body.voices.map((v) => v.id)).not.toContain('fable');
    expect(realtime.body.voices.every((v) => v.usable_with.includes('openai_realtime'))).toBe(true);
    const english = await voices('?provider=local&language=en');
    expect(english.body.voices).toHaveLength(5);
    expect((await voices('?provider=local&language=nl')).body.voices).toEqual([]);
    const exact = await voices('?language=en-GB');
    expect(exact.body.voices.filter((v) => v.provider === 'local').map((v) => v.id)).toEqual(['local-en-gb-1']);
    // Multilingual model voices match any language.
    expect(exact.body.voices.some((v) => v.id === 'ara')).toBe(true);
    expect((await voices('?language=xx')).body.voices.every((v) => v.language === 'multilingual')).toBe(true);
  });

  it('refuses an unknown provider filter and a missing key', async () => {
    const res = await voices('?provider=polly');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_request', param: 'provider' });
    const anon = await t.app.inject({ method: 'GET', url: '/api/v1/voices' });
    expect(anon.statusCode).toBe(401);
  });

  it('every listed voice is accepted by an agent of the matching provider', async () => {
    const { body } = await voices();
    const headers = t.auth(a.apiKey);
    for (const v of body.voices.filter((x) => x.id === 'local-en-gb-1' || x.id === 'sal' || x.id === 'cedar' || x.id === 'onyx')) {
      for (const use of v.usable_with) {
        const payload =
          use === 'xai_realtime' || use === 'openai_realtime'
            ? { name: 'v', llm_config: { provider: use, voice: v.id } }
            : { name: 'v', tts_config: { provider: use, voiceId: v.id } };
        const res = await t.app.inject({ method: 'POST', url: '/api/v1/agents', headers, payload });
        expect(res.statusCode, `${v.id} with ${use}`).toBe(201);
      }
    }
  });
});
