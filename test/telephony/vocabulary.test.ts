/**
 * One vocabulary (DESIGN §5.1): the call statuses and end reasons of src/telephony/vocabulary.ts
 * are exactly what the database accepts and what the API schema declares; the state machine
 * allows only the documented transitions; SIP final responses map to the documented outcomes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Call } from '../../src/api/resources/calls/schema.js';
import { CallState, transition } from '../../src/telephony/call-state.js';
import { CALL_STATUSES, DIRECTIONS, END_REASONS, FINAL_STATUS, sipOutcome } from '../../src/telephony/vocabulary.js';
import { createTestDatabase, type TestDatabase } from '../helpers/index.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

/** The values of a `CHECK (column IN ('a', 'b', …))` constraint on `calls`. */
async function checkValues(column: string): Promise<string[]> {
  const { rows } = await database.db.query<{ def: string }>(
    `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'calls'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE $1`,
    [`%(${column} = ANY%`],
  );
  expect(rows).toHaveLength(1);
  return [...rows[0].def.matchAll(/'([^']+)'::text/g)].map((m) => m[1]).sort();
}

describe('call vocabulary', () => {
  it('the database constraints accept exactly the statuses, end reasons and directions of the vocabulary', async () => {
    expect(await checkValues('status')).toEqual([...CALL_STATUSES].sort());
    expect(await checkValues('end_reason')).toEqual([...END_REASONS].sort());
    expect(await checkValues('direction')).toEqual([...DIRECTIONS].sort());
  });

  it('the API schema declares the same lists', () => {
    const props = Call.properties as Record<string, { enum?: string[]; anyOf?: Array<{ enum?: string[] }> }>;
    expect([...(props.status.enum ?? [])].sort()).toEqual([...CALL_STATUSES].sort());
    const endReason = props.end_reason.anyOf?.find((s) => s.enum)?.enum ?? [];
    expect([...endReason].sort()).toEqual([...END_REASONS].sort());
  });

  it('maps SIP final responses to outcomes: 486/600 busy, 603 declined, 408/480/487 no-answer, others failed', () => {
    expect([486, 600].map(sipOutcome)).toEqual(['busy', 'busy']);
    expect(sipOutcome(603)).toBe('declined');
    expect([408, 480, 487].map(sipOutcome)).toEqual(['no-answer', 'no-answer', 'no-answer']);
    expect([401, 403, 404, 484, 488, 500, 503].map(sipOutcome)).toEqual(Array(7).fill('failed'));
    for (const outcome of ['busy', 'declined', 'no-answer', 'failed'] as const) expect(FINAL_STATUS[outcome]).toBe('failed');
  });
});

describe('call state machine', () => {
  it('an outbound call goes connecting → ringing → in-progress → ended; an inbound one ringing → in-progress', () => {
    const outbound = new CallState('connecting');
    expect(outbound.apply({ kind: 'ringing' })).toBe(true);
    expect(outbound.apply({ kind: 'answered' })).toBe(true);
    expect(outbound.status).toBe('in-progress');
    expect(outbound.apply({ kind: 'end', reason: 'customer-hangup' })).toBe(true);
    expect(outbound.status).toBe('ended');
    expect(outbound.isLive).toBe(false);
    const inbound = new CallState('ringing');
    expect(inbound.apply({ kind: 'answered' })).toBe(true);
    expect(inbound.status).toBe('in-progress');
  });

  it('refuses undefined transitions and leaves the status as it was', () => {
    const call = new CallState('ringing');
    expect(call.apply({ kind: 'forwarding' })).toBe(false);
    expect(call.status).toBe('ringing');
    call.apply({ kind: 'end', reason: 'busy' });
    expect(call.status).toBe('failed');
    expect(call.apply({ kind: 'answered' })).toBe(false);
    expect(call.apply({ kind: 'end', reason: 'agent-hangup' })).toBe(false);
    expect(call.status).toBe('failed');
  });

  it('a transfer goes forwarding → in-progress when it fails, and stays transferred when the bridged call ends', () => {
    expect(transition('in-progress', { kind: 'forwarding' })).toBe('forwarding');
    expect(transition('forwarding', { kind: 'transfer-failed' })).toBe('in-progress');
    expect(transition('forwarding', { kind: 'bridged' })).toBe('transferred');
    expect(transition('transferred', { kind: 'end', reason: 'customer-hangup' })).toBe('transferred');
  });

  it('a call refused before it was answered ends rejected; a call whose node died ends with an error', () => {
    expect(transition('ringing', { kind: 'end', reason: 'rejected' })).toBe('rejected');
    expect(transition('in-progress', { kind: 'end', reason: 'node-failure' })).toBe('ended-with-error');
  });
});
