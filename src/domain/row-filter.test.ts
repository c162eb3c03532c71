import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DbfError } from './errors.js';
import { checkRowFilter } from './row-filter.js';

function refused(filter: string, message?: RegExp): void {
  assert.throws(
    () => checkRowFilter(filter),
    (error: unknown) => {
      assert.ok(error instanceof DbfError, `expected a DbfError for ${JSON.stringify(filter)}`);
      assert.equal(error.code, 'DBF_INVALID_FILTER', filter);
      if (message) assert.match(error.message, message, filter);
      return true;
    },
    `${JSON.stringify(filter)} should be refused`,
  );
}

describe('checkRowFilter accepts plain row conditions', () => {
  const plain = [
    "status = 'paid' AND total > 10",
    "name LIKE '%;%'",
    "note = 'a -- b /* c */ # d'",
    "note = 'drop table x; delete from y'",
    'id IN (1,2,3)',
    "created_at >= '2024-01-01'",
    "(status = 'paid' OR status = 'refunded') AND NOT (total < 0)",
    "name = 'O''Brien'",
    '`order` > 5',
    '"select" IS NOT NULL',
    'updated_at > created_at AND deleted_at IS NULL',
    'is_deleted = 0 AND reset_count < 3 AND settings_id IS NULL',
    'id IN (SELECT order_id FROM paid_orders)',
    'total BETWEEN 10 AND 20\n  AND currency = \'EUR\'',
  ];
  for (const filter of plain) {
    it(`accepts ${JSON.stringify(filter)}`, () => {
      assert.equal(checkRowFilter(filter), filter);
    });
  }

  it('answers the filter trimmed', () => {
    assert.equal(checkRowFilter('  id > 1 \n'), 'id > 1');
  });

  it('accepts a filter of exactly 4000 characters', () => {
    const filter = `id > ${'1'.repeat(3995)}`;
    assert.equal(filter.length, 4000);
    assert.equal(checkRowFilter(filter), filter);
  });
});

describe('checkRowFilter refuses what is not a row condition', () => {
  it('refuses a second statement', () => {
    refused('1=1; DROP TABLE x', /";"/);
    refused("status = 'a'; SELECT 1", /";"/);
  });

  it('refuses comments that could cut off the rest of the query', () => {
    refused('1=1 -- x', /comment/);
    refused('1=1 /* */', /comment/);
    refused('1=1 */', /comment/);
    refused('1=1 # x', /comment/);
    refused('1=1 /*!50000 OR 1=1 */', /comment/);
  });

  it('refuses stalling functions', () => {
    refused('id = 1 OR SLEEP(5)', /"SLEEP"/);
    refused('id = 1 OR BENCHMARK(1000000, MD5(1))', /"BENCHMARK"/);
    refused('id = 1 OR pg_sleep(5) IS NULL', /"pg_sleep"/);
  });

  it('refuses named locks, replication waits and sequences, whose reads have side effects', () => {
    refused("id = 1 OR GET_LOCK('x', 100) = 1", /"GET_LOCK"/);
    refused("RELEASE_LOCK('x') IS NULL", /"RELEASE_LOCK"/);
    refused("MASTER_POS_WAIT('bin.000001', 4) = 0", /"MASTER_POS_WAIT"/);
    refused("MASTER_GTID_WAIT('0-1-100') = 0", /"MASTER_GTID_WAIT"/);
    refused('pg_advisory_lock(1) IS NULL', /"pg_advisory_lock"/);
    refused("id < nextval('s')", /"nextval"/);
    refused('id < NEXT VALUE FOR s', /NEXT VALUE FOR/);
    refused('id < next\n  value  for s', /NEXT VALUE FOR/);
    refused("load_extension('/tmp/x.so') IS NULL", /"load_extension"/);
    refused("writefile('/tmp/x', name) > 0", /"writefile"/);
  });

  it('accepts columns whose names only contain those words', () => {
    for (const filter of ['next_value > 1', 'lock_count = 0 AND get_lock_at IS NULL', "value = 'next value for x'", '`next` = 1 AND value > 2']) {
      assert.equal(checkRowFilter(filter), filter);
    }
  });

  for (const word of ['insert', 'update', 'delete', 'drop', 'alter', 'truncate', 'grant', 'call', 'set', 'lock', 'commit', 'pragma', 'attach', 'kill']) {
    it(`refuses the write or control word "${word}" in any case`, () => {
      refused(`id = 1 OR ${word} x`, new RegExp(`"${word}"`));
      refused(`id = 1 OR ${word.toUpperCase()} x`);
    });
  }

  it('refuses reading and writing files', () => {
    refused("id = 1 INTO OUTFILE '/tmp/x'", /"INTO"/);
    refused("id IN (SELECT 1 INTO DUMPFILE '/tmp/x')", /"INTO"/);
    refused("LOAD_FILE('/etc/passwd') IS NOT NULL", /"LOAD_FILE"/);
    refused("id = 1 OR load_file('/etc/passwd') = ''", /"load_file"/);
  });

  it('refuses an unterminated quote of each kind', () => {
    refused("name = 'abc", /unterminated ' quote/);
    refused('name = "abc', /unterminated " quote/);
    refused('`name = 1', /unterminated ` quote/);
  });

  it('refuses unbalanced parentheses', () => {
    refused('(id = 1', /parenthes/);
    refused('id = 1)', /parenthes/);
    refused(') OR (1=1', /parenthes/);
    refused('id IN ((1,2)', /parenthes/);
  });

  it('counts no parenthesis inside a string', () => {
    assert.equal(checkRowFilter("name = '('"), "name = '('");
  });

  it('refuses an empty or blank filter', () => {
    refused('', /empty/);
    refused('   \n\t', /empty/);
  });

  it('refuses a filter longer than 4000 characters', () => {
    refused(`id > ${'1'.repeat(3996)}`, /longer than 4000/);
  });

  it('refuses control characters', () => {
    refused('id = 1\u0000', /control/);
    refused('id = 1\u001b', /control/);
  });
});

describe('checkRowFilter reads strings the way every engine does', () => {
  it("refuses a backslash that would close a string early where \\ is not an escape (PostgreSQL, SQLite)", () => {
    // MySQL reads '\'' as one quote; PostgreSQL reads '\' as a string holding a backslash, leaving the rest live.
    refused("name = '\\' ; DROP TABLE x; -- '");
    refused("name = '\\' OR pg_sleep(5) IS NULL -- '");
  });

  it('refuses a double-quoted backslash that MySQL reads as an escape', () => {
    // MySQL (default sql_mode) reads "\"" as one quote, so what looks quoted here is live there.
    refused('name = "\\" " OR SLEEP(5) OR " \\""');
  });

  it('refuses a PostgreSQL dollar-quoted string', () => {
    refused("x = $$ ' $$ ; DROP TABLE x; --'", /dollar quote/);
    refused("x = $tag$ ' $tag$ OR pg_sleep(5) IS NULL -- '");
  });

  it("refuses a MySQL-only \\' escape, which PostgreSQL reads as the end of the string", () => {
    refused("name = 'it\\'s'", /unterminated/);
  });

  it("still accepts '' as the portable way to quote a quote", () => {
    assert.equal(checkRowFilter("name = 'it''s'"), "name = 'it''s'");
  });

  it('accepts a backslash that reads the same in every engine', () => {
    assert.equal(checkRowFilter("path LIKE 'C:\\\\%'"), "path LIKE 'C:\\\\%'");
  });
});

describe('checkRowFilter: readings of other engines', () => {
  it("refuses text that SQLite would read as a [bracketed] name followed by live SQL", () => {
    assert.throws(() => checkRowFilter("[x'] OR 1=1 OR '"), (error: unknown) => error instanceof DbfError && error.code === 'DBF_INVALID_FILTER');
  });

  it('refuses set operators that would change what the query returns', () => {
    for (const filter of ['id IN (SELECT id FROM t UNION SELECT 1)', 'id = 1 INTERSECT SELECT 1', 'id = 1 EXCEPT SELECT 2']) {
      assert.throws(() => checkRowFilter(filter), (error: unknown) => error instanceof DbfError && error.code === 'DBF_INVALID_FILTER', filter);
    }
  });

  it('still accepts a subquery that only filters', () => {
    assert.equal(checkRowFilter('customer_id IN (SELECT id FROM vip)'), 'customer_id IN (SELECT id FROM vip)');
  });
});
