/**
 * Request validators. JSON bodies are checked strictly (no type coercion: `"5"` is not a number),
 * while path and query strings are coerced (`?limit=10` is an integer). Both strip unknown fields
 * of `additionalProperties: false` objects and fill schema defaults.
 */
import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

type AddFormats = (ajv: Ajv) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as unknown as AddFormats;

const common: Options = {
  removeAdditional: true,
  useDefaults: true,
  allErrors: true,
  // TypeBox and OpenAPI annotations (examples, description) are not validation keywords.
  strict: false,
};

function makeAjv(coerceTypes: Options['coerceTypes']): Ajv {
  const ajv = new Ajv({ ...common, coerceTypes });
  addFormats(ajv);
  return ajv;
}

export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const bodyAjv = makeAjv(false);
  const stringAjv = makeAjv('array');
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? bodyAjv : stringAjv;
    return ajv.compile(schema as object);
  };
}
