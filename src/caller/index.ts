/** `voxgate call` (src/cli.ts parses the flags): place the test call, then print the report. */
import { currentHostFacts, type Config, type Env } from '../config.js';
import { fetchCallRecord, formatReport, type CallRecord } from './report.js';
import { defaultCallerId, isLoopback, placeTestCall, targetHost, type TestCallResult } from './test-call.js';

export { WavError } from './wav.js';

export interface CallCommandOptions {
  /** +E164 of the engine to dial; null with `to`. */
  number: string | null;
  to: string | null;
  from: string | null;
  wav: string | null;
  record: string | null;
  seconds: number;
  bind: string | null;
  api: string | null;
  json: boolean;
}

export interface CallCommandIo {
  out(text: string): void;
  err(text: string): void;
}

/** Dials, talks, hangs up, reports; resolves with the exit code (0 answered, 1 not). */
export async function callCommand(o: CallCommandOptions, config: Config, env: Env, io: CallCommandIo): Promise<number> {
  // This engine: where its SIP listener is bound (loopback when it listens on every address).
  const listener = config.sip.host === '0.0.0.0' || config.sip.host === '::' ? '127.0.0.1' : config.sip.host;
  const target = o.to ?? `sip:${o.number}@${listener.includes(':') ? `[${listener}]` : listener}:${config.sip.port}`;
  const host = targetHost(target);
  if (host === null) throw new Error(`not a SIP URI: ${target}`);
  const bind = o.bind ?? (isLoopback(host) ? '127.0.0.1' : (currentHostFacts().publicIpv4 ?? '0.0.0.0'));
  const from = o.from ?? defaultCallerId();
  const startedAt = new Date();
  const sip = await placeTestCall({ target, from, bind, wav: o.wav, record: o.record, seconds: o.seconds, say: (line) => io.err(`voxgate call: ${line}\n`) });
  const apiKey = env.VOXGATE_API_KEY?.trim() || null;
  const apiUrl = o.api ?? env.VOXGATE_API_URL?.trim() ?? `http://127.0.0.1:${config.api.port}`;
  let call: CallRecord | null = null;
  let note: string | null = null;
  if (!apiKey) note = 'Set VOXGATE_API_KEY (the organization\'s API key) to print the engine\'s transcript, end reason and latency waterfall.';
  else if (sip.answered) {
    try {
      call = await fetchCallRecord({ url: apiUrl, key: apiKey }, from, startedAt);
      if (!call) note = `No ended call from ${from} appeared at ${apiUrl} (a --to target that is not this engine has no record there).`;
    } catch (err) {
      note = `Could not read the call from ${apiUrl}: ${(err as Error).message}`;
    }
  }
  io.out(o.json ? JSON.stringify(jsonReport(sip, call, from), null, 2) + '\n' : formatReport(sip, call, note));
  return sip.answered ? 0 : 1;
}

function jsonReport(sip: TestCallResult, call: CallRecord | null, from: string): Record<string, unknown> {
  return { from, sip, call };
}
