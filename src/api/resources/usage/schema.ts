/** Usage (flireo-api B §3.7): `logs` + `pagination` + `summary` over the whole filtered range. */
import { IsoDate, Nullable, PaginationQuery, Pagination, Type, Uuid, type Static } from '../../schemas.js';

export const UsageLog = Type.Object(
  {
    id: Uuid(),
    call_id: Nullable(Uuid()),
    duration_seconds: Type.Integer(),
    minutes_used: Type.Integer({ description: 'Per started minute' }),
    cost: Type.Number({ description: 'EUR' }),
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
  total_minutes: Type.Integer(),
  total_cost: Type.Number(),
  total_calls: Type.Integer(),
});

export const UsagePage = Type.Object({ logs: Type.Array(UsageLog), pagination: Pagination, summary: UsageSummary });
