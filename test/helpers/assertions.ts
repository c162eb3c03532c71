import assert from 'node:assert/strict';
import { DbfError } from '../../src/domain/errors.js';

/** Runs work that must fail with a DbfError, and answers that error for further checks. */
export async function rejection(work: () => Promise<unknown>): Promise<DbfError> {
  try {
    await work();
  } catch (error) {
    assert.ok(error instanceof DbfError, `expected a DbfError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}
