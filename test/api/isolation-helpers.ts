/**
 * Org isolation check for resource tests: an id of another organization must answer 404
 * `not_found` on every route (never 403, never revealing that it exists), and a foreign
 * PATCH/DELETE must leave the resource untouched.
 */
import type { FastifyInstance, InjectOptions } from 'fastify';
import { expect } from 'vitest';

export interface IsolatedRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  url: (id: string) => string;
  body?: unknown;
}

export interface IsolationCheck {
  /** Key of the organization that owns `id`. */
  ownerKey: string;
  /** Key of another organization. */
  otherKey: string;
  id: string;
  routes: IsolatedRoute[];
  /** A GET that shows the resource to its owner; defaults to the first GET in `routes`. */
  ownerCheck?: IsolatedRoute;
}

function request(route: IsolatedRoute, id: string, key: string): InjectOptions {
  const options: InjectOptions = { method: route.method, url: route.url(id), headers: { authorization: `Bearer ${key}` } };
  if (route.body !== undefined) options.payload = route.body as InjectOptions['payload'];
  return options;
}

export async function expectOrgIsolation(app: FastifyInstance, check: IsolationCheck): Promise<void> {
  const ownerCheck = check.ownerCheck ?? check.routes.find((r) => r.method === 'GET');
  if (ownerCheck) {
    const before = await app.inject(request(ownerCheck, check.id, check.ownerKey));
    expect(before.statusCode, `owner ${ownerCheck.method} ${ownerCheck.url(check.id)} before`).toBe(200);
  }
  for (const route of check.routes) {
    const res = await app.inject(request(route, check.id, check.otherKey));
    expect(res.statusCode, `foreign ${route.method} ${route.url(check.id)}`).toBe(404);
    expect(res.json().error).toBe('not_found');
  }
  if (ownerCheck) {
    const after = await app.inject(request(ownerCheck, check.id, check.ownerKey));
    expect(after.statusCode, `owner ${ownerCheck.method} ${ownerCheck.url(check.id)} after foreign requests`).toBe(200);
  }
}
