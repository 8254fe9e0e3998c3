/**
 * Domains live in the organization's own Resend account, reached with its `resend` BYOK key;
 * this table keeps the org's one selected domain and the last state Resend reported. Resend
 * failures answer 502 `provider_unavailable` with Resend's message.
 */
import type { SecretBox } from '../../../crypto.js';
import type { Queryable } from '../../../db/pool.js';
import { orgResendKey, ResendClient, ResendError, ResendKeyUnreadableError, type ResendDomain, type ResendRegion } from '../../../resend/index.js';
import { ApiError, conflict, invalid, notFound, providerUnavailable } from '../../errors.js';
import { iso, isoOrNull, oneSpelling } from '../../wrap.js';
import { normaliseTrunkHost } from '../sip-trunks/host.js';
import type { DnsRecordView, DomainStatus, DomainView } from './schema.js';

export interface DomainDeps {
  db: Queryable;
  secrets: SecretBox;
  resendBaseUrl: string;
  /** Per Resend request; 10 s unless a test shortens it. */
  resendTimeoutMs?: number;
}

interface DomainRow {
  id: string;
  org_id: string;
  domain_name: string;
  resend_domain_id: string | null;
  status: DomainStatus;
  region: string | null;
  records: DnsRecordView[];
  verified_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, org_id, domain_name, resend_domain_id, status, region, records, verified_at, created_at, updated_at';

function toView(row: DomainRow): DomainView {
  return {
    id: row.id,
    org_id: row.org_id,
    domain: row.domain_name,
    domain_name: row.domain_name,
    verified: row.status === 'verified',
    resend_domain_id: row.resend_domain_id,
    status: row.status,
    region: row.region,
    records: row.records,
    verified_at: isoOrNull(row.verified_at),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

/** Resend has finer states than the contract's four; transient ones read as `pending`. */
export function mapResendStatus(status: string): DomainStatus {
  switch (status) {
    case 'not_started':
    case 'verified':
    case 'failed':
    case 'pending':
      return status;
    case 'partially_failed':
      return 'failed';
    default: // temporary_failure, partially_verified, anything new
      return 'pending';
  }
}

function cleanRecords(records: ResendDomain['records']): DnsRecordView[] {
  if (!Array.isArray(records)) return [];
  return records.slice(0, 50).map((r) => {
    const out: DnsRecordView = { name: String(r.name ?? ''), type: String(r.type ?? ''), value: String(r.value ?? '') };
    if (r.record !== undefined) out.record = String(r.record);
    if (r.ttl !== undefined) out.ttl = String(r.ttl);
    if (r.status !== undefined) out.status = String(r.status);
    if (typeof r.priority === 'number') out.priority = r.priority;
    return out;
  });
}

function fromResend(err: unknown): unknown {
  return err instanceof ResendError ? providerUnavailable(`Resend: ${err.message}`) : err;
}

async function withResend<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw fromResend(err);
  }
}

async function clientFor(deps: DomainDeps, orgId: string): Promise<ResendClient> {
  let apiKey: string | null;
  try {
    apiKey = await orgResendKey(deps.db, deps.secrets, orgId);
  } catch (err) {
    if (err instanceof ResendKeyUnreadableError) throw new ApiError('invalid_request', err.message);
    throw err;
  }
  if (apiKey === null) {
    throw new ApiError(
      'invalid_request',
      'Domains need your own Resend API key: add it with POST /api/v1/byok {"provider": "resend", "api_key": "re_…"} (BYOK) first',
    );
  }
  return new ResendClient({ baseUrl: deps.resendBaseUrl, apiKey, timeoutMs: deps.resendTimeoutMs });
}

async function findRow(db: Queryable, orgId: string): Promise<DomainRow | null> {
  const { rows } = await db.query<DomainRow>(`SELECT ${COLUMNS} FROM domains WHERE org_id = $1`, [orgId]);
  return rows[0] ?? null;
}

async function requireRow(db: Queryable, orgId: string): Promise<DomainRow> {
  const row = await findRow(db, orgId);
  if (!row) throw notFound('domain');
  return row;
}

/** Insert or replace the org's one row with what Resend reports. */
async function saveFromResend(db: Queryable, orgId: string, domain: ResendDomain, onlyInsert: boolean): Promise<DomainRow> {
  const status = mapResendStatus(domain.status);
  const { rows } = await db.query<DomainRow>(
    `INSERT INTO domains AS d (org_id, domain_name, resend_domain_id, status, region, records, verified_at)
     VALUES ($1, $2, $3, $4::text, $5, $6, CASE WHEN $4::text = 'verified' THEN now() END)
     ${onlyInsert ? '' : `ON CONFLICT (org_id) DO UPDATE SET
         domain_name = EXCLUDED.domain_name, resend_domain_id = EXCLUDED.resend_domain_id, status = EXCLUDED.status,
         region = EXCLUDED.region, records = EXCLUDED.records,
         verified_at = CASE WHEN EXCLUDED.status = 'verified' AND d.resend_domain_id = EXCLUDED.resend_domain_id
                            THEN COALESCE(d.verified_at, now()) ELSE EXCLUDED.verified_at END`}
     RETURNING ${COLUMNS}`,
    [orgId, domain.name, domain.id, status, domain.region ?? null, JSON.stringify(cleanRecords(domain.records))],
  );
  return rows[0];
}

/** 404 when the organization has none (the SDK's `get()` returns a Domain, never null). */
export async function getDomain(db: Queryable, orgId: string): Promise<DomainView> {
  return toView(await requireRow(db, orgId));
}

export async function createDomain(deps: DomainDeps, orgId: string, input: { domain_name?: string; domain?: string; region?: string }): Promise<DomainView> {
  const given = oneSpelling<string>(input, '', 'domain_name', 'domain');
  if (given === undefined) throw new ApiError('missing_field', 'domain_name is required (or domain)', { param: 'domain_name', details: ['domain_name: is required'] });
  const param = input.domain_name !== undefined ? 'domain_name' : 'domain';
  const name = normaliseTrunkHost(given);
  if (name === null || !name.includes('.') || /^[\d.]+$/.test(name) || name.includes(':')) {
    throw invalid(param, 'must be a domain name such as mail.example.com');
  }
  const existing = await findRow(deps.db, orgId);
  if (existing) throw conflict(`Your organization already has a domain (${existing.domain_name}); delete it first`, 'domain_name');
  const resend = await clientFor(deps, orgId);
  const created = await withResend(() => resend.createDomain({ name, region: input.region as ResendRegion | undefined }));
  try {
    return toView(await saveFromResend(deps.db, orgId, created, true));
  } catch (err) {
    if ((err as { code?: string }).code !== '23505') throw err;
    // A concurrent request stored a domain first: undo ours at Resend, best effort.
    await resend.deleteDomain(created.id).catch(() => undefined);
    throw conflict('Your organization already has a domain; delete it first', 'domain_name');
  }
}

/**
 * Deletes the domain at Resend too (a Resend 404 means it is gone already). Without a Resend key
 * there is nothing to call, and the row is deleted locally only.
 */
export async function deleteDomain(deps: DomainDeps, orgId: string): Promise<void> {
  const row = await requireRow(deps.db, orgId);
  const hasKey = (await orgResendKey(deps.db, deps.secrets, orgId).catch(() => null)) !== null;
  if (hasKey && row.resend_domain_id) {
    const resend = await clientFor(deps, orgId);
    try {
      await resend.deleteDomain(row.resend_domain_id);
    } catch (err) {
      if (!(err instanceof ResendError && err.status === 404)) throw fromResend(err);
    }
  }
  await deps.db.query('DELETE FROM domains WHERE org_id = $1', [orgId]);
}

export async function listResendDomains(deps: DomainDeps, orgId: string) {
  const resend = await clientFor(deps, orgId);
  const domains = await withResend(() => resend.listDomains());
  const selected = (await findRow(deps.db, orgId))?.resend_domain_id ?? null;
  return domains.map((d) => ({ id: String(d.id), name: String(d.name), status: String(d.status), region: d.region ?? null, selected: String(d.id) === selected }));
}

/** Makes an existing domain of the org's Resend account its domain (replacing a previous choice). */
export async function selectResendDomain(deps: DomainDeps, orgId: string, resendDomainId: string | undefined): Promise<DomainView> {
  if (!resendDomainId) throw new ApiError('missing_field', 'domain_id is required', { param: 'domain_id', details: ['domain_id: is required'] });
  const resend = await clientFor(deps, orgId);
  let domain: ResendDomain;
  try {
    domain = await resend.getDomain(resendDomainId);
  } catch (err) {
    if (err instanceof ResendError && err.status === 404) throw notFound('domain', 'domain_id');
    throw fromResend(err);
  }
  return toView(await saveFromResend(deps.db, orgId, domain, false));
}

async function fetchAndSave(deps: DomainDeps, resend: ResendClient, orgId: string, row: DomainRow): Promise<DomainRow> {
  if (!row.resend_domain_id) throw invalid('domain', 'the domain has no Resend id; delete it and create it again');
  const fresh = await withResend(() => resend.getDomain(row.resend_domain_id as string));
  return saveFromResend(deps.db, orgId, fresh, false);
}

/** Asks Resend to check the DNS records now, then reports the state it has. */
export async function verifyDomain(deps: DomainDeps, orgId: string): Promise<{ verified: boolean; status: DomainStatus }> {
  const row = await requireRow(deps.db, orgId);
  const resend = await clientFor(deps, orgId);
  if (row.resend_domain_id) await withResend(() => resend.verifyDomain(row.resend_domain_id as string));
  const saved = await fetchAndSave(deps, resend, orgId, row);
  return { verified: saved.status === 'verified', status: saved.status };
}

export async function refreshDomain(deps: DomainDeps, orgId: string): Promise<DomainView> {
  const row = await requireRow(deps.db, orgId);
  const resend = await clientFor(deps, orgId);
  return toView(await fetchAndSave(deps, resend, orgId, row));
}
