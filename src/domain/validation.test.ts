import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { DbfError } from './errors.js';
import { describeZodError, parseInput } from './validation.js';

const schema = z
  .object({
    name: z.string().min(1),
    server: z.object({ port: z.number().int() }).strict(),
    tags: z.array(z.string()).optional(),
  })
  .strict();

function zodError(value: unknown): z.ZodError {
  const result = schema.safeParse(value);
  assert.equal(result.success, false, 'the value should be invalid');
  return result.error as z.ZodError;
}

describe('describeZodError', () => {
  it('names the path of a nested invalid field', () => {
    const text = describeZodError(zodError({ name: 'a', server: { port: 'x' } }));
    assert.match(text, /^server\.port: /);
  });

  it('names an array element by its index', () => {
    const text = describeZodError(zodError({ name: 'a', server: { port: 1 }, tags: ['ok', 5] }));
    assert.match(text, /^tags\.1: /);
  });

  it('names a missing required field', () => {
    const text = describeZodError(zodError({ server: { port: 1 } }));
    assert.match(text, /^name: /);
  });

  it('names one unknown top-level key', () => {
    const text = describeZodError(zodError({ name: 'a', server: { port: 1 }, colour: 'red' }));
    assert.equal(text, 'unknown field "colour"');
  });

  it('names several unknown keys with their path', () => {
    const text = describeZodError(zodError({ name: 'a', server: { port: 1, prt: 2, hots: 'h' } }));
    assert.equal(text, 'unknown fields "server.prt", "server.hots"');
  });

  it('describes a failure at the root without a path', () => {
    const result = z.string().safeParse(42);
    assert.equal(result.success, false);
    const text = describeZodError(result.error as z.ZodError);
    assert.ok(text.length > 0);
    assert.doesNotMatch(text, /^[.:]/);
  });

  it('answers a fallback for an error without issues', () => {
    assert.equal(describeZodError(new z.ZodError([])), 'invalid value');
  });

  it('is one line', () => {
    const text = describeZodError(zodError({ name: '', server: { port: 1.5 }, extra: 1 }));
    assert.doesNotMatch(text, /\n/);
  });
});

describe('parseInput', () => {
  it('answers the parsed value when it is valid', () => {
    const value = parseInput(schema, { name: 'a', server: { port: 80 } });
    assert.deepEqual(value, { name: 'a', server: { port: 80 } });
  });

  it('throws DBF_INVALID_INPUT by default, with the issues as details', () => {
    assert.throws(
      () => parseInput(schema, { name: 'a', server: { port: 'x' } }),
      (error: unknown) => {
        assert.ok(error instanceof DbfError);
        assert.equal(error.code, 'DBF_INVALID_INPUT');
        assert.match(error.message, /^server\.port: /);
        const details = error.details as { issues: Array<{ path: Array<string | number> }> };
        assert.deepEqual(details.issues[0]?.path, ['server', 'port']);
        return true;
      },
    );
  });

  it('throws the given code, prefixing the message with what was parsed', () => {
    assert.throws(
      () => parseInput(schema, { name: 'a', server: { port: 1 }, bogus: true }, 'DBF_INVALID_SYNC_CONFIG', 'config.yaml'),
      (error: unknown) => {
        assert.ok(error instanceof DbfError);
        assert.equal(error.code, 'DBF_INVALID_SYNC_CONFIG');
        assert.equal(error.message, 'config.yaml: unknown field "bogus"');
        return true;
      },
    );
  });

  it('refuses a value that is not an object at all', () => {
    assert.throws(() => parseInput(schema, null), (error: unknown) => error instanceof DbfError && error.code === 'DBF_INVALID_INPUT');
  });
});
