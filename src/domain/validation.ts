import { z } from 'zod';
import { DbfError } from './errors.js';
import type { ErrorCode } from './errors.js';

/** One readable line from a zod failure: the first problem, naming the field. */
export function describeZodError(error: z.ZodError): string {
  return describeIssue(error.issues[0], []);
}

function describeIssue(issue: z.core.$ZodIssue | undefined, parent: PropertyKey[]): string {
  if (!issue) return 'invalid value';
  // A value that fits none of several forms: name what is wrong for the first (the main) form.
  if (issue.code === 'invalid_union' && issue.errors[0]?.[0]) return describeIssue(issue.errors[0][0], [...parent, ...issue.path]);
  const path = [...parent, ...issue.path].map(String).join('.');
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

/**
 * A whole number from a query string (or a number from code), `min`..`max`. Stricter than
 * `z.coerce.number()`, which takes "", "1e3" and "0x10" and answers NaN for words.
 */
export function wholeNumber(min: number, max: number): z.ZodType<number, number | string> {
  return z
    .union([z.number(), z.string().regex(/^-?\d+$/, 'must be a whole number')])
    .transform(Number)
    .pipe(z.number().int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
}
