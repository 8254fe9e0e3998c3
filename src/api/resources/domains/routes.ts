/**
 * /domains (flireo-api B §3.11): the org's one sending domain, managed at Resend with the org's
 * `resend` BYOK key.
 */
import type { ApiPlugin } from '../../plugin.js';
import { SuccessResponse } from '../../schemas.js';
import { oneSpelling, SUCCESS } from '../../wrap.js';
import { CreateDomainBody, Domain, ResendDomainList, SelectDomainBody, SelectResult, VerifyResult } from './schema.js';
import {
  createDomain,
  deleteDomain,
  getDomain,
  listResendDomains,
  refreshDomain,
  selectResendDomain,
  verifyDomain,
  type DomainDeps,
} from './service.js';

const tags = ['domains'];

export const domainRoutes: ApiPlugin = async (app) => {
  const deps: DomainDeps = {
    db: app.deps.db,
    secrets: app.deps.secrets,
    resendBaseUrl: app.deps.config.providers.resend.baseUrl,
  };

  app.get(
    '/domains',
    { schema: { tags, summary: 'Get your sending domain (the bare object; 404 when none)', response: { 200: Domain } } },
    async (request) => getDomain(deps.db, request.org.id),
  );

  app.post(
    '/domains',
    {
      schema: {
        tags,
        summary: 'Add your sending domain at Resend',
        description: 'Needs a `resend` BYOK key. One domain per organization (409 when one exists).',
        body: CreateDomainBody,
        response: { 201: Domain },
      },
    },
    async (request, reply) => reply.code(201).send(await createDomain(deps, request.org.id, request.body)),
  );

  app.delete(
    '/domains',
    { schema: { tags, summary: 'Delete your sending domain (also at Resend)', response: { 200: SuccessResponse } } },
    async (request) => {
      await deleteDomain(deps, request.org.id);
      return SUCCESS;
    },
  );

  app.get(
    '/domains/sync',
    { schema: { tags, summary: 'List the domains in your Resend account', response: { 200: ResendDomainList } } },
    async (request) => listResendDomains(deps, request.org.id),
  );

  app.post(
    '/domains/sync',
    {
      schema: {
        tags,
        summary: 'Use a domain that exists in your Resend account',
        body: SelectDomainBody,
        response: { 200: SelectResult },
      },
    },
    async (request) => ({
      success: true as const,
      domain: await selectResendDomain(deps, request.org.id, oneSpelling<string>(request.body, '', 'domain_id', 'resendDomainId', 'resend_domain_id')),
    }),
  );

  app.post(
    '/domains/verify',
    { schema: { tags, summary: 'Ask Resend to verify the DNS records now', response: { 200: VerifyResult } } },
    async (request) => verifyDomain(deps, request.org.id),
  );

  app.post(
    '/domains/refresh',
    { schema: { tags, summary: 'Reload the domain’s status and records from Resend (the bare object)', response: { 200: Domain } } },
    async (request) => refreshDomain(deps, request.org.id),
  );
};
