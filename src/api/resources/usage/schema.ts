/**
 * Usage (flireo-api B §3.7): `logs` + `pagination` + `summary` over the whole filtered range. Each
 * log and the summary carry the reference page's fields and the SDK's (`duration_sec`,
 * `call_type`, `phone_number`, `agent_name`, `business_name`; `total_duration_seconds`,
 * `total_duration_minutes`) side by side.
 */
import { IsoDate, Nullable, PaginationQuery, Pagination, Type, Uuid, type Static } from '../../schemas.js';

export const UsageLog = Type.Object(
  {
    id: Uuid(),
    call_id: Nullable(Uuid()),
    duration_seconds: Type.Integer(),
    minutes_used: Type.Integer({ description: 'Per started minute' }),
    cost: Type.Number({ description: 'EUR' }),
    duration_sec: Type.Integer({ description: 'Same as duration_seconds (SDK spelling)' }),
    call_type: Type.Enum(['phone', 'web'], { description: 'web for browser calls, phone for every other' }),
    phone_number: Type.Optional(Type.String({ description: 'Your number the call went through; omitted when none' })),
    agent_name: Type.Optional(Type.String({ description: 'The agent’s name at the time of the call; omitted when none' })),
    business_name: Type.Optional(Type.String({ description: 'The agent’s business name at the time of the call; omitted when none' })),
    created_at: IsoDate(),
  },
  { title: 'UsageLog' },
);
export type UsageLogView = Static<typeof UsageLog>;

export const UsageQuery = Type.Object({
  ...PaginationQuery,
  start_date: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601, on created_at (inclusive)' })),
  end_date: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601, on created_at (a bare date includes that day)' })),
});
export type UsageQueryValue = Static<typeof UsageQuery>;

export const UsageSummary = Type.Object({
  total_minutes: Type.Integer({ description: 'Billed minutes (per started minute)' }),
  total_cost: Type.Number(),
  total_calls: Type.Integer(),
  total_duration_seconds: Type.Integer({ description: 'Talk time' }),
  total_duration_minutes: Type.Number({ description: 'Talk time in minutes (two decimals), not rounded up like total_minutes' }),
});

export const UsagePage = Type.Object({ logs: Type.Array(UsageLog), pagination: Pagination, summary: UsageSummary });
