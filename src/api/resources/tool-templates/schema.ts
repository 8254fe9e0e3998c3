/**
 * Tool templates (flireo-api B §3.3). Responses carry both wrapper spellings (B §6: `toolTemplates`
 * of the G2 API page and `tool_templates` of the guide and G3), so either kind of client works.
 */
import { Body, IsoDate, JsonObject, Name, Nullable, ShortText, Type, Uuid, type Static } from '../../schemas.js';

const ToolType = Type.String({ description: 'function | endCall | transferCall (also end_call, transfer_call)', maxLength: 32 });
const ToolConfig = JsonObject({
  description:
    'function: {name?, description, parameters, url?, async?, asyncResponse?} (name defaults to the template name slugified); ' +
    'transferCall: {destinations: [{type: "number"|"sip", number|sipUri, description?, message?}]}; endCall: {}',
});

export const CreateToolTemplateBody = Body({
  name: Name(),
  description: Type.Optional(Nullable(ShortText())),
  tool_type: ToolType,
  tool_config: Type.Optional(Nullable(ToolConfig)),
});

export const UpdateToolTemplateBody = Body({
  name: Type.Optional(Name()),
  description: Type.Optional(Nullable(ShortText())),
  tool_type: Type.Optional(ToolType),
  tool_config: Type.Optional(Nullable(ToolConfig)),
});

export const ToolTemplate = Type.Object(
  {
    id: Uuid(),
    org_id: Uuid(),
    name: Type.String(),
    description: Nullable(Type.String()),
    tool_type: Type.String({ enum: ['function', 'endCall', 'transferCall'] }),
    tool_config: JsonObject(),
    created_at: IsoDate(),
    updated_at: IsoDate(),
  },
  { title: 'ToolTemplate' },
);

export const ToolTemplateList = Type.Object({ toolTemplates: Type.Array(ToolTemplate), tool_templates: Type.Array(ToolTemplate) });
export const ToolTemplateSingle = Type.Object({ toolTemplate: ToolTemplate, tool_template: ToolTemplate });

export type CreateToolTemplateInput = Static<typeof CreateToolTemplateBody>;
export type UpdateToolTemplateInput = Static<typeof UpdateToolTemplateBody>;
export type ToolTemplateView = Static<typeof ToolTemplate>;
