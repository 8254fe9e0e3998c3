/**
 * The one configuration module (DESIGN §7). `loadConfig(env)` is pure: it reads the environment
 * names, applies defaults, validates everything at once and throws a `ConfigError` whose lines
 * say what to fix. `resolveSecretKey(config)` is the only part that touches the disk (the
 * generated `secret.key` in the data directory).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { availableParallelism, networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';

export type Role = 'api' | 'sip' | 'worker';
export const ALL_ROLES: readonly Role[] = ['api', 'sip', 'worker'];
export type SipTransport = 'udp' | 'tcp';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type ProviderName = 'openai' | 'xai' | 'mistral' | 'deepgram' | 'elevenlabs' | 'resend';

export interface ProviderEndpoint {
  readonly baseUrl: string;
  /** The platform key; an organization's BYOK key wins over it. */
  readonly apiKey: string | null;
}

export interface Config {
  readonly api: { readonly port: number; readonly host: string };
  /** Limits of the REST API's HTTP server, so slow or idle clients cannot hold connections (issue #8). */
  readonly http: HttpLimits;
  readonly sip: {
    readonly port: number;
    readonly host: string;
    readonly transports: readonly SipTransport[];
    readonly publicIp: string;
    /** CIDR list allowed to send INVITEs (each trunk's host is allowed on top). */
    readonly trunkAllow: readonly string[];
    /** Past these limits of the main event loop, a share of new INVITEs gets 503 + Retry-After (null: off). */
    readonly overload: { readonly maxUtilization: number; readonly maxLoopDelayMs: number } | null;
  };
  readonly rtp: { readonly portMin: number; readonly portMax: number };
  readonly mediaWorkers: number;
  /** null: start the embedded PostgreSQL under `dataDir/pg`. */
  readonly databaseUrl: string | null;
  /** null: use 127.0.0.1:6379 if it answers, else an ephemeral redis-server. */
  readonly redisUrl: string | null;
  /** Prepended to every Redis key and BullMQ queue name, so tests and deployments can share a server. */
  readonly redisPrefix: string;
  /** Absolute path. */
  readonly dataDir: string;
  /** VOXGATE_NODE_ID; null: generated once into `dataDir/node-id` (node.ts). */
  readonly nodeId: string | null;
  /** null until `resolveSecretKey` generated or read `dataDir/secret.key`. */
  readonly secretKey: string | null;
  readonly adminApiKey: string | null;
  readonly providers: { readonly [P in ProviderName]: ProviderEndpoint };
  readonly webhookAllowPrivate: boolean;
  readonly logLevel: LogLevel;
  readonly roles: readonly Role[];
  readonly rateLimit: { readonly perMinute: number; readonly callControlPerMinute: number };
  /** The campaign dialer (src/campaigns), on nodes with the sip role. */
  readonly campaigns: {
    readonly enabled: boolean;
    /** How often the dialer looks for due leads. */
    readonly tickMs: number;
    /** Call slots of the organization's limit the dialer leaves free for inbound calls. */
    readonly inboundReserve: number;
  };
  readonly calls: {
    /** Simultaneous calls per organization; more get 486 Busy Here (DESIGN §3 step 2). */
    readonly orgMaxConcurrent: number;
    /** On SIGTERM, how long live calls may go on before they are hung up. */
    readonly drainTimeoutMs: number;
    /** Base URL of the REST API as customers reach it (recording links in webhooks). */
    readonly publicUrl: string;
  };
  /** Price of one started call minute in EUR (flireo-api B §5.6), stored on each usage row. */
  readonly pricePerMinute: number;
  /** GET /metrics in Prometheus format (src/metrics): off unless a token or a port is set. */
  readonly metrics: {
    /** METRICS_TOKEN: /metrics on the API port, for `Authorization: Bearer <token>`; also required on `port` when set. */
    readonly token: string | null;
    /** METRICS_PORT: a listener of its own for /metrics (null: none). */
    readonly port: number | null;
    readonly host: string;
  };
  /** Post-call analysis (src/analysis). */
  readonly analysis: {
    /** The end-of-call report never waits longer than this after the call ended. */
    readonly reportCapMs: number;
    /** null: the agent's own chat provider (a realtime agent's vendor), else OpenAI. */
    readonly provider: AnalysisProviderName | null;
    /** null: the agent's model when the provider is the agent's own, else the provider's default. */
    readonly model: string | null;
    /** One LLM request (summary or extraction) may take this long. */
    readonly requestTimeoutMs: number;
  };
}

export interface HttpLimits {
  /** The whole request (headers and body) must have arrived within this; else 408 and close. */
  readonly requestTimeoutMs: number;
  /** The request headers must have arrived within this. */
  readonly headersTimeoutMs: number;
  /** A connection that sends and receives nothing for this long is closed. */
  readonly idleTimeoutMs: number;
  /** An idle keep-alive connection between requests is closed after this. */
  readonly keepAliveTimeoutMs: number;
  /** Connections beyond this many are refused. */
  readonly maxConnections: number;
  /** A keep-alive connection is closed after this many requests; 0 = no limit. */
  readonly maxRequestsPerSocket: number;
}

export type AnalysisProviderName = 'openai' | 'mistral' | 'xai';
export const ANALYSIS_PROVIDERS: readonly AnalysisProviderName[] = ['openai', 'mistral', 'xai'];

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** The vendors' public endpoints, in the form their official SDKs use as base URL. */
export const PROVIDER_DEFAULT_URLS: { readonly [P in ProviderName]: string } = {
  openai: 'https://api.openai.com/v1',
  xai: 'https://api.x.ai/v1',
  mistral: 'https://api.mistral.ai/v1',
  deepgram: 'https://api.deepgram.com',
  elevenlabs: 'https://api.elevenlabs.io',
  resend: 'https://api.resend.com',
};

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const MIN_SECRET_KEY_LENGTH = 32;

export type Env = Readonly<Record<string, string | undefined>>;

export interface HostFacts {
  cores: number;
  /** First non-internal IPv4 address, if any. */
  publicIpv4: string | null;
}

export function currentHostFacts(): HostFacts {
  let publicIpv4: string | null = null;
  for (const addresses of Object.values(networkInterfaces())) {
    const found = addresses?.find((a) => a.family === 'IPv4' && !a.internal);
    if (found) {
      publicIpv4 = found.address;
      break;
    }
  }
  return { cores: availableParallelism(), publicIpv4 };
}

/** Reads one variable at a time and collects every problem before failing. */
class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  /** Unset and empty both mean "use the default". */
  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optional(name: string): string | null {
    return this.raw(name) ?? null;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!/^-?\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      this.problems.push(`${name} must be an integer between ${min} and ${max} (got "${value}")`);
      return fallback;
    }
    return Number(value);
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['true', '1', 'yes', 'on'].includes(value)) return true;
    if (['false', '0', 'no', 'off'].includes(value)) return false;
    this.problems.push(`${name} must be true or false (got "${value}")`);
    return fallback;
  }

  list<T extends string>(name: string, fallback: readonly T[], allowed: readonly T[]): T[] {
    const value = this.raw(name);
    if (value === undefined) return [...fallback];
    const items = value.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
    const unknown = items.filter((i) => !allowed.includes(i as T));
    if (unknown.length > 0 || items.length === 0) {
      this.problems.push(`${name} must be a comma list of ${allowed.join(', ')} (got "${value}")`);
      return [...fallback];
    }
    return [...new Set(items)] as T[];
  }

  url(name: string, fallback: string | null, protocols: readonly string[]): string | null {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      this.problems.push(`${name} must be a URL like ${protocols[0]}//host (got an unparsable value)`);
      return fallback;
    }
    if (!protocols.includes(parsed.protocol)) {
      this.problems.push(`${name} must use ${protocols.join(' or ')} (got "${parsed.protocol}")`);
      return fallback;
    }
    return value;
  }
}

export function isValidCidr(cidr: string): boolean {
  const [address, prefix, extra] = cidr.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  const bits = family === 4 ? 32 : 128;
  return /^\d+$/.test(prefix) && Number(prefix) <= bits;
}

function readSip(r: EnvReader, host: HostFacts): Config['sip'] {
  const publicIp = r.string('SIP_PUBLIC_IP', host.publicIpv4 ?? '127.0.0.1');
  if (isIP(publicIp) === 0) r.problems.push(`SIP_PUBLIC_IP must be an IP address (got "${publicIp}")`);
  const trunkAllow = r.string('SIP_TRUNK_ALLOW', '127.0.0.1/32').split(',').map((s) => s.trim()).filter(Boolean);
  const badCidrs = trunkAllow.filter((c) => !isValidCidr(c));
  if (badCidrs.length > 0) {
    r.problems.push(`SIP_TRUNK_ALLOW must be a comma list of CIDRs like 203.0.113.0/24 (bad: ${badCidrs.join(', ')})`);
  }
  return {
    port: r.integer('SIP_PORT', 5060, 0, 65535),
    host: r.string('SIP_HOST', '0.0.0.0'),
    transports: r.list<SipTransport>('SIP_TRANSPORTS', ['udp', 'tcp'], ['udp', 'tcp']),
    publicIp,
    trunkAllow,
    overload: r.boolean('SIP_OVERLOAD', true)
      ? { maxUtilization: r.integer('SIP_OVERLOAD_MAX_UTILIZATION', 90, 10, 100) / 100, maxLoopDelayMs: r.integer('SIP_OVERLOAD_MAX_DELAY_MS', 100, 10, 10_000) }
      : null,
  };
}

function readRtp(r: EnvReader): Config['rtp'] {
  const portMin = r.integer('RTP_PORT_MIN', 10000, 1024, 65534);
  const portMax = r.integer('RTP_PORT_MAX', 20000, 1025, 65535);
  // RFC 3550 §11: RTP takes an even port and RTCP the next odd one, so both ends must leave room.
  if (portMin % 2 !== 0 || portMin >= portMax) {
    r.problems.push(`RTP_PORT_MIN must be an even number below RTP_PORT_MAX (got ${portMin} and ${portMax})`);
  }
  return { portMin, portMax };
}

function readProviders(r: EnvReader): Config['providers'] {
  const endpoint = (p: ProviderName): ProviderEndpoint => {
    const prefix = p.toUpperCase();
    return {
      baseUrl: r.url(`${prefix}_BASE_URL`, PROVIDER_DEFAULT_URLS[p], ['https:', 'http:']) ?? PROVIDER_DEFAULT_URLS[p],
      apiKey: r.optional(`${prefix}_API_KEY`),
    };
  };
  return {
    openai: endpoint('openai'),
    xai: endpoint('xai'),
    mistral: endpoint('mistral'),
    deepgram: endpoint('deepgram'),
    elevenlabs: endpoint('elevenlabs'),
    resend: endpoint('resend'),
  };
}

function readSecrets(r: EnvReader): { secretKey: string | null; adminApiKey: string | null } {
  const secretKey = r.optional('SECRET_KEY');
  if (secretKey !== null && secretKey.length < MIN_SECRET_KEY_LENGTH) {
    r.problems.push(
      `SECRET_KEY must be at least ${MIN_SECRET_KEY_LENGTH} characters (e.g. \`openssl rand -hex 32\`), or unset to generate one`,
    );
  }
  const adminApiKey = r.optional('ADMIN_API_KEY');
  if (adminApiKey !== null && adminApiKey.length < 16) {
    r.problems.push('ADMIN_API_KEY must be at least 16 characters, or unset to turn the admin API off');
  }
  return { secretKey, adminApiKey };
}

function readPricePerMinute(r: EnvReader): number {
  const value = r.raw('PRICE_PER_MINUTE');
  if (value === undefined) return 0.07;
  if (!/^\d{1,6}(\.\d{1,4})?$/.test(value)) {
    r.problems.push(`PRICE_PER_MINUTE must be a price such as 0.07 (at most 4 decimals, not negative; got "${value}")`);
    return 0.07;
  }
  return Number(value);
}

function readCalls(r: EnvReader, host: HostFacts): Config['calls'] {
  const publicIp = r.string('SIP_PUBLIC_IP', host.publicIpv4 ?? '127.0.0.1');
  const port = r.raw('PORT') ?? '3000';
  const fallback = `http://${publicIp.includes(':') ? `[${publicIp}]` : publicIp}:${port}`;
  return {
    orgMaxConcurrent: r.integer('ORG_MAX_CONCURRENT_CALLS', 10, 1, 100_000),
    drainTimeoutMs: r.integer('DRAIN_TIMEOUT_SECONDS', 1800, 0, 86_400) * 1000,
    publicUrl: (r.url('PUBLIC_URL', fallback, ['http:', 'https:']) ?? fallback).replace(/\/+$/, ''),
  };
}

function readHttpLimits(r: EnvReader): HttpLimits {
  const seconds = (name: string, fallback: number) => r.integer(name, fallback, 1, 3600) * 1000;
  const limits: HttpLimits = {
    requestTimeoutMs: seconds('HTTP_REQUEST_TIMEOUT_SECONDS', 30),
    headersTimeoutMs: seconds('HTTP_HEADERS_TIMEOUT_SECONDS', 10),
    idleTimeoutMs: seconds('HTTP_IDLE_TIMEOUT_SECONDS', 60),
    keepAliveTimeoutMs: seconds('HTTP_KEEP_ALIVE_TIMEOUT_SECONDS', 5),
    maxConnections: r.integer('HTTP_MAX_CONNECTIONS', 1024, 1, 1_000_000),
    maxRequestsPerSocket: r.integer('HTTP_MAX_REQUESTS_PER_SOCKET', 0, 0, 1_000_000),
  };
  // Node refuses a header deadline later than the request deadline.
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    r.problems.push('HTTP_HEADERS_TIMEOUT_SECONDS must not be greater than HTTP_REQUEST_TIMEOUT_SECONDS');
  }
  return limits;
}

function readMetrics(r: EnvReader): Config['metrics'] {
  const token = r.optional('METRICS_TOKEN');
  if (token !== null && token.length < 16) r.problems.push('METRICS_TOKEN must be at least 16 characters, or unset');
  const port = r.raw('METRICS_PORT') === undefined ? null : r.integer('METRICS_PORT', 0, 0, 65535);
  return { token, port, host: r.string('METRICS_HOST', '127.0.0.1') };
}

function readAnalysis(r: EnvReader): Config['analysis'] {
  const provider = r.raw('ANALYSIS_LLM_PROVIDER')?.toLowerCase();
  if (provider !== undefined && !ANALYSIS_PROVIDERS.includes(provider as AnalysisProviderName)) {
    r.problems.push(`ANALYSIS_LLM_PROVIDER must be one of ${ANALYSIS_PROVIDERS.join(', ')} (got "${provider}")`);
  }
  return {
    reportCapMs: r.integer('ANALYSIS_REPORT_CAP_SECONDS', 60, 0, 3600) * 1000,
    provider: provider !== undefined && ANALYSIS_PROVIDERS.includes(provider as AnalysisProviderName) ? (provider as AnalysisProviderName) : null,
    model: r.optional('ANALYSIS_LLM_MODEL'),
    requestTimeoutMs: r.integer('ANALYSIS_TIMEOUT_SECONDS', 30, 1, 600) * 1000,
  };
}

/** Pure: the same environment always gives the same Config (or the same ConfigError). */
export function loadConfig(env: Env = process.env, host: HostFacts = currentHostFacts()): Config {
  const r = new EnvReader(env);
  const logLevel = r.string('LOG_LEVEL', 'info').toLowerCase() as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) r.problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
  const redisPrefix = r.string('VOXGATE_REDIS_PREFIX', 'voxgate:');
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(redisPrefix)) {
    r.problems.push('VOXGATE_REDIS_PREFIX must be 1-64 characters of letters, digits, "_", ".", ":" or "-"');
  }
  const config: Config = {
    api: { port: r.integer('PORT', 3000, 0, 65535), host: r.string('HOST', '0.0.0.0') },
    http: readHttpLimits(r),
    sip: readSip(r, host),
    rtp: readRtp(r),
    mediaWorkers: r.integer('MEDIA_WORKERS', Math.max(1, host.cores), 1, 256),
    databaseUrl: r.url('DATABASE_URL', null, ['postgres:', 'postgresql:']),
    redisUrl: r.url('REDIS_URL', null, ['redis:', 'rediss:']),
    redisPrefix,
    dataDir: resolve(r.string('VOXGATE_DATA_DIR', './.voxgate')),
    nodeId: r.optional('VOXGATE_NODE_ID'),
    ...readSecrets(r),
    providers: readProviders(r),
    webhookAllowPrivate: r.boolean('WEBHOOK_ALLOW_PRIVATE', false),
    logLevel,
    roles: r.list<Role>('VOXGATE_ROLES', ALL_ROLES, ALL_ROLES),
    rateLimit: {
      perMinute: r.integer('RATE_LIMIT_PER_MINUTE', 100, 1, 1_000_000),
      callControlPerMinute: r.integer('CALL_CONTROL_LIMIT_PER_MINUTE', 10, 1, 1_000_000),
    },
    pricePerMinute: readPricePerMinute(r),
    calls: readCalls(r, host),
    metrics: readMetrics(r),
    analysis: readAnalysis(r),
    campaigns: {
      enabled: r.boolean('CAMPAIGN_DIALER', true),
      tickMs: r.integer('CAMPAIGN_DIALER_TICK_MS', 500, 20, 60_000),
      inboundReserve: r.integer('CAMPAIGN_INBOUND_RESERVE', 1, 0, 100_000),
    },
  };
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return deepFreeze(config);
}

/**
 * Returns the config with `secretKey` set: SECRET_KEY if given, else the key stored in
 * `dataDir/secret.key`, generated (0600) on first start. Losing that file makes every stored
 * provider key and trunk password unreadable, so it is never regenerated over an existing one.
 */
export async function resolveSecretKey(config: Config): Promise<Config & { secretKey: string }> {
  if (config.secretKey !== null) return config as Config & { secretKey: string };
  const file = join(config.dataDir, 'secret.key');
  let secretKey: string;
  try {
    secretKey = (await readFile(file, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(config.dataDir, { recursive: true });
    secretKey = randomBytes(32).toString('hex');
    // 'wx' fails if another node created the file between our read and this write.
    await writeFile(file, secretKey + '\n', { mode: 0o600, flag: 'wx' }).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
      secretKey = (await readFile(file, 'utf8')).trim();
    });
  }
  if (secretKey.length < MIN_SECRET_KEY_LENGTH) {
    throw new ConfigError([`${file} holds a key shorter than ${MIN_SECRET_KEY_LENGTH} characters; restore it or set SECRET_KEY`]);
  }
  return deepFreeze({ ...config, secretKey });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
