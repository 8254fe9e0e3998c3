/**
 * GET /voices (flireo-api B §3.9): the voice catalogue of src/catalog/voices.ts — local voices,
 * xAI realtime voices, OpenAI voices — optionally filtered by `?provider=` and `?language=`.
 */
import { filterVoices } from '../../../catalog/voices.js';
import type { ApiPlugin } from '../../plugin.js';
import { Type } from '../../schemas.js';

const Voice = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    language: Type.String({ description: 'BCP-47 tag, or "multilingual"' }),
    provider: Type.String({ enum: ['local', 'xai_realtime', 'openai'] }),
    usable_with: Type.Array(Type.String(), { description: 'Agent config providers that take this voice (tts_config.provider or llm_config.provider)' }),
    gender: Type.Optional(Type.String()),
    style: Type.Optional(Type.String()),
    description: Type.Optional(Type.Object({ en: Type.String(), nl: Type.Optional(Type.String()) })),
    tts_only: Type.Optional(Type.Boolean({ description: 'OpenAI voices the realtime API does not offer' })),
  },
  { title: 'Voice' },
);

const VoicesQuery = Type.Object({
  provider: Type.Optional(
    Type.String({ enum: ['local', 'xai_realtime', 'openai', 'openai_realtime'], description: 'A voice provider, or a provider the voice is usable with' }),
  ),
  language: Type.Optional(
    Type.String({ maxLength: 35, description: 'Language or prefix (nl matches nl-NL and nl-BE); multilingual voices match any language' }),
  ),
});

export const voiceRoutes: ApiPlugin = async (app) => {
  app.get(
    '/voices',
    { schema: { tags: ['voices'], summary: 'List available voices', querystring: VoicesQuery, response: { 200: Type.Object({ voices: Type.Array(Voice) }) } } },
    async (request) => ({ voices: filterVoices({ provider: request.query.provider, language: request.query.language }) }),
  );
};
