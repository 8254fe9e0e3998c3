/**
 * `voxgate call` (issue #15) against the engine with the fakes: the command, run as a user runs
 * it (a child process), dials a number of the engine, plays a WAV as the caller's voice after
 * the greeting, records what it heard, hangs up after --seconds, and prints the transcript, the
 * end reason and the latency waterfall it read back from the REST API.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeWavHeader } from '../../media/index.js';
import { isVoiced, silencePcm, speechPcm } from '../fakes/audio.js';
import { startTestEngine, type TestEngine } from '../call/engine.js';
import { callRow, eventually } from '../call/helpers.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NUMBER = '+31850015200';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A 16 kHz stereo WAV (the command converts to 8 kHz mono): speech, then a second of silence. */
function writeTestWav(path: string): void {
  const at8k = new Int16Array([...speechPcm(1200), ...silencePcm(1000)]);
  const frames = at8k.length * 2;
  const out = Buffer.alloc(44 + frames * 4);
  writeWavHeader(out, { sampleRate: 16000, channels: 2 }, frames * 4);
  for (let i = 0; i < frames; i++) {
    const s = at8k[Math.floor(i / 2)];
    out.writeInt16LE(s, 44 + i * 4);
    out.writeInt16LE(s, 44 + i * 4 + 2);
  }
  writeFileSync(path, out);
}

describe('voxgate call', () => {
  let engine: TestEngine;
  let apiUrl: string;
  const dir = mkdtempSync(join(tmpdir(), 'voxgate-call-'));

  beforeAll(async () => {
    engine = await startTestEngine({ realtime: { responseAudioMs: 800 } });
    await engine.agentWithNumber(NUMBER);
    await engine.api.listen({ port: 0, host: '127.0.0.1' });
    apiUrl = `http://127.0.0.1:${(engine.api.server.address() as AddressInfo).port}`;
  }, 60_000);
  afterAll(async () => {
    await engine?.close();
  });

  function voxgate(args: string[], env: Record<string, string> = {}): Promise<Run> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), ...args], {
        cwd: ROOT,
        env: { ...process.env, SIP_PORT: String(engine.sipPort), VOXGATE_API_URL: apiUrl, VOXGATE_API_KEY: engine.apiKey, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('calls the engine, plays the WAV, records, and prints the transcript, end reason and waterfall', async () => {
    engine.realtime.setScript({ turns: [{ transcript: 'What are your opening hours?', reply: { text: 'We are open nine to five.', audioMs: 800 } }] });
    const wav = join(dir, 'caller.wav');
    const record = join(dir, 'heard.wav');
    writeTestWav(wav);
    const run = await voxgate(['call', NUMBER, '--wav', wav, '--record', record, '--seconds', '7', '--from', '+31612015200']);
    expect(run.stderr).toContain('voxgate call: playing 2.2 s of caller audio');
    expect(run.code, run.stderr).toBe(0);

    // What the engine recorded: our caller ID, hung up by us, the caller's speech reached the model.
    const row = await engine.database.db.query<{ id: string }>(`SELECT id FROM calls WHERE caller_phone = '+31612015200'`);
    expect(row.rows).toHaveLength(1);
    await eventually(async () => (await callRow(engine, row.rows[0].id)).end_reason === 'customer-hangup', 5_000, 'the call to end');
    expect(isVoiced(engine.realtime.receivedAudio())).toBe(true);

    // What it printed.
    expect(run.stdout).toMatch(/^Answered in \d+ ms; first audio after \d+ ms; [67]\.\d s; hung up by caller; RTP \d+ packets sent, \d+ received$/m);
    expect(run.stdout).toContain(`Call ${row.rows[0].id}: ended, end reason customer-hangup`);
    expect(run.stdout).toMatch(/^ {2}agent : .*Hello, thanks for calling\. How can I help\?/m); // the greeting
    expect(run.stdout).toContain('caller: What are your opening hours?');
    expect(run.stdout).toContain('agent : We are open nine to five.');
    const waterfall = run.stdout.split("Latency waterfall (ms from the caller's last voiced packet):\n")[1];
    expect(waterfall).toMatch(/^ {2}turn +engine +end of turn +LLM request +first token +first sentence +TTS request +first audio +first RTP$/m);
    const turn = /^ {2}1 +realtime +(.*)$/m.exec(waterfall)?.[1].split(/ +/);
    expect(turn, waterfall).toHaveLength(7);
    // A realtime turn has no separate LLM and TTS requests; its first RTP follows its first audio.
    const [endOfTurn, llmRequest, , , ttsRequest, firstAudio, firstRtp] = turn!;
    expect([llmRequest, ttsRequest]).toEqual(['-', '-']);
    expect(Number(endOfTurn)).toBeGreaterThan(0);
    expect(Number(firstRtp)).toBeGreaterThanOrEqual(Number(firstAudio));

    // The recording holds what the caller heard: the greeting and the answer, at 8 kHz mono.
    expect(run.stdout).toContain(`Recording of what the caller heard: ${record}`);
    const heard = readFileSync(record);
    expect(heard.readUInt32LE(24)).toBe(8000);
    expect(heard.readUInt16LE(22)).toBe(1);
    const seconds = (heard.length - 44) / 16000;
    expect(seconds).toBeGreaterThan(5);
    expect(seconds).toBeLessThan(8);
    let loud = 0;
    for (let i = 44; i + 1 < heard.length; i += 2) if (Math.abs(heard.readInt16LE(i)) > 2000) loud += 1;
    expect(loud / 8000).toBeGreaterThan(0.5); // over half a second of voice (greeting 800 ms + answer 800 ms)
  }, 60_000);

  it('--json gives the same report as data; --to dials any SIP URI; a number nobody has is refused and exits 1; bad usage exits 2', async () => {
    const json = await voxgate(['call', NUMBER, '--seconds', '2', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as { sip: { answered: boolean; setupMs: number }; call: { status: string; end_reason: string; messages: unknown[] } };
    expect(report.sip.answered).toBe(true);
    expect(report.call).toMatchObject({ status: 'ended', end_reason: 'customer-hangup' });
    expect(report.call.messages.length).toBeGreaterThanOrEqual(1);

    // Any SIP target with --to; without an API key only the caller's own figures.
    const direct = await voxgate(['call', '--to', `sip:${NUMBER}@127.0.0.1:${engine.sipPort}`, '--seconds', '2'], { VOXGATE_API_KEY: '' });
    expect(direct.code, direct.stderr).toBe(0);
    expect(direct.stdout).toMatch(/^Answered in \d+ ms; first audio after \d+ ms;/m);
    expect(direct.stdout).not.toContain('Transcript:');
    expect(direct.stdout).toContain('Set VOXGATE_API_KEY');

    const refused = await voxgate(['call', '+31850015299', '--seconds', '2']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^Not answered: 404/m);

    const bad = await voxgate(['call', '0612345678']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('the number must be E.164');
    const noWav = await voxgate(['call', NUMBER, '--wav', join(dir, 'missing.wav')]);
    expect(noWav.code).toBe(2);
    expect(noWav.stderr).toMatch(/cannot read .*missing\.wav/);
  }, 60_000);
});
