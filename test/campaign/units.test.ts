/**
 * The dialer's pure rules: the calling window on a time zone's wall clock (weekdays, the end
 * exclusive, both daylight-saving changes), placeholders, outcomes and the retry schedule.
 */
import { describe, expect, it } from 'vitest';
import { attemptOutcome, nextStep } from '../../src/campaigns/outcome.js';
import { renderTemplate } from '../../src/campaigns/template.js';
import { isOpen, localTime } from '../../src/campaigns/window.js';

const WEEKDAYS = { start: '09:00:00', end: '17:00:00', days: ['mon', 'tue', 'wed', 'thu', 'fri'] };

describe('calling window', () => {
  it('reads the wall clock of the zone, across the spring-forward change (Europe/Amsterdam, 29 March 2026)', () => {
    // Friday before: CET (UTC+1): 09:00 local is 08:00 UTC.
    expect(isOpen(WEEKDAYS, 'Europe/Amsterdam', new Date('2026-03-27T07:59:59Z'))).toBe(false);
    expect(isOpen(WEEKDAYS, 'Europe/Amsterdam', new Date('2026-03-27T08:00:00Z'))).toBe(true);
    // Monday after: CEST (UTC+2): 09:00 local is 07:00 UTC, and 08:00 UTC is already 10:00.
    expect(isOpen(WEEKDAYS, 'Europe/Amsterdam', new Date('2026-03-30T06:59:59Z'))).toBe(false);
    expect(isOpen(WEEKDAYS, 'Europe/Amsterdam', new Date('2026-03-30T07:00:00Z'))).toBe(true);
    expect(isOpen(WEEKDAYS, 'Europe/Amsterdam', new Date('2026-03-30T14:59:59Z'))).toBe(true);
    expect(isOpen(WEEKDAYS, 'Europe/Amsterdam', new Date('2026-03-30T15:00:00Z'))).toBe(false);
  });

  it('fall back (America/New_York, 1 November 2026) and the weekday of the zone, not of UTC', () => {
    expect(localTime(new Date('2026-10-30T13:00:00Z'), 'America/New_York')).toEqual({ day: 'fri', time: '09:00:00' });
    expect(localTime(new Date('2026-11-02T14:00:00Z'), 'America/New_York')).toEqual({ day: 'mon', time: '09:00:00' });
    // Saturday 02:00 UTC is still Friday evening in New York, outside 09–17; Monday 03:00 UTC is Sunday there.
    expect(isOpen({ ...WEEKDAYS, end: '23:00:00' }, 'America/New_York', new Date('2026-10-31T02:00:00Z'))).toBe(true);
    expect(isOpen({ ...WEEKDAYS, end: '23:00:00' }, 'America/New_York', new Date('2026-11-02T03:00:00Z'))).toBe(false);
  });

  it('the days listed only', () => {
    const sat = new Date('2026-06-06T12:00:00Z');
    expect(isOpen(WEEKDAYS, 'UTC', sat)).toBe(false);
    expect(isOpen({ ...WEEKDAYS, days: ['sat'] }, 'UTC', sat)).toBe(true);
  });
});

describe('placeholders', () => {
  it('fills known ones and names the unknown ones instead of leaving them empty', () => {
    expect(renderTemplate('Hi {{name}}, about {{ company }}.', { name: 'Jan', company: 'Acme' })).toEqual({ ok: true, text: 'Hi Jan, about Acme.' });
    expect(renderTemplate('Hi {{name}}, about {{order}} and {{order}}.', { name: 'Jan' })).toEqual({ ok: false, missing: ['order'] });
  });
});

describe('outcomes and retries', () => {
  const policy = { maxAttempts: 3, retryDelayMinutes: 60, retryDelaysMinutes: null };
  const now = new Date('2026-06-01T10:00:00Z');

  it('classifies calls', () => {
    expect(attemptOutcome({ status: 'ended', endReason: 'customer-hangup', sipStatus: null, answered: true })).toBe('completed');
    expect(attemptOutcome({ status: 'ended', endReason: 'voicemail', sipStatus: null, answered: true })).toBe('voicemail');
    expect(attemptOutcome({ status: 'failed', endReason: 'busy', sipStatus: 486, answered: false })).toBe('busy');
    expect(attemptOutcome({ status: 'failed', endReason: 'no-answer', sipStatus: 487, answered: false })).toBe('no-answer');
    expect(attemptOutcome({ status: 'failed', endReason: 'failed', sipStatus: 484, answered: false })).toBe('invalid-number');
    expect(attemptOutcome({ status: 'failed', endReason: 'failed', sipStatus: 503, answered: false })).toBe('failed');
  });

  it('retries until max_attempts, with widening delays when given', () => {
    expect(nextStep('busy', 1, policy, now)).toEqual({ status: 'pending', retryAt: new Date('2026-06-01T11:00:00Z') });
    expect(nextStep('busy', 3, policy, now)).toEqual({ status: 'failed' });
    expect(nextStep('invalid-number', 1, policy, now)).toEqual({ status: 'failed' });
    expect(nextStep('completed', 1, policy, now)).toEqual({ status: 'completed' });
    const widening = { maxAttempts: 5, retryDelayMinutes: 60, retryDelaysMinutes: [30, 120] };
    expect(nextStep('no-answer', 1, widening, now)).toEqual({ status: 'pending', retryAt: new Date('2026-06-01T10:30:00Z') });
    expect(nextStep('no-answer', 2, widening, now)).toEqual({ status: 'pending', retryAt: new Date('2026-06-01T12:00:00Z') });
    expect(nextStep('no-answer', 4, widening, now)).toEqual({ status: 'pending', retryAt: new Date('2026-06-01T12:00:00Z') });
  });
});
