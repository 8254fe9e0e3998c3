/**
 * OpenAI's structured outputs with `strict: true` accept only closed objects whose every property
 * is required (research/pipeline.md §6). A user's schema rarely is, so the request gets a strict
 * copy — `additionalProperties: false`, every property required, the optional ones nullable — and
 * the answer is mapped back (nulls of optional properties dropped) before it is validated against
 * the user's own schema.
 */
type Schema = Record<string, unknown>;

const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

function isObjectSchema(s: Schema): boolean {
  return s.type === 'object' || (Array.isArray(s.type) && s.type.includes('object')) || (s.type === undefined && isSchema(s.properties));
}

function allowsNull(s: unknown): boolean {
  if (!isSchema(s)) return s === true;
  if (s.type === 'null' || (Array.isArray(s.type) && s.type.includes('null')) || s.nullable === true) return true;
  if (Array.isArray(s.enum) && s.enum.includes(null)) return true;
  return ['anyOf', 'oneOf'].some((k) => Array.isArray(s[k]) && (s[k] as unknown[]).some(allowsNull));
}

function nullable(s: Schema): Schema {
  if (allowsNull(s)) return s;
  if (typeof s.type === 'string' && s.enum === undefined) return { ...s, type: [s.type, 'null'] };
  if (Array.isArray(s.type) && s.enum === undefined) return { ...s, type: [...s.type, 'null'] };
  if (Array.isArray(s.anyOf)) return { ...s, anyOf: [...s.anyOf, { type: 'null' }] };
  return { anyOf: [s, { type: 'null' }] };
}

function strictNode(node: unknown): unknown {
  if (!isSchema(node)) return node;
  const s: Schema = { ...node };
  if (isSchema(s.properties)) {
    const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
    const props: Schema = {};
    for (const [key, child] of Object.entries(s.properties)) {
      const strictChild = strictNode(child);
      props[key] = required.has(key) || !isSchema(strictChild) ? strictChild : nullable(strictChild);
    }
    s.properties = props;
    s.required = Object.keys(props);
  }
  if (isObjectSchema(s)) {
    s.additionalProperties = false;
    s.properties ??= {};
    s.required ??= [];
  }
  if (s.items !== undefined) s.items = Array.isArray(s.items) ? s.items.map(strictNode) : strictNode(s.items);
  for (const key of ['anyOf', 'oneOf', 'allOf']) if (Array.isArray(s[key])) s[key] = (s[key] as unknown[]).map(strictNode);
  for (const key of ['$defs', 'definitions']) {
    if (isSchema(s[key])) s[key] = Object.fromEntries(Object.entries(s[key] as Schema).map(([k, v]) => [k, strictNode(v)]));
  }
  return s;
}

/** The strict copy, or null when the root is not an object (OpenAI requires an object root). */
export function toStrictSchema(schema: Schema): Schema | null {
  if (!isObjectSchema(schema)) return null;
  return strictNode(schema) as Schema;
}

/** Undoes the nullable optionals of `toStrictSchema` in an answer, guided by the user's schema. */
export function dropNullOptionals(value: unknown, schema: unknown): unknown {
  if (!isSchema(schema)) return value;
  if (Array.isArray(value)) return isSchema(schema.items) ? value.map((v) => dropNullOptionals(v, schema.items)) : value;
  if (!isSchema(value) || !isSchema(schema.properties)) return value;
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const out: Schema = {};
  for (const [key, v] of Object.entries(value)) {
    const child = schema.properties[key];
    if (v === null && !required.has(key) && !allowsNull(child)) continue;
    out[key] = dropNullOptionals(v, child);
  }
  return out;
}
