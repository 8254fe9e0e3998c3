/**
 * Analysis templates (flireo-api B §3.12). Both body variants are accepted: the API page's
 * `system_prompt` + `user_prompt` and the guide's `messages` + `min_messages_threshold`. Responses
 * carry both wrapper spellings (`analysisTemplates` and `analysis_templates`, B §6).
 */
import { Body, IsoDate, JsonObject, LongText, Name, Nullable, ShortText, Type, Uuid, type Static } from '../../schemas.js';

const Message = Type.Object({
  role: Type.String({ enum: ['system', 'user', 'assistant'] }),
  content: LongText({ minLength: 1 }),
});
const Messages = Type.Array(Message, { maxItems: 20, description: 'Prompt messages; placeholders {{schema}}, {{transcript}}, {{ended_reason}}' });
const Schema = JsonObject({ description: 'JSON Schema of the data to extract (type and/or properties)' });
const Threshold = Type.Integer({ minimum: 0, maximum: 1000, description: 'Analysis runs only with at least this many messages (default 2)' });

const optionalFields = {
  description: Type.Optional(Nullable(ShortText())),
  system_prompt: Type.Optional(Nullable(LongText())),
  user_prompt: Type.Optional(Nullable(LongText({ description: 'With a {{transcript}} placeholder' }))),
  messages: Type.Optional(Nullable(Messages)),
  min_messages_threshold: Type.Optional(Nullable(Threshold)),
};

export const CreateAnalysisTemplateBody = Body({ name: Name(), schema: Schema, ...optionalFields });
export const UpdateAnalysisTemplateBody = Body({ name: Type.Optional(Name()), schema: Type.Optional(Schema), ...optionalFields });

export const AnalysisTemplate = Type.Object(
  {
    id: Uuid(),
    org_id: Uuid(),
    name: Type.String(),
    description: Type.Optional(Type.String({ description: 'Omitted when there is none (the SDK types it `description?: string`)' })),
    system_prompt: Nullable(Type.String()),
    user_prompt: Nullable(Type.String()),
    schema: JsonObject(),
    messages: Nullable(Messages),
    min_messages_threshold: Nullable(Type.Integer()),
    created_at: IsoDate(),
    updated_at: IsoDate(),
  },
  { title: 'AnalysisTemplate' },
);

export const AnalysisTemplateList = Type.Object({
  analysisTemplates: Type.Array(AnalysisTemplate),
  analysis_templates: Type.Array(AnalysisTemplate),
});
export const AnalysisTemplateSingle = Type.Object({ analysisTemplate: AnalysisTemplate, analysis_template: AnalysisTemplate });

export type CreateAnalysisTemplateInput = Static<typeof CreateAnalysisTemplateBody>;
export type UpdateAnalysisTemplateInput = Static<typeof UpdateAnalysisTemplateBody>;
export type AnalysisTemplateView = Static<typeof AnalysisTemplate>;
