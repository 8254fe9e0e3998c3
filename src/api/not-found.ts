/**
 * Answers for requests no route takes: `405 invalid_request` with an `Allow` header when the path
 * exists under another method, else `404 not_found`. Neither quotes the URL back.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import { ApiError } from './errors.js';
import { sendApiError } from './error-handler.js';

interface KnownPath {
  pattern: RegExp;
  methods: Set<string>;
}

/** `/api/v1/agents/:id` → /^\/api\/v1\/agents\/[^/]+$/ (our routes use named segments and `*` only). */
function patternOf(url: string): RegExp {
  const source = url
    .replace(/\/+$/, '')
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment === '*' ? '.*' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}

export function installNotFound(app: FastifyInstance): void {
  const known = new Map<string, KnownPath>();
  app.addHook('onRoute', (route: RouteOptions) => {
    const entry = known.get(route.url) ?? { pattern: patternOf(route.url), methods: new Set<string>() };
    for (const method of [route.method].flat()) entry.methods.add(method);
    known.set(route.url, entry);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0].replace(/\/+$/, '');
    const allowed = new Set<string>();
    for (const { pattern, methods } of known.values()) if (pattern.test(path)) methods.forEach((m) => allowed.add(m));
    if (allowed.size > 0) {
      reply.header('allow', [...allowed].sort().join(', '));
      return sendApiError(reply, new ApiError('invalid_request', 'Method not allowed on this route', { status: 405 }));
    }
    return sendApiError(reply, new ApiError('not_found', 'Route not found'));
  });
}
