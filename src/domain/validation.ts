import type { z } from 'zod';
import { DbfError } from './errors.js';
import type { ErrorCode } from './errors.js';

/** One readable line from a zod failure: the first problem, naming the field. */
export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid value';
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (path ? `${path}.${k}` : k));
    return `unknown field${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}`;
  }
  return path ? `${path}: ${issue.message}` : issue.message;
}

/** Parses untrusted input with a schema, answering a DbfError (default DBF_INVALID_INPUT) on failure. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, code: ErrorCode = 'DBF_INVALID_INPUT', what = ''): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const prefix = what ? `${what}: ` : '';
    throw new DbfError(code, `${prefix}${describeZodError(result.error)}`, { details: { issues: result.error.issues } });
  }
  return result.data;
}
