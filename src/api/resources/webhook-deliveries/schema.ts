/** Webhook deliveries (flireo-api A.4): the delivery log of queued and synchronous webhooks. */
import { IsoDate, Nullable, Pagination, PaginationQuery, Type, Uuid, type Static } from '../../schemas.js';

const DeliveryStatus = Type.Union([Type.Literal('pending'), Type.Literal('delivering'), Type.Literal('delivered'), Type.Literal('failed')]);
const EventType = Type.Union([
  Type.Literal('assistant-request'),
  Type.Literal('tool-calls'),
  Type.Literal('status-update'),
  Type.Literal('end-of-call-report'),
]);

export const Delivery = Type.Object(
  {
    id: Uuid({ description: 'The event id, sent as X-Webhook-Id; stable across retries' }),
    call_id: Nullable(Uuid()),
    agent_id: Nullable(Uuid()),
    event_type: Type.String(),
    url: Type.String(),
    status: DeliveryStatus,
    synchronous: Type.Boolean({ description: 'assistant-request and tool-calls: sent once, never retried' }),
    attempts: Type.Integer(),
    last_status_code: Nullable(Type.Integer()),
    last_error: Nullable(Type.String()),
    next_attempt_at: Nullable(IsoDate()),
    delivered_at: Nullable(IsoDate()),
    created_at: IsoDate(),
    updated_at: IsoDate(),
  },
  { title: 'WebhookDelivery' },
);
export type DeliveryView = Static<typeof Delivery>;

export const Attempt = Type.Object({
  attempt: Type.Integer(),
  status_code: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  duration_ms: Type.Integer(),
  response_body: Nullable(Type.String({ description: 'Start of the receiver\'s answer (1000 characters at most)' })),
  started_at: IsoDate(),
});
export type AttemptView = Static<typeof Attempt>;

export const DeliveryDetail = Type.Intersect([
  Delivery,
  Type.Object({ payload: Type.Object({}, { additionalProperties: true }), attempt_log: Type.Array(Attempt) }),
]);
export type DeliveryDetailView = Static<typeof DeliveryDetail>;

export const DeliveryListQuery = Type.Object({
  ...PaginationQuery,
  call_id: Type.Optional(Uuid()),
  status: Type.Optional(DeliveryStatus),
  event_type: Type.Optional(EventType),
});
export type DeliveryListQueryView = Static<typeof DeliveryListQuery>;

export const DeliveryList = Type.Object({ deliveries: Type.Array(Delivery), pagination: Pagination });
export const DeliveryWrapper = Type.Object({ delivery: DeliveryDetail });
export const ReplyWrapper = Type.Object({ success: Type.Literal(true), delivery: Delivery });
