import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { DbfError, ERROR_CATALOGUE, ERROR_CODES, isDbfError, oneLine, toDbfError } from './errors.js';
import type { ErrorCode } from './errors.js';

const SRC_DIR = fileURLToPath(new URL('../', import.meta.url));
const ERRORS_MD = fileURLToPath(new URL('../../docs/ERRORS.md', import.meta.url));
const ERRORS_TS = fileURLToPath(new URL('./errors.ts', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

interface DocRow {
  readonly code: string;
  readonly httpStatus: number;
  readonly exitCode: number;
  readonly retryable: string;
}

/** Catalogue rows of docs/ERRORS.md: `| \`DBF_X\` | 400 | 2 | no | meaning | action |`. */
function documentedRows(): DocRow[] {
  const rows: DocRow[] = [];
  for (const line of readFileSync(ERRORS_MD, 'utf8').split('\n')) {
    const match = /^\|\s*`?(DBF_[A-Za-z0-9_]*)`?\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(yes|no)\s*\|/.exec(line);
    if (match) rows.push({ code: match[1] ?? '', httpStatus: Number(match[2]), exitCode: Number(match[3]), retryable: match[4] ?? '' });
  }
  return rows;
}

describe('error catalogue', () => {
  it('names every code DBF_ in upper case', () => {
    assert.ok(ERROR_CODES.length > 0);
    for (const code of ERROR_CODES) assert.match(code, /^DBF_[A-Z_]+$/);
  });

  it('has one-line default messages', () => {
    for (const code of ERROR_CODES) {
      const { message } = ERROR_CATALOGUE[code];
      assert.ok(message.length > 0, `${code} has an empty message`);
      assert.doesNotMatch(message, /[\r\n]/, `${code} message spans lines`);
    }
  });

  it('uses only the exit codes of product.md', () => {
    for (const code of ERROR_CODES) assert.ok([1, 2, 3, 130].includes(ERROR_CATALOGUE[code].exitCode), code);
  });
});

describe('docs/ERRORS.md', () => {
  const rows = documentedRows();

  it('documents every code with its HTTP status, exit code and retryability', () => {
    for (const code of ERROR_CODES) {
      const row = rows.find((r) => r.code === code);
      assert.ok(row, `${code} is not documented in docs/ERRORS.md`);
      const spec = ERROR_CATALOGUE[code];
      assert.equal(row.httpStatus, spec.httpStatus, `${code}: HTTP status`);
      assert.equal(row.exitCode, spec.exitCode, `${code}: exit code`);
      assert.equal(row.retryable, spec.retryable ? 'yes' : 'no', `${code}: retryable`);
    }
  });

  it('documents no code that is not in the catalogue, and none twice', () => {
    const known = new Set<string>(ERROR_CODES);
    for (const row of rows) assert.ok(known.has(row.code), `${row.code} is documented but not in ERROR_CATALOGUE`);
    assert.equal(new Set(rows.map((r) => r.code)).size, rows.length, 'a code is documented twice');
  });

  it('mentions no DBF_ code anywhere that the catalogue lacks', () => {
    const known = new Set<string>(ERROR_CODES);
    const mentioned = readFileSync(ERRORS_MD, 'utf8').match(/DBF_[A-Z_]+/g) ?? [];
    for (const code of mentioned) assert.ok(known.has(code), `${code} is mentioned but not in ERROR_CATALOGUE`);
  });
});

describe('every code is raised somewhere', () => {
  const files = sourceFiles(SRC_DIR).filter((file) => file !== ERRORS_TS);
  const sources = new Map(files.map((file) => [file, readFileSync(file, 'utf8')]));
  /** Codes that errors.ts itself raises, and the function through which other files raise them. */
  const raisedByErrorsTs: Partial<Record<ErrorCode, string>> = { DBF_INTERNAL: 'toDbfError' };

  it('finds the source files', () => {
    assert.ok(files.length > 10, `only ${files.length} source files found under ${SRC_DIR}`);
  });

  for (const code of ERROR_CODES) {
    it(`raises ${code}`, () => {
      const via = raisedByErrorsTs[code];
      if (via !== undefined) {
        assert.match(readFileSync(ERRORS_TS, 'utf8'), new RegExp(`new DbfError\\('${code}'`), `errors.ts no longer raises ${code}`);
        const callers = [...sources].filter(([, text]) => text.includes(`${via}(`)).map(([file]) => relative(SRC_DIR, file));
        assert.ok(callers.length > 0, `${code} is raised by ${via}, which nothing calls`);
        return;
      }
      const raisers = [...sources].filter(([, text]) => text.includes(`'${code}'`)).map(([file]) => relative(SRC_DIR, file));
      assert.ok(raisers.length > 0, `${code} is in the catalogue but no source file outside errors.ts raises it`);
    });
  }
});

describe('DbfError', () => {
  it('takes the default message and spec from the catalogue', () => {
    const error = new DbfError('DBF_INVALID_PORT');
    assert.equal(error.message, ERROR_CATALOGUE.DBF_INVALID_PORT.message);
    assert.equal(error.code, 'DBF_INVALID_PORT');
    assert.equal(error.name, 'DbfError');
    assert.deepEqual(error.spec, ERROR_CATALOGUE.DBF_INVALID_PORT);
    assert.ok(error instanceof Error);
    assert.ok(isDbfError(error));
  });

  it('keeps a given message, cause and details', () => {
    const cause = new Error('driver said no');
    const details = { field: 'port' };
    const error = new DbfError('DBF_INVALID_INPUT', 'port: too big', { cause, details });
    assert.equal(error.message, 'port: too big');
    assert.equal(error.cause, cause);
    assert.equal(error.details, details);
  });

  it('has no cause and no details when none are given', () => {
    const error = new DbfError('DBF_INTERNAL');
    assert.equal(error.cause, undefined);
    assert.equal(error.details, undefined);
    assert.equal('cause' in error, false);
  });

  it('isDbfError refuses plain errors and look-alikes', () => {
    assert.equal(isDbfError(new Error('x')), false);
    assert.equal(isDbfError({ code: 'DBF_INTERNAL', message: 'x' }), false);
    assert.equal(isDbfError(null), false);
  });
});

describe('toDbfError', () => {
  it('returns a DbfError unchanged', () => {
    const error = new DbfError('DBF_CONN_REFUSED');
    assert.equal(toDbfError(error), error);
  });

  it('wraps an Error as DBF_INTERNAL, keeping it as the cause', () => {
    const original = new TypeError('cannot read x of undefined');
    const wrapped = toDbfError(original);
    assert.equal(wrapped.code, 'DBF_INTERNAL');
    assert.equal(wrapped.cause, original);
    assert.match(wrapped.message, /cannot read x of undefined/);
    assert.equal(wrapped.spec.exitCode, 1);
  });

  it('wraps a thrown non-Error value', () => {
    const wrapped = toDbfError('boom');
    assert.equal(wrapped.code, 'DBF_INTERNAL');
    assert.equal(wrapped.cause, 'boom');
    assert.match(wrapped.message, /boom/);
  });

  it('makes a multi-line message one line', () => {
    const wrapped = toDbfError(new Error('first line\n    at somewhere\n  second'));
    assert.doesNotMatch(wrapped.message, /\n/);
    assert.match(wrapped.message, /first line at somewhere second/);
  });
});

describe('oneLine', () => {
  it('joins lines with single spaces and trims', () => {
    assert.equal(oneLine('  a\n  b\r\nc \n'), 'a b c');
  });
});
