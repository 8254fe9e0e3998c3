/**
 * Call metrics from the signalling service's events (TelephonyService.events): counted once per
 * call and per answer or media end, never per packet; the media figures come in the worker's
 * end-of-call report.
 */
import type { TelephonyService } from '../telephony/index.js';
import type { CallEnded, TurnLatencyField } from '../../media/index.js';
import type { MetricFamilies } from './families.js';

const STAGES: ReadonlyArray<[TurnLatencyField, string]> = [
  ['endOfTurnMs', 'end_of_turn'],
  ['llmRequestMs', 'llm_request'],
  ['llmFirstTokenMs', 'llm_first_token'],
  ['llmFirstSentenceMs', 'llm_first_sentence'],
  ['ttsRequestMs', 'tts_request'],
  ['ttsFirstAudioMs', 'tts_first_audio'],
  ['firstRtpMs', 'first_rtp'],
];

/** Where a provider error happened, from its stable code (media/providers/errors.ts). */
export function providerErrorStage(code: string): string {
  if (/^(connect_|auth_failed|handshake_failed|no_api_key)/.test(code)) return 'connect';
  if (code === 'config_rejected') return 'configure';
  if (code === 'no_response') return 'response';
  return 'session';
}

export function recordCallEvents(telephony: TelephonyService, m: MetricFamilies): void {
  telephony.events.on('call-answered', (a) => m.callSetup.observe({ direction: a.direction }, a.setupMs / 1000));
  telephony.events.on('call-final', (f) => {
    m.callsTotal.inc({ direction: f.direction, status: f.status, end_reason: f.endReason });
    if (f.direction === 'outbound' && f.sipStatus !== null && f.sipStatus >= 300) m.setupFailures.inc({ direction: 'outbound', sip_code: String(f.sipStatus) });
  });
  telephony.events.on('setup-failed', (f) => m.setupFailures.inc({ direction: f.direction, sip_code: String(f.sipStatus) }));
  telephony.events.on('media-ended', ({ ended }) => recordMediaEnd(m, ended));
  telephony.events.on('provider-error', ({ providers, code }) => {
    const short = code.slice('provider/'.length);
    m.providerErrors.inc({ provider: providers.join('+') || 'none', stage: providerErrorStage(short), code: short });
  });
}

function recordMediaEnd(m: MetricFamilies, ended: CallEnded): void {
  const rtp = ended.quality?.rtp;
  if (rtp) {
    m.rtpReceived.inc(rtp.packetsReceived);
    m.rtpLost.inc(rtp.packetsLost);
    if (rtp.packetsReceived > 0) m.rtpJitter.observe(rtp.jitterMs);
  }
  for (const turn of ended.latency?.turns ?? []) {
    for (const [field, stage] of STAGES) {
      const ms = turn[field];
      if (ms !== null) m.turnLatency.observe({ engine: turn.engine, stage }, ms / 1000);
    }
  }
  for (const b of ended.latency?.bargeIns ?? []) m.bargeIns.observe({ confirmed: String(b.confirmed) }, b.onsetToLastRtpMs / 1000);
}
