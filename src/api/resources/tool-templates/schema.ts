/**
 * Tool templates (flireo-api B §3.3). Two request generations are accepted:
 *
 * - the reference pages: `{name, description?, tool_type, tool_config}`;
 * - the vendor SDK: `{name, description?, function_definition: {name, description?, parameters?},
 *   server_url?, async?}` — always a function template.
 *
 * Responses carry both: `tool_type` + `tool_config`, and for function templates also
 * `function_definition`, `server_url` and `async`. Both wrapper spellings too (B §6: `toolTemplates`
 * of the G2 API page and `tool_templates` of the guide and the SDK).
 */
import { Body, IsoDate, JsonObject, Name, Nullable, ShortText, Type, Uuid, type Static } from '../../schemas.js';
import { ToolInput } from '../agents/schema.js';

const ToolType = Type.String({ description: 'function | endCall | transferCall (also end_call, transfer_call)', maxLength: 32 });
const ToolConfig = {
  ...ToolInput,
  description:
    'The tool without its type. function: {name?, description, parameters, url?, async?, asyncResponse?} (name defaults to the template name slugified); ' +
    'transferCall: {destinations: [{type: "number"|"sip", number|sipUri, description?, message?}]}; endCall: {}',
};

const FunctionDefinitionInput = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 64, description: 'Function name; default: the template name slugified' })),
    description: Type.Optional(Type.String({ maxLength: 2000, description: 'Default: the template description' })),
    parameters: Type.Optional(JsonObject({ description: 'JSON Schema of the arguments' })),
  },
  { additionalProperties: false, description: 'SDK shape: the function the model calls (makes a function template)' },
);

const sdkFields = {
  function_definition: Type.Optional(FunctionDefinitionInput),
  server_url: Type.Optional(Nullable(Type.String({ maxLength: 2048, description: 'SDK shape: the webhook URL of the tool (= tool_config.url)' }))),
  server_secret: Type.Optional(
    Type.String({ maxLength: 256, description: 'SDK shape; not supported: tool-calls webhooks are signed with the agent webhook_secret (refused with 400)' }),
  ),
  async: Type.Optional(Type.Boolean({ description: 'SDK shape: fire and forget (= tool_config.async)' })),
};

export const CreateToolTemplateBody = Body(
  {
    name: Name(),
    description: Type.Optional(Nullable(ShortText())),
    tool_type: Type.Optional(ToolType),
    tool_config: Type.Optional(Nullable(ToolConfig)),
    ...sdkFields,
  },
  { description: '`tool_type` (+ `tool_config`), or the SDK’s `function_definition` (+ `server_url`, `async`)' },
);

export const UpdateToolTemplateBody = Body({
  name: Type.Optional(Name()),
  description: Type.Optional(Nullable(ShortText())),
  tool_type: Type.Optional(ToolType),
  tool_config: Type.Optional(Nullable(ToolConfig)),
  ...sdkFields,
});

export const ToolTemplate = Type.Object(
  {
    id: Uuid(),
    org_id: Uuid(),
    name: Type.String(),
    description: Type.Optional(Type.String({ description: 'Omitted when there is none' })),
    tool_type: Type.String({ enum: ['function', 'endCall', 'transferCall'] }),
    tool_config: JsonObject(),
    function_definition: Type.Optional(
      Type.Object(
        { name: Type.String(), description: Type.String(), parameters: JsonObject() },
        { description: 'Function templates: the SDK’s view of tool_config' },
      ),
    ),
    server_url: Type.Optional(Type.String({ description: 'Function templates with a URL (= tool_config.url)' })),
    async: Type.Optional(Type.Boolean({ description: 'Function templates (= tool_config.async)' })),
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
