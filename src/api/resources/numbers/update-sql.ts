/**
 * `SET a = $3, b = $4` for a PATCH: only the fields the client sent, in a fixed order, with
 * parameter numbers continuing after the ones the WHERE clause uses. Column names come from the
 * service's own code, never from the request.
 */
export interface SetClause {
  sql: string;
  values: unknown[];
}

export function setClause(fields: Record<string, unknown>, firstParam: number): SetClause {
  const entries = Object.entries(fields).filter(([, value]) => value !== undefined);
  return {
    sql: entries.map(([column], i) => `${column} = $${firstParam + i}`).join(', '),
    values: entries.map(([, value]) => value),
  };
}
