/**
 * The type of a resource plugin: a Fastify plugin with the TypeBox type provider, so route
 * handlers get `request.body` / `request.params` / `request.query` typed from their schemas.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

export type ApiPlugin = FastifyPluginAsyncTypebox;
