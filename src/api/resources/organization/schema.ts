/** Organization (flireo-api B §3.1): the bare object, no wrapper. */
import { Nullable, Type, Uuid, type Static } from '../../schemas.js';

export const Organization = Type.Object(
  {
    id: Uuid(),
    name: Type.String(),
    minutes_balance: Nullable(Type.Integer({ description: 'Prepaid minutes; null = unlimited' })),
    monthly_usage_minutes: Type.Integer({ description: 'Minutes used since the 1st of this month, 00:00 UTC' }),
    active_numbers: Type.Integer({ description: 'Numbers registered' }),
    active_agents: Type.Integer({ description: 'Agents in the organization' }),
    active_calls: Type.Integer({ description: 'Calls ringing, connecting, in progress or forwarding' }),
  },
  { title: 'Organization' },
);

export type OrganizationView = Static<typeof Organization>;
