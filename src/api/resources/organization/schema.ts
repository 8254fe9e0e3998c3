/**
 * Organization (flireo-api B §3.1): the bare object, no wrapper. The reference pages' counters and
 * the SDK's fields side by side (`created_at`, `credits_balance`, `parent_org_id`, `children`,
 * retention), plus voxgate's organization-wide `webhook_format`.
 */
import { Body, Email, IsoDate, Name, Nullable, Type, Uuid, type Static } from '../../schemas.js';

export const CONTENT_RETENTION_DAYS = [30, 90, 180, 365] as const;
export const METADATA_RETENTION_DAYS = [30, 90, 180, 365, 730] as const;

const OrganizationChild = Type.Object({ id: Uuid(), name: Type.String(), created_at: IsoDate() }, { title: 'OrganizationChild' });

const organizationFields = {
  id: Uuid(),
  name: Type.String(),
  company_name: Type.String({ description: 'Same as name (GET /account of the reference pages)' }),
  email: Type.Optional(Type.String({ description: 'Contact address; omitted when none' })),
  minutes_balance: Nullable(Type.Integer({ description: 'Prepaid minutes; null = unlimited' })),
  credits_balance: Type.Optional(Type.Integer({ description: 'Same as minutes_balance (SDK field); omitted when unlimited' })),
  monthly_usage_minutes: Type.Integer({ description: 'Minutes used since the 1st of this month, 00:00 UTC' }),
  active_numbers: Type.Integer({ description: 'Numbers registered' }),
  active_agents: Type.Integer({ description: 'Agents in the organization' }),
  active_calls: Type.Integer({ description: 'Calls ringing, connecting, in progress or forwarding' }),
  has_local_models_access: Type.Boolean({ description: 'Always true: the local voices need no provider key' }),
  parent_org_id: Nullable(Uuid({ description: 'The reseller organization this one was created by' })),
  content_retention_days: Nullable(Type.Integer({ description: 'Transcripts, summaries, analysis results and recordings are erased after this many days; null = kept' })),
  metadata_retention_days: Nullable(Type.Integer({ description: 'Caller numbers, campaign links and call events are erased after this many days; null = kept' })),
  webhook_format: Nullable(Type.String({ enum: ['camel', 'snake'], description: 'Webhook key style of agents that set none; null = camel' })),
  created_at: IsoDate(),
  updated_at: IsoDate(),
};

export const Organization = Type.Object(
  { ...organizationFields, children: Type.Optional(Type.Array(OrganizationChild, { description: 'With ?include_children=true: the direct child organizations' })) },
  { title: 'Organization' },
);
export type OrganizationView = Static<typeof Organization>;

export const OrganizationQuery = Type.Object({
  include_children: Type.Optional(Type.Boolean({ description: 'Add the direct child organizations as `children`' })),
});

export const CreateOrganizationBody = Body(
  {
    name: Name(),
    parent_org_id: Type.Optional(Uuid({ description: 'Your organization (default) or one of its descendants' })),
    email: Type.Optional(Nullable(Email())),
  },
  { description: 'A child organization (reseller / whitelabel); its API key is shown once, in the answer' },
);
export type CreateOrganizationInput = Static<typeof CreateOrganizationBody>;

export const OrganizationCreated = Type.Object(
  { ...organizationFields, api_key: Type.String({ description: 'The new organization’s API key, shown once' }), api_key_id: Uuid() },
  { title: 'OrganizationCreated' },
);

const Days = (allowed: readonly number[], description: string) =>
  Nullable(Type.Integer({ enum: [...allowed], minimum: allowed[0], maximum: allowed[allowed.length - 1], description }));

export const UpdateOrganizationBody = Body(
  {
    name: Type.Optional(Name()),
    email: Type.Optional(Nullable(Email())),
    content_retention_days: Type.Optional(Days(CONTENT_RETENTION_DAYS, '30 | 90 | 180 | 365; null = kept; at most metadata_retention_days')),
    metadata_retention_days: Type.Optional(Days(METADATA_RETENTION_DAYS, '30 | 90 | 180 | 365 | 730; null = kept')),
    webhook_format: Type.Optional(Nullable(Type.String({ enum: ['camel', 'snake'], description: 'Default webhook key style of agents that set none' }))),
  },
  { description: 'Only the fields sent change. Shortening a retention period erases what is past it at the next daily purge.' },
);
export type UpdateOrganizationInput = Static<typeof UpdateOrganizationBody>;
