#!/usr/bin/env node
/**
 * `voxgate` command line. Exit codes: 0 success, 1 failure (the message says why), 2 bad usage.
 * Commands other than `start` print JSON on stdout and log to stderr.
 */
import { pathToFileURL } from 'node:url';
import { addCredits, createApiKey, createOrganization, revokeApiKey } from './api/admin/service.js';
import { ApiError } from './api/errors.js';
import { callCommand, WavError } from './caller/index.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { openDatabase, runMigrations, type Db } from './db/index.js';
import { createLogger, stderrDestination, type Logger } from './log.js';
import { exitOnSignals, startNode } from './node.js';
import { ROLE_STARTERS } from './roles.js';

const USAGE = `Usage: voxgate <command>

Commands:
  start                                   run every role of VOXGATE_ROLES (default command)
  migrate                                 apply database migrations and exit
  org create --name NAME [--minutes N]    create an organization and its first API key
  org key create ORG_ID [--name NAME]     create another API key
  org key revoke ORG_ID KEY_ID            revoke an API key
  org credits ORG_ID --minutes N          add minutes to an organization's balance
  call +E164 [options]                    a test call to a number of this engine (SIP + RTP), then
                                          its transcript, end reason and latency waterfall
    --wav FILE                            play this 16-bit PCM WAV as the caller's voice
    --record OUT.wav                      record what the caller hears (8 kHz mono)
    --seconds N                           hang up after N seconds (default 20)
    --to sip:URI                          dial this SIP URI instead of +E164 on this engine
    --from +E164                          caller ID (default a random +1555 number)
    --bind ADDRESS                        local address for SIP and RTP
    --api URL                             the engine's REST API (default VOXGATE_API_URL, else
                                          http://127.0.0.1:PORT); VOXGATE_API_KEY reads the call
    --json                                print the report as JSON

Options:
  -h, --help                              show this help

Configuration comes from the environment (see README, "Configuration").
Without DATABASE_URL the embedded PostgreSQL under VOXGATE_DATA_DIR is used.`;

const HINT = "Run 'voxgate --help' for usage.";

export class UsageError extends Error {}

export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | true>;
}

const VALUE_FLAGS = new Set(['name', 'minutes', 'wav', 'record', 'seconds', 'to', 'from', 'bind', 'api']);
const BOOLEAN_FLAGS = new Set(['help', 'json']);
const COMMAND_FLAGS: Readonly<Record<string, readonly string[]>> = {
  call: ['wav', 'record', 'seconds', 'to', 'from', 'bind', 'api', 'json'],
};
const E164 = /^\+[1-9]\d{6,14}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h') {
      flags.set('help', true);
      continue;
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (BOOLEAN_FLAGS.has(name)) flags.set(name, true);
    else if (VALUE_FLAGS.has(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
      flags.set(name, value);
    } else throw new UsageError(`unknown option --${name}`);
  }
  return { positionals, flags };
}

function flagValue(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags.get(name);
  return typeof value === 'string' ? value : undefined;
}

function minutesFlag(args: ParsedArgs, required: boolean): number | undefined {
  const value = flagValue(args, 'minutes');
  if (value === undefined) {
    if (required) throw new UsageError('--minutes is required');
    return undefined;
  }
  if (!/^\d+$/.test(value) || Number(value) > 100_000_000) throw new UsageError(`--minutes must be a whole number of minutes (got "${value}")`);
  return Number(value);
}

function nameFlag(args: ParsedArgs, required: boolean): string | undefined {
  const value = flagValue(args, 'name')?.trim();
  if (value === undefined || value === '') {
    if (required) throw new UsageError('--name is required');
    return undefined;
  }
  if (value.length > 200) throw new UsageError('--name must be at most 200 characters');
  return value;
}

function uuidArg(value: string | undefined, what: string): string {
  if (value === undefined) throw new UsageError(`${what} is required`);
  if (!UUID.test(value)) throw new UsageError(`${what} must be a UUID (got "${value}")`);
  return value;
}

function expectArgs(args: ParsedArgs, count: number): void {
  if (args.positionals.length > count) throw new UsageError(`unexpected argument "${args.positionals[count]}"`);
}

async function withDatabase<T>(config: Config, log: Logger, fn: (db: Db) => Promise<T>): Promise<T> {
  const database = await openDatabase(config, log);
  try {
    await runMigrations(database.db, { log });
    return await fn(database.db);
  } finally {
    await database.close();
  }
}

function print(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

async function orgCommand(args: ParsedArgs, config: Config, log: Logger): Promise<void> {
  const [, sub, third] = args.positionals;
  if (sub === 'create') {
    expectArgs(args, 2);
    const name = nameFlag(args, true) as string;
    const minutes = minutesFlag(args, false);
    print(await withDatabase(config, log, (db) => createOrganization(db, { name, minutes_balance: minutes ?? null })));
  } else if (sub === 'key' && third === 'create') {
    expectArgs(args, 4);
    const orgId = uuidArg(args.positionals[3], 'ORG_ID');
    const name = nameFlag(args, false) ?? null;
    print(await withDatabase(config, log, (db) => createApiKey(db, orgId, name)));
  } else if (sub === 'key' && third === 'revoke') {
    expectArgs(args, 5);
    const orgId = uuidArg(args.positionals[3], 'ORG_ID');
    const keyId = uuidArg(args.positionals[4], 'KEY_ID');
    await withDatabase(config, log, (db) => revokeApiKey(db, orgId, keyId));
    print({ success: true });
  } else if (sub === 'credits') {
    expectArgs(args, 3);
    const orgId = uuidArg(args.positionals[2], 'ORG_ID');
    const minutes = minutesFlag(args, true) as number;
    print({ organization: await withDatabase(config, log, (db) => addCredits(db, orgId, minutes)) });
  } else {
    throw new UsageError(`unknown org command "${args.positionals.slice(1).join(' ')}"`);
  }
}

/** Each command takes only its own options. */
function checkFlags(args: ParsedArgs, command: string): void {
  const own = COMMAND_FLAGS[command] ?? [];
  for (const flag of args.flags.keys()) {
    if (flag === 'help' || own.includes(flag) || (command === 'org' && (flag === 'name' || flag === 'minutes'))) continue;
    throw new UsageError(`--${flag} does not apply to "${command}"`);
  }
}

async function call(args: ParsedArgs, config: Config): Promise<number> {
  const number = args.positionals[1] ?? null;
  const to = flagValue(args, 'to') ?? null;
  expectArgs(args, 2);
  if (number === null && to === null) throw new UsageError('call needs a number (+E164) or --to sip:URI');
  if (number !== null && !E164.test(number)) throw new UsageError(`the number must be E.164 like +31850001234 (got "${number}")`);
  if (to !== null && !/^sips?:/i.test(to)) throw new UsageError(`--to must be a SIP URI like sip:+31850001234@pbx.example.com (got "${to}")`);
  const from = flagValue(args, 'from') ?? null;
  if (from !== null && !E164.test(from)) throw new UsageError(`--from must be E.164 (got "${from}")`);
  const seconds = flagValue(args, 'seconds') ?? '20';
  if (!/^\d+$/.test(seconds) || Number(seconds) < 1 || Number(seconds) > 3600) throw new UsageError(`--seconds must be a whole number from 1 to 3600 (got "${seconds}")`);
  try {
    return await callCommand(
      {
        number,
        to,
        from,
        wav: flagValue(args, 'wav') ?? null,
        record: flagValue(args, 'record') ?? null,
        seconds: Number(seconds),
        bind: flagValue(args, 'bind') ?? null,
        api: flagValue(args, 'api') ?? null,
        json: args.flags.has('json'),
      },
      config,
      process.env,
      { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) },
    );
  } catch (err) {
    if (err instanceof WavError) throw new UsageError(err.message);
    throw err;
  }
}

async function start(config: Config): Promise<void> {
  const log = createLogger(config.logLevel);
  const node = await startNode(config, log, ROLE_STARTERS);
  exitOnSignals(node);
}

/** Runs one command; resolves with the exit code, or 'running' once `start` has started the node. */
export async function run(argv: readonly string[]): Promise<number | 'running'> {
  let args: ParsedArgs;
  try {
    args = parseArgs(argv);
  } catch (err) {
    process.stderr.write(`voxgate: ${(err as Error).message}\n${HINT}\n`);
    return 2;
  }
  if (args.flags.has('help')) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const command = args.positionals[0] ?? 'start';
  try {
    checkFlags(args, command);
    const config = loadConfig(process.env);
    const quietLog = () => createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, {}, stderrDestination());
    if (command === 'start') {
      expectArgs(args, 1);
      await start(config);
      return 'running';
    } else if (command === 'migrate') {
      expectArgs(args, 1);
      const log = quietLog();
      const database = await openDatabase(config, log);
      try {
        const result = await runMigrations(database.db, { log });
        print({ database: database.description, applied: result.applied, already_applied: result.alreadyApplied });
      } finally {
        await database.close();
      }
    } else if (command === 'org') {
      await orgCommand(args, config, quietLog());
    } else if (command === 'call') {
      return await call(args, config);
    } else {
      throw new UsageError(`unknown command "${command}"`);
    }
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`voxgate: ${err.message}\n${HINT}\n`);
      return 2;
    }
    if (err instanceof ConfigError || err instanceof ApiError) {
      process.stderr.write(`voxgate: ${err.message}\n`);
      return 1;
    }
    const cause = (err as Error).cause ? ` (${String((err as Error).cause)})` : '';
    process.stderr.write(`voxgate: ${(err as Error).message ?? String(err)}${cause}\n`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // `start` keeps running until a signal stops the node; every other command exits now.
  void run(process.argv.slice(2)).then((result) => {
    if (result !== 'running') process.exit(result);
  });
}
