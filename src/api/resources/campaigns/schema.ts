/**
 * Campaigns and leads (flireo-api B §3.13 + the A.5 dialing fields). Wrappers `campaigns` /
 * `campaign`, `leads` / `lead`.
 */
import { Body, E164, IsoDate, LongText, MAX_INT4, Name, Nullable, Pagination, PhoneInput, Type, Uuid, type Static } from '../../schemas.js';

export const CAMPAIGN_STATUSES = ['draft', 'scheduled', 'paused', 'completed', 'cancelled'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
export const LEAD_STATUSES = ['pending', 'calling', 'completed', 'failed', 'skipped'] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];

export const MAX_VARIABLES = 50;
export const MAX_LEADS_PER_REQUEST = 1000;

/** `{"name": "John"}`: at most 50 keys of ≤ 64 characters; values ≤ 1000 characters, stored as strings. */
export const VariablesInput = Type.Unsafe<Record<string, string | number | boolean>>({
  type: 'object',
  maxProperties: MAX_VARIABLES,
  propertyNames: { minLength: 1, maxLength: 64 },
  // Numbers beyond 2^53 would not survive as the exact text the placeholder shows.
  additionalProperties: { type: ['string', 'number', 'boolean'], maxLength: 1000, minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER },
  description: 'Values for the {{placeholders}} of system_message_template; numbers and booleans are stored as strings',
});

const LeadName = Type.Optional(Nullable(Name({ description: 'A display name for the lead (SDK field)' })));

export const LeadInput = Type.Object(
  {
    phone_number: Type.Optional(PhoneInput()),
    number: Type.Optional(PhoneInput({ description: 'Alias of phone_number' })),
    name: LeadName,
    variables: Type.Optional(VariablesInput),
  },
  { additionalProperties: false },
);
export type LeadInputValue = Static<typeof LeadInput>;

const TimeOfDay = (description: string) =>
  Type.String({ maxLength: 8, description: `${description}, HH:MM:SS (HH:MM accepted)`, examples: ['09:00:00'] });

const scheduleFields = {
  system_message_template: Type.Optional(Nullable(LongText({ description: 'Personalises the agent’s system message; {{variable}} placeholders' }))),
  schedule_start_time: Type.Optional(TimeOfDay('Start of the daily calling window')),
  schedule_end_time: Type.Optional(TimeOfDay('End of the daily calling window')),
  timezone: Type.Optional(Type.String({ maxLength: 64, description: 'IANA time zone of the window', examples: ['Europe/Amsterdam'] })),
  schedule_days: Type.Optional(Type.Array(Type.String({ maxLength: 12 }), { minItems: 1, maxItems: 7, description: 'mon … sun' })),
  max_concurrent_calls: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
  max_attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
  retry_delay_minutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_080 })),
  retry_delays_minutes: Type.Optional(
    Nullable(
      Type.Array(Type.Integer({ minimum: 0, maximum: 10_080 }), {
        maxItems: 10,
        description: 'Widening delays: the n-th retry waits the n-th value (the last repeats); null: retry_delay_minutes for every retry',
      }),
    ),
  ),
  number_id: Type.Optional(Nullable(Uuid({ description: 'Caller ID: one of your numbers; default: the first number of the agent' }))),
  status: Type.Optional(Type.Enum([...CAMPAIGN_STATUSES])),
};

export const CreateCampaignBody = Body(
  {
    name: Name(),
    agent_id: Type.Optional(Uuid()),
    assistant_id: Type.Optional(Uuid({ description: 'Alias of agent_id' })),
    ...scheduleFields,
    leads: Type.Optional(Type.Array(LeadInput, { maxItems: MAX_LEADS_PER_REQUEST })),
  },
  { description: '`agent_id` (or `assistant_id`) is required' },
);
export type CreateCampaignInput = Static<typeof CreateCampaignBody>;

export const UpdateCampaignBody = Body({
  name: Type.Optional(Name()),
  agent_id: Type.Optional(Uuid()),
  assistant_id: Type.Optional(Uuid({ description: 'Alias of agent_id' })),
  ...scheduleFields,
});
export type UpdateCampaignInput = Static<typeof UpdateCampaignBody>;

export const Campaign = Type.Object(
  {
    id: Uuid(),
    name: Type.String(),
    status: Type.Enum([...CAMPAIGN_STATUSES]),
    agent_id: Nullable(Uuid({ description: 'null after the agent was deleted' })),
    number_id: Nullable(Uuid()),
    system_message_template: Nullable(Type.String()),
    schedule_start_time: Type.String({ examples: ['09:00:00'] }),
    schedule_end_time: Type.String({ examples: ['17:00:00'] }),
    timezone: Type.String(),
    schedule_days: Type.Array(Type.String()),
    max_concurrent_calls: Type.Integer(),
    max_attempts: Type.Integer(),
    retry_delay_minutes: Type.Integer(),
    retry_delays_minutes: Nullable(Type.Array(Type.Integer())),
    paused_reason: Nullable(Type.String({ description: 'Why the platform paused the campaign (e.g. insufficient_credits); null otherwise' })),
    total_leads: Type.Integer(),
    completed_leads: Type.Integer(),
    failed_leads: Type.Integer(),
    calling_leads: Type.Integer({ description: 'Leads being called right now' }),
    pending_leads: Type.Integer({ description: 'Leads waiting for a first call or a retry' }),
    skipped_leads: Type.Integer({ description: 'Leads not called: do-not-call, or the campaign was cancelled' }),
    created_at: IsoDate(),
    updated_at: IsoDate(),
  },
  { title: 'Campaign' },
);
export type CampaignView = Static<typeof Campaign>;

export const Lead = Type.Object(
  {
    id: Uuid(),
    campaign_id: Uuid(),
    phone_number: E164(),
    name: Type.Optional(Type.String({ description: 'Omitted when the lead has none' })),
    variables: Type.Record(Type.String(), Type.String()),
    status: Type.Enum([...LEAD_STATUSES]),
    call_id: Nullable(Uuid({ description: 'The latest call to this lead' })),
    attempts: Type.Integer(),
    last_attempt_at: Nullable(IsoDate()),
    next_attempt_at: Nullable(IsoDate({ description: 'Earliest retry' })),
    last_result: Nullable(
      Type.String({
        description: 'Outcome of the latest attempt: completed, no-answer, busy, voicemail, failed, invalid-number; or why it was not called: do-not-call, cancelled, template-error, expired',
      }),
    ),
    last_error: Nullable(Type.String({ description: 'What went wrong with the latest attempt (e.g. the placeholders the lead has no value for)' })),
    created_at: IsoDate(),
    updated_at: IsoDate(),
  },
  { title: 'Lead' },
);
export type LeadView = Static<typeof Lead>;

export const AddLeadsBody = Body(
  {
    phone_number: Type.Optional(PhoneInput()),
    number: Type.Optional(PhoneInput({ description: 'Alias of phone_number' })),
    name: LeadName,
    variables: Type.Optional(VariablesInput),
    leads: Type.Optional(Type.Array(LeadInput, { minItems: 1, maxItems: MAX_LEADS_PER_REQUEST, description: 'Bulk add instead of one lead' })),
  },
  { description: 'One lead (`phone_number`, `variables`) or many (`leads: [...]`)' },
);
export type AddLeadsInput = Static<typeof AddLeadsBody>;

export const LeadParams = Type.Object({ id: Uuid(), leadId: Uuid() });
export const CampaignList = Type.Object({ campaigns: Type.Array(Campaign) });
export const CampaignSingle = Type.Object({ campaign: Campaign });
export const LeadListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Page size; without it every lead is listed (the reference pages’ full list)' })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_INT4, default: 0 })),
});
export type LeadListQueryValue = Static<typeof LeadListQuery>;
export const LeadList = Type.Object({ leads: Type.Array(Lead), pagination: Pagination });
export const LeadsAdded = Type.Object({
  lead: Type.Optional(Lead),
  leads: Type.Optional(Type.Array(Lead, { description: 'When leads were added in bulk' })),
});
