/**
 * The `sip` role (DESIGN §2): the SIP listener, the media workers and the signalling service
 * that joins them. Health probes say whether both are up; on stop the node drains (new INVITEs
 * get 503, live calls end naturally within DRAIN_TIMEOUT_SECONDS) before the listener closes.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { secretBoxFor } from '../api/deps.js';
import { postCallFor } from '../analysis/index.js';
import { webhooksFor } from '../events/index.js';
import { portInUse, type VoxgateNode } from '../node.js';
import { agentLogicModule, MediaPool } from '../../media/index.js';
import { UserAgent } from '../../sip/index.js';
import { publishLiveSignals } from './live-signals.js';
import { TelephonyService } from './service.js';

export { TelephonyService } from './service.js';

declare module '../api/deps.js' {
  interface ApiServices {
    telephony: TelephonyService;
  }
}

/** How long a stopping node waits for the reports of its calls to be delivered. */
const REPORTS_DRAIN_TIMEOUT_MS = 30_000;

export async function startTelephony(node: VoxgateNode): Promise<void> {
  const { config } = node;
  const log = node.log.child({ part: 'telephony' });
  const recordingDir = join(config.dataDir, 'recordings');
  await mkdir(recordingDir, { recursive: true, mode: 0o700 });
  const pool = await MediaPool.start({
    workers: config.mediaWorkers,
    portRange: { min: config.rtp.portMin, max: config.rtp.portMax },
    recordingDir,
    logicModule: agentLogicModule(),
  });
  let service: TelephonyService | null = null;
  const ua = new UserAgent({
    transports: config.sip.transports.map((protocol) => ({ protocol, host: config.sip.host, port: config.sip.port })),
    publicAddress: config.sip.publicIp,
    logger: node.log.child({ part: 'sip' }),
    userAgentHeader: 'voxgate',
    accept: (source) => service?.allows(source.address) ?? false,
    // A SIP front probing with OPTIONS takes a draining node out of rotation.
    optionsStatus: () => (service?.draining ? 503 : 200),
    // Past capacity, refuse a share of new calls cleanly so the accepted ones still complete.
    ...(config.sip.overload && { overload: config.sip.overload }),
  });
  service = new TelephonyService({
    config,
    db: node.db,
    redis: node.redis,
    log,
    nodeId: node.id,
    ua,
    pool,
    emitter: webhooksFor(node).emitter,
    keyDeps: { db: node.db, secrets: secretBoxFor(config), config },
    postCall: postCallFor(node),
  });
  await service.start();
  await ua.listen().catch((err: unknown) => {
    throw portInUse(err, 'SIP', config.sip.port, 'SIP_PORT');
  });
  const telephony = service;
  const stopSignals = publishLiveSignals(telephony, node.redis, config.redisPrefix, log);
  node.services.telephony = telephony;
  node.services.calls = telephony;
  node.services.routingCache = telephony.router;
  node.services.trunkAllowList = telephony.allowList;
  node.health.register('sip', () => {
    try {
      return ua.address(config.sip.transports[0]) !== undefined;
    } catch {
      return false; // the listener is closed
    }
  });
  node.health.register('media', async () => (await pool.health()).workers.length === config.mediaWorkers);
  log.info({ transports: config.sip.transports, port: ua.address(config.sip.transports[0]), publicIp: config.sip.publicIp }, 'SIP listening');
  // Drain while the API and the webhook workers still run: the final reports of the drained
  // calls go out before the node exits.
  node.onDrain(
    'sip',
    async () => {
      node.health.startDraining(() => telephony.liveCalls);
      await telephony.drain(config.calls.drainTimeoutMs);
      await telephony.awaitReports(REPORTS_DRAIN_TIMEOUT_MS);
    },
    { timeoutMs: config.calls.drainTimeoutMs + REPORTS_DRAIN_TIMEOUT_MS + 10_000 },
  );
  node.onStop('sip', async () => {
    stopSignals();
    await telephony.stop();
    await ua.close();
    await pool.stop();
  });
}
