/**
 * E.164 normalisation (ITU-T E.164 §6: at most 15 digits, the country code never starts with 0).
 * Input as people and carriers write it: `+31 85 083 5037`, `+31 (0)85-083 5037`, `0031850835037`,
 * `tel:+31850835037`. A national number (`085 083 5037`) cannot be read without knowing the
 * country, so it is refused rather than guessed.
 */

const E164 = /^\+[1-9]\d{6,14}$/;

export interface NormaliseOptions {
  /**
   * Accept bare international digits without `+` or `00` (`31850835037`). SIP trunks often send
   * the Request-URI user part this way; REST input does not, so it is off by default.
   */
  bareDigitsAreInternational?: boolean;
}

/** Returns the E.164 form (`+31850835037`) or null when the input cannot be read as one. */
export function normalizeE164(input: string, options: NormaliseOptions = {}): string | null {
  if (typeof input !== 'string' || input.length > 64) return null;
  let s = input.trim().replace(/^tel:/i, '');
  // "+31 (0)85…": the bracketed 0 is the national trunk prefix, dropped when dialling internationally.
  s = s.replace(/^(\+\d{1,3})\s*\(0\)/, '$1');
  s = s.replace(/[\s\-.()/]/g, '');
  if (s.startsWith('00')) s = '+' + s.slice(2);
  else if (!s.startsWith('+') && options.bareDigitsAreInternational && /^[1-9]\d{6,14}$/.test(s)) s = '+' + s;
  return E164.test(s) ? s : null;
}

export function isE164(value: string): boolean {
  return E164.test(value);
}
