/**
 * The REST API as a Fastify instance. `buildApp(deps)` wires everything but does not listen, so
 * tests drive it with `app.inject()` and the node calls `app.listen()`.
 *
 *   /health                       no auth (health.ts)
 *   /docs                         Swagger UI;  /api/v1/openapi.json  the OpenAPI document
 *   /api/v1/admin/...             ADMIN_API_KEY only (absent when unset)
 *   /api/v1/<resource>            API key → request.org, 100 req/min per key (resources/index.ts)
 *   /dashboard                    the web dashboard and its live-call feed (src/dashboard)
 */
import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type RouteOptions } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Db } from '../db/pool.js';
import { createLogger, type Logger } from '../log.js';
import { dashboardRoutes, type DashboardOptions } from '../dashboard/routes.js';
import { adminRoutes } from './admin/routes.js';
import { apiKeyAuth, type AuthedOrg } from './auth.js';
import { secretBoxFor, type ApiDeps, type ApiServices } from './deps.js';
import { clientErrorHandler, frameworkErrorHandler, installErrorHandling } from './error-handler.js';
import { HealthChecks, postgresProbe, redisProbe, registerHealthRoute } from './health.js';
import { registerMetricsRoute } from '../metrics/route.js';
import { installJsonBodies } from './json-body.js';
import { installNotFound } from './not-found.js';
import type { ApiPlugin } from './plugin.js';
import { createRateLimiters } from './rate-limit.js';
import { resourcePlugins } from './resources/index.js';
import { ErrorResponse } from './schemas.js';
import { capConnections, serverOptions } from './server-limits.js';
import { createValidatorCompiler, installQueryGuard } from './validation.js';

export const API_PREFIX = '/api/v1';
const BODY_LIMIT_BYTES = 1024 * 1024;
const VERSION = '0.1.0';

export interface BuildAppOptions {
  config: Config;
  db: Db;
  redis: Redis;
  health?: HealthChecks;
  services?: Partial<ApiServices>;
  logger?: Logger;
  /** Defaults to every resource of resources/index.ts. */
  resources?: readonly ApiPlugin[];
  /** The web dashboard under /dashboard (src/dashboard). */
  dashboard?: DashboardOptions;
}

export type ApiApp = FastifyInstance;

function requestId(raw: { headers: Record<string, string | string[] | undefined> }): string {
  const incoming = raw.headers['x-request-id'];
  return typeof incoming === 'string' && /^[\w.:-]{1,64}$/.test(incoming) ? incoming : randomUUID();
}

/** Every /api/v1 route documents the error body for 4xx/5xx in OpenAPI without repeating it. */
function addErrorResponses(route: RouteOptions): void {
  if (!route.url.startsWith(API_PREFIX) || !route.schema) return;
  const response = (route.schema.response ?? {}) as Record<string, unknown>;
  route.schema.response = { '4xx': ErrorResponse, '5xx': ErrorResponse, ...response };
}

async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'voxgate REST API', version: VERSION, description: 'Flireo-compatible voice agent API' },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'An organization API key (vg_live_…)' },
          adminKey: { type: 'http', scheme: 'bearer', description: 'ADMIN_API_KEY' },
        },
      },
      security: [{ apiKey: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get(`${API_PREFIX}/openapi.json`, { schema: { hide: true } }, async () => app.swagger());
}

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config, db, redis } = options;
  const logger = options.logger ?? createLogger(config.logLevel);
  const health = options.health ?? new HealthChecks();
  health.register('postgres', postgresProbe(db));
  health.register('redis', redisProbe(redis));
  const deps: ApiDeps = {
    config,
    db,
    redis,
    health,
    secrets: secretBoxFor(config),
    services: options.services ?? {},
    limiters: createRateLimiters(redis, config, logger),
  };

  const app: FastifyInstance = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    genReqId: requestId,
    logController: new LogController({ requestIdLogLabel: 'req_id' }),
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { ignoreTrailingSlash: true },
    ...serverOptions(config.http),
    clientErrorHandler,
    frameworkErrors: frameworkErrorHandler,
  });
  capConnections(app, config.http);
  app.setValidatorCompiler(createValidatorCompiler());
  installJsonBodies(app);
  installErrorHandling(app);
  installNotFound(app);
  app.decorate('deps', deps);
  app.decorateRequest('org', null as unknown as AuthedOrg);
  app.addHook('onRoute', addErrorResponses);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await registerOpenApi(app);
  registerHealthRoute(app, health);
  registerMetricsRoute(app, options.services?.metrics);
  await app.register(dashboardRoutes, { prefix: '/dashboard', ...options.dashboard });
  await app.register(
    async (v1) => {
      installQueryGuard(v1);
      if (config.adminApiKey !== null) await v1.register(adminRoutes, { prefix: '/admin' });
      await v1.register(async (scope) => {
        scope.addHook('onRequest', apiKeyAuth(db, config.adminApiKey));
        scope.addHook('onRequest', deps.limiters.api.hook((request) => request.org.apiKeyId));
        for (const plugin of options.resources ?? resourcePlugins) await scope.register(plugin);
      });
    },
    { prefix: API_PREFIX },
  );
  return app;
}
