/** BYOK (flireo-api B §3.10): which providers have an organization key, never the key itself. */
import { Body, Type, type Static } from '../../schemas.js';

const PROVIDER_NAMES = ['deepgram', 'openai', 'elevenlabs', 'xai', 'resend', 'mistral'] as const;
/** `11labs` is the legacy spelling of `elevenlabs` (B §2.4). */
const Provider = Type.String({ enum: [...PROVIDER_NAMES, '11labs'], description: PROVIDER_NAMES.join(' | ') });

const SecretId = Type.Union([Type.String({ format: 'uuid' }), Type.Null()], { description: 'Set when a key is stored; changes on every replace' });

export const ByokKeys = Type.Object(
  {
    deepgram_secret_id: SecretId,
    openai_secret_id: SecretId,
    elevenlabs_secret_id: SecretId,
    xai_secret_id: SecretId,
    resend_secret_id: SecretId,
    mistral_secret_id: SecretId,
  },
  { title: 'ByokKeys' },
);

export const ByokKeysResponse = Type.Object({ byok_keys: ByokKeys });
export const ByokChangeResponse = Type.Object({ success: Type.Literal(true), byok_keys: ByokKeys });

export const SetByokBody = Body({
  provider: Provider,
  api_key: Type.String({ minLength: 1, maxLength: 1000, description: "The provider's API key; stored encrypted, never returned" }),
});
export const DeleteByokBody = Body({ provider: Type.Optional(Provider) });
export const DeleteByokQuery = Type.Object({ provider: Type.Optional(Provider) });

const Model = Type.Object({ id: Type.String(), name: Type.String(), default: Type.Boolean(), category: Type.Optional(Type.String()) });
export const ProviderCatalog = Type.Object({
  providers: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      category: Type.String({ enum: ['stt', 'llm', 'tts', 'realtime', 'email'] }),
      categories: Type.Array(Type.String()),
      docsUrl: Type.String(),
      models: Type.Array(Model),
    }),
  ),
});

export type ByokKeysView = Static<typeof ByokKeys>;
