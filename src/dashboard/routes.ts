/**
 * The web dashboard (`/dashboard`): the built single-page app, plus the endpoints it needs
 * besides the REST API — who the key is (`/dashboard/api/session`), the live-call feed as
 * server-sent events (`/dashboard/api/live`) and a call's tool runs
 * (`/dashboard/api/calls/{id}/tool-calls`). All take an organization's API key or the admin key
 * (every organization). The page itself talks to /api/v1 with the same key; the admin key
 * names the organization in X-Voxgate-Org (src/api/auth.ts).
 */
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticateApiKey, bearerToken, isAdminKey, organizationForAdmin } from '../api/auth.js';
import { missingField, notFound, unauthorized } from '../api/errors.js';
import { IdParams, Type } from '../api/schemas.js';
import type { Logger } from '../log.js';
import { builtDashboardDir } from './assets.js';
import { LiveHub } from './hub.js';
import type { LiveEvent } from './wire.js';
import { toolCallsOf } from './tool-calls.js';

export interface DashboardOptions {
  /** The built app; default: dist/dashboard (assets.ts). */
  dir?: string | null;
  /** How often the live feed looks at the calls table (ms). */
  pollMs?: number;
}

interface Identity {
  admin: boolean;
  /** The key's organization; null for the admin key. */
  orgId: string | null;
}

const HEARTBEAT_MS = 15_000;
const MAX_ORGANIZATIONS = 1000;
// The app is one script and one stylesheet of our own; audio comes from blob: URLs (fetched with the key).
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export async function dashboardRoutes(app: FastifyInstance, options: DashboardOptions = {}): Promise<void> {
  const { db, redis, config, limiters } = app.deps;
  const hub = new LiveHub(db, redis, config.redisPrefix, app.log as Logger, options.pollMs);
  // Open feeds would keep the server from closing: end them first (the page reconnects elsewhere).
  const feeds = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    for (const feed of feeds) feed.end();
    await hub.close();
  });

  async function identify(request: FastifyRequest, reply: FastifyReply): Promise<Identity> {
    const token = bearerToken(request.headers.authorization);
    if (token === null) throw unauthorized();
    if (isAdminKey(token, config.adminApiKey)) return { admin: true, orgId: null };
    const org = await authenticateApiKey(db, token);
    await limiters.api.hook(() => org.apiKeyId)(request, reply);
    return { admin: false, orgId: org.id };
  }

  app.get('/api/session', { schema: { hide: true } }, async (request, reply) => {
    const who = await identify(request, reply);
    const { rows } = await db.query<{ id: string; name: string }>(
      `SELECT id, name FROM organizations WHERE ($1::uuid IS NULL OR id = $1) ORDER BY name, id LIMIT ${MAX_ORGANIZATIONS}`,
      [who.orgId],
    );
    return { admin: who.admin, organizations: rows };
  });

  app.get(
    '/api/live',
    { schema: { hide: true, querystring: Type.Object({ org: Type.Optional(Type.String({ maxLength: 64 })) }) } },
    async (request, reply) => {
      const who = await identify(request, reply);
      const { org } = request.query as { org?: string };
      // The admin may narrow the feed to one organization; a key always sees only its own.
      const orgId = who.admin ? (org ? (await organizationForAdmin(db, org)).id : null) : who.orgId;
      reply.hijack();
      const raw = reply.raw;
      request.raw.socket.setTimeout(0);
      raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no', 'x-request-id': request.id });
      const send = (event: LiveEvent) => void raw.write(`data: ${JSON.stringify(event)}\n\n`);
      const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
      let stop: (() => void) | null = null;
      let closed = false;
      feeds.add(raw);
      raw.on('close', () => {
        feeds.delete(raw);
        closed = true;
        clearInterval(heartbeat);
        stop?.();
      });
      try {
        stop = await hub.watch({ orgId, send });
        if (closed) stop();
      } catch (err) {
        request.log.warn({ err: (err as Error).message }, 'live feed could not start');
        clearInterval(heartbeat);
        raw.end(`event: failure\ndata: ${JSON.stringify({ message: 'The live feed is unavailable; reload to try again.' })}\n\n`);
      }
    },
  );

  app.get(
    '/api/calls/:id/tool-calls',
    { schema: { hide: true, params: IdParams, querystring: Type.Object({ org: Type.Optional(Type.String({ maxLength: 64 })) }) } },
    async (request, reply) => {
      const who = await identify(request, reply);
      const { org } = request.query as { org?: string };
      if (who.admin && !org) throw missingField('org');
      const orgId = who.admin ? (await organizationForAdmin(db, org!)).id : who.orgId!;
      const { id } = request.params as { id: string };
      const { rows } = await db.query('SELECT 1 FROM calls WHERE org_id = $1 AND id = $2', [orgId, id]);
      if (rows.length === 0) throw notFound('call');
      return { tool_calls: await toolCallsOf(db, orgId, id) };
    },
  );

  const dir = options.dir === undefined ? builtDashboardDir() : options.dir;
  app.addHook('onSend', async (request, reply) => {
    if (!request.url.startsWith('/dashboard/api/')) reply.header('content-security-policy', CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
  });
  if (dir === null) {
    const notBuilt = async (_request: FastifyRequest, reply: FastifyReply) =>
      reply.code(503).type('text/plain; charset=utf-8').send('The dashboard is not built: run `npm run build` (it builds the engine and the dashboard).\n');
    app.get('/', { schema: { hide: true } }, notBuilt);
    app.get('/*', { schema: { hide: true } }, notBuilt);
    return;
  }
  // The page itself, at /dashboard and /dashboard/ (the app links to its assets by absolute path).
  // Read on each request (it is tiny): a rebuild while the engine runs serves the new assets.
  const index = join(dir, 'index.html');
  app.get('/', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(await readFile(index)),
  );
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    decorateReply: false,
    index: false,
    // Hashed file names under assets/ never change; index.html must be asked for again.
    setHeaders: (res, path) => res.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache'),
  });
}
