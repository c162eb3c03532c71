import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SAMPLE_TABLES } from '../../src/demo/sample-database.js';
import { dbferry } from '../helpers/cli.js';

/**
 * The README's first command, end to end on the embedded default: `dbferry demo` builds the sample
 * SQLite database and clones it as a real, recorded job; the copy holds every row and every value
 * with its storage class, the job is in the history, and `verify` agrees.
 */

/** Every row of a table as text that keeps storage classes (quote() distinguishes 5 from 5.0, '' from X''). */
function fingerprint(db: Database.Database, table: string): string[] {
  const columns = (db.prepare(`SELECT name FROM pragma_table_info('${table}')`).all() as Array<{ name: string }>).map((c) => c.name);
  const select = columns.map((c) => `typeof("${c}") || ':' || quote("${c}")`).join(" || '|' || ");
  return (db.prepare(`SELECT ${select} AS r FROM "${table}"`).all() as Array<{ r: string }>).map((r) => r.r).sort();
}

describe('dbferry demo', () => {
  const home = mkdtempSync(join(tmpdir(), 'dbferry-demo-'));
  after(() => rmSync(home, { recursive: true, force: true }));

  it('builds the sample and clones it as a recorded, verified job', async () => {
    const result = await dbferry(['--home', home, '--log-level', 'silent', 'demo'], { cwd: home });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, /^built the sample database .*shop\.db \(425,000 rows in [\d.]+ s\)$/m);
    const id = /^job (\S+) completed in .*: 5\/5 tables, 425,000 rows, .*every table verified$/m.exec(result.stdout)?.[1];
    assert.ok(id, result.stdout);
    const source = new Database(join(home, 'demo', 'shop.db'), { readonly: true });
    const copy = new Database(join(home, 'demo', 'shop-copy.db'), { readonly: true });
    try {
      for (const { name, rows } of SAMPLE_TABLES) {
        assert.equal((copy.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n, rows, `rows of ${name}`);
        assert.deepEqual(fingerprint(copy, name), fingerprint(source, name), `values of ${name}`);
      }
    } finally {
      source.close();
      copy.close();
    }
    const shown = await dbferry(['--home', home, '--json', 'jobs', 'show', id], { cwd: home });
    const job = (JSON.parse(shown.stdout) as { data: { status: string; trigger: string; tables: Array<{ status: string; verified: boolean }> } }).data;
    assert.deepEqual([job.status, job.trigger, job.tables.every((t) => t.status === 'completed' && t.verified)], ['completed', 'cli', true]);
    const verify = await dbferry(['--home', home, 'verify', '--from', `sqlite:${join(home, 'demo', 'shop.db')}`, '--to', `sqlite:${join(home, 'demo', 'shop-copy.db')}`], { cwd: home });
    assert.equal(verify.exitCode, 0, verify.stderr);
    assert.match(verify.stdout, /all 5 tables are equal/);
    const again = await dbferry(['--home', home, '--log-level', 'silent', 'demo'], { cwd: home });
    assert.equal(again.exitCode, 0, again.stderr);
    assert.match(again.stdout, /the sample database .* exists/);
  });
});
