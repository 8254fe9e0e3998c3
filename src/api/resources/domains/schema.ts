/**
 * The organization's e-mail sending domain at Resend (flireo-api B §3.11). One per org, so the
 * routes have no id.
 *
 * Collision (issue #13): the reference pages wrap the object as `{"domain": Domain}`, the vendor
 * SDK reads the bare object with `domain` = the domain name and `verified` — the same key, two
 * meanings. The SDK's shape wins: routes answer the bare Domain, which carries both `domain` and
 * `domain_name`; `GET /domains` without a domain is 404. `GET /domains/sync` answers the SDK's
 * array (each Resend domain with `selected`), not `{domains, selected_domain_id}`.
 */
import { Body, IsoDate, Nullable, Type, type Static } from '../../schemas.js';

export const DOMAIN_STATUSES = ['not_started', 'pending', 'verified', 'failed'] as const;
export type DomainStatus = (typeof DOMAIN_STATUSES)[number];
export const RESEND_REGIONS = ['us-east-1', 'eu-west-1', 'sa-east-1', 'ap-northeast-1'] as const;

export const DnsRecord = Type.Object(
  {
    record: Type.Optional(Type.String({ description: 'SPF, DKIM, …' })),
    name: Type.String(),
    type: Type.String({ description: 'MX, TXT, CNAME' }),
    ttl: Type.Optional(Type.String()),
    status: Type.Optional(Type.String()),
    value: Type.String(),
    priority: Type.Optional(Type.Number()),
  },
  { title: 'DnsRecord' },
);
export type DnsRecordView = Static<typeof DnsRecord>;

export const Domain = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    org_id: Type.String({ format: 'uuid' }),
    domain: Type.String({ description: 'The domain name (SDK spelling)' }),
    domain_name: Type.String(),
    verified: Type.Boolean({ description: 'status is verified (SDK field)' }),
    resend_domain_id: Nullable(Type.String()),
    status: Type.Enum([...DOMAIN_STATUSES]),
    region: Nullable(Type.String()),
    records: Type.Array(DnsRecord, { description: 'DNS records to publish for verification' }),
    verified_at: Nullable(IsoDate()),
    created_at: IsoDate(),
    updated_at: IsoDate(),
  },
  { title: 'Domain' },
);
export type DomainView = Static<typeof Domain>;

export const DomainName = () =>
  Type.String({ minLength: 3, maxLength: 253, description: 'A domain you control, e.g. mail.example.com', examples: ['mail.example.com'] });

export const CreateDomainBody = Body({
  domain_name: Type.Optional(DomainName()),
  domain: Type.Optional({ ...DomainName(), description: 'Alias of domain_name (SDK spelling)' }),
  region: Type.Optional(Type.Enum([...RESEND_REGIONS], { description: 'Resend sending region; Resend’s default (us-east-1) when absent' })),
});

export const SelectDomainBody = Body(
  {
    domain_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    resendDomainId: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Alias of domain_id' })),
    resend_domain_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Alias of domain_id' })),
  },
  { description: 'The id of a domain in your Resend account (from GET /domains/sync)' },
);

export const ResendDomainList = Type.Array(
  Type.Object({
    id: Type.String(),
    name: Type.String(),
    status: Type.String(),
    region: Nullable(Type.String()),
    selected: Type.Boolean({ description: 'This organization uses this domain' }),
  }),
  { description: 'The domains in your Resend account (the SDK reads an array)' },
);
export const SelectResult = Type.Object({ success: Type.Literal(true), domain: Domain });
export const VerifyResult = Type.Object({ verified: Type.Boolean(), status: Type.Enum([...DOMAIN_STATUSES]) });
