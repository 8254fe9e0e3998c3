/**
 * Voicemail detection (flireo-api B §5.2): on outbound calls the callee's first utterance is
 * checked once against indicator phrases, English and Dutch. A match means an answering machine:
 * the agent leaves `voicemail.message` (or nothing) and hangs up with reason `voicemail`.
 */

/** The documented English indicators (B §5.2), verbatim. */
const ENGLISH = [
  'voicemail', 'leave a message', 'please record', 'unavailable', 'not available', 'not here',
  'after the tone', 'after the beep', 'press star', 'speak your message', 'call back later',
  'mailbox', 'beep', 'message',
];

/** Dutch equivalents of the same phrases (the guide says English and Dutch are supported). */
const DUTCH = [
  'voicemail', 'spreek een bericht in', 'spreek uw bericht in', 'spreek je bericht in', 'na de piep',
  'na de toon', 'niet bereikbaar', 'niet beschikbaar', 'niet aanwezig', 'bericht achter',
  'laat een bericht', 'inspreken', 'ingesproken', 'druk op sterretje', 'terugbellen', 'later terug',
  'voicemailbox', 'piep', 'bericht',
];

export const VOICEMAIL_INDICATORS: readonly string[] = [...new Set([...ENGLISH, ...DUTCH])];

/** Lower case, punctuation to spaces, single spaces, padded so phrases match on word boundaries. */
function normalise(text: string): string {
  return ` ${text.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^a-z0-9]+/g, ' ').trim()} `;
}

const NORMALISED = VOICEMAIL_INDICATORS.map((p) => normalise(p));

/** The indicator found in `transcript`, or null. Whole words only ("messages" is not "message"). */
export function findVoicemailIndicator(transcript: string): string | null {
  const t = normalise(transcript);
  for (let i = 0; i < NORMALISED.length; i++) if (t.includes(NORMALISED[i])) return VOICEMAIL_INDICATORS[i];
  return null;
}

export type VoicemailVerdict = { voicemail: false } | { voicemail: true; indicator: string };

/** Checks the first final user transcript once; later transcripts are never checked. */
export class VoicemailDetector {
  private checked = false;

  constructor(private readonly active: boolean) {}

  /** A final user transcript arrived: a verdict for the first one, null afterwards or when off. */
  onUserTranscript(text: string): VoicemailVerdict | null {
    if (!this.active || this.checked || text.trim() === '') return null;
    this.checked = true;
    const indicator = findVoicemailIndicator(text);
    return indicator === null ? { voicemail: false } : { voicemail: true, indicator };
  }
}
