import type { FastifySchemaCompiler } from 'fastify';
import { z } from 'zod';
import { DbfError, isDbfError } from '../domain/errors.js';
import type { ErrorCode } from '../domain/errors.js';
import { parseInput } from '../domain/validation.js';

/**
 * Route schemas without a second validator: each request part's JSON Schema (for Fastify and the
 * OpenAPI document) is derived from its zod schema with `z.toJSONSchema`, and Fastify's validator
 * compiler runs that same zod schema (or the parse function the catalogue uses), so what the docs say
 * and what the API accepts cannot disagree. A failure is a DbfError, which leaves in the envelope.
 */
export type JsonSchema = { [key: string]: unknown };

/** A request part as a route declares it: the zod schema, and optionally how the catalogue parses it. */
export interface InputSpec {
  readonly schema: z.ZodType;
  /** Code of a validation failure; default DBF_INVALID_INPUT. */
  readonly code?: ErrorCode;
  /** Parses instead of `schema` (e.g. a body whose form is picked by a field); must throw a DbfError. */
  readonly parse?: (value: unknown) => unknown;
}

interface Validator {
  readonly parse: (value: unknown) => unknown;
  /** Params and query strings become the parsed values; bodies stay as sent, for the service to parse. */
  readonly replace: boolean;
  readonly optional: boolean;
}

const validators = new WeakMap<object, Validator>();

export function partSchema(input: InputSpec, replace: boolean): JsonSchema {
  const json = z.toJSONSchema(input.schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  const parse = input.parse ?? ((value: unknown) => parseInput(input.schema, value, input.code));
  validators.set(json, { parse, replace, optional: input.schema.safeParse(undefined).success });
  return json;
}

/** A body schema that only admits nothing or `{}`: documented as no body at all. */
export function isNoBody(json: unknown): boolean {
  if (typeof json !== 'object' || json === null) return false;
  const properties = (json as JsonSchema).properties;
  return validators.get(json)?.optional === true && typeof properties === 'object' && properties !== null && Object.keys(properties).length === 0;
}

/** Fastify hands each route part's schema here once, at start; the returned function runs per request. */
export const zodValidatorCompiler: FastifySchemaCompiler<JsonSchema> = ({ schema, method, url, httpPart }) => {
  const validator = validators.get(schema);
  if (!validator) throw new Error(`${method} ${url}: the ${httpPart ?? 'request'} schema was not made by partSchema(), so nothing would validate it`);
  return (data: unknown) => {
    // Fastify passes null for a missing body.
    const value = data === null && httpPart === 'body' ? undefined : data;
    if (value === undefined && httpPart === 'body' && !validator.optional) {
      return { error: new DbfError('DBF_INVALID_INPUT', 'this request needs a JSON object body (Content-Type: application/json)') };
    }
    try {
      const parsed = validator.parse(value);
      return validator.replace ? { value: parsed } : true;
    } catch (error) {
      if (isDbfError(error)) return { error };
      throw error;
    }
  };
};
