/** The `api` role: builds the REST API on the node's resources and listens on HOST:PORT. */
import { portInUse, type VoxgateNode } from '../node.js';
import { buildApp } from './app.js';

export async function startApiRole(node: VoxgateNode): Promise<void> {
  const app = await buildApp({
    config: node.config,
    db: node.db,
    redis: node.redis,
    health: node.health,
    services: node.services,
    logger: node.log,
  });
  await app.listen({ port: node.config.api.port, host: node.config.api.host }).catch(async (err: unknown) => {
    await app.close();
    throw portInUse(err, 'REST API', node.config.api.port, 'PORT');
  });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : node.config.api.port;
  const host = node.config.api.host === '0.0.0.0' || node.config.api.host === '::' ? '127.0.0.1' : node.config.api.host;
  node.apiUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  node.log.info({ url: node.apiUrl, docs: `${node.apiUrl}/docs` }, 'REST API listening');
  // Closing stops accepting connections at once and waits for in-flight requests.
  node.onStop('api', () => app.close());
}
