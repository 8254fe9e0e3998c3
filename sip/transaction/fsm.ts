/**
 * Table-driven state machines for the RFC 3261 §17 transactions (pjsip/sipgo style): a union of
 * states, a union of inputs (messages, timer expiries, transport errors), and one table mapping
 * (state, input) to the next state and the effects to run. Pairs missing from the table are
 * refused: `step` returns `undefined` and the caller drops the input.
 */

export interface Rule<S extends string, E extends string> {
  readonly next: S;
  readonly effects: readonly E[];
}

export type Table<S extends string, I extends string, E extends string> = {
  readonly [state in S]: Partial<Readonly<Record<I, Rule<S, E>>>>;
};

export function step<S extends string, I extends string, E extends string>(
  table: Table<S, I, E>,
  state: S,
  input: I,
): Rule<S, E> | undefined {
  return table[state][input];
}

/** Shorthand for writing table rows. */
export function rule<S extends string, E extends string>(next: S, ...effects: E[]): Rule<S, E> {
  return { next, effects };
}
