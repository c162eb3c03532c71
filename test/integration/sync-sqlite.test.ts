import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { dbferry } from '../helpers/cli.js';

/**
 * `dbferry sync` SQLite → SQLite through the CLI: tables with their indexes and triggers, and with
 * `--objects` the views (one reading another), which then answer the same rows on the copy.
 */

const SCHEMA = `
CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id), amount REAL, note TEXT);
CREATE INDEX ix_child_parent ON child(parent_id);
CREATE TABLE audit (at TEXT, what TEXT);
CREATE TRIGGER trg_child_ai AFTER INSERT ON child BEGIN INSERT INTO audit VALUES ('now', 'child ' || NEW.id); END;
CREATE VIEW v_totals AS SELECT parent_id, SUM(amount) AS total, COUNT(*) AS n FROM child GROUP BY parent_id;
CREATE VIEW v_named_totals AS SELECT p.name, t.total, t.n FROM parent p JOIN v_totals t ON t.parent_id = p.id;
`;

describe('dbferry sync, SQLite to SQLite', () => {
  const home = mkdtempSync(join(tmpdir(), 'dbferry-sqlite-sync-'));
  const sourceFile = join(home, 'source.db');
  after(() => rmSync(home, { recursive: true, force: true }));
  const run = (args: string[]) => dbferry(['--home', home, '--log-level', 'silent', ...args], { cwd: home });

  const source = new Database(sourceFile);
  source.exec(SCHEMA);
  const insert = source.prepare('INSERT INTO child (id, parent_id, amount, note) VALUES (?, ?, ?, ?)');
  source.transaction(() => {
    for (let p = 1; p <= 20; p += 1) source.prepare('INSERT INTO parent VALUES (?, ?)').run(p, `parent ${p} ✓`);
    for (let c = 1; c <= 5_000; c += 1) insert.run(c, 1 + (c % 20), c / 8, c % 3 === 0 ? null : `note ${c}`);
  })();
  source.close();

  it('copies tables, indexes and triggers; --objects adds the views, which read the copy', async () => {
    const plain = join(home, 'plain.db');
    const first = await run(['sync', '--from', `sqlite:${sourceFile}`, '--to', `sqlite:${plain}`]);
    assert.equal(first.exitCode, 0, first.stderr);
    const copy = new Database(plain, { readonly: true });
    const kinds = (db: Database.Database) => db.prepare("SELECT type || ' ' || name AS o FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY 1").all().map((r) => (r as { o: string }).o);
    assert.deepEqual(kinds(copy), ['index ix_child_parent', 'table audit', 'table child', 'table parent', 'trigger trg_child_ai'], 'no views without --objects');
    copy.close();

    const plan = await run(['--json', 'sync', '--from', `sqlite:${sourceFile}`, '--to', `sqlite:${join(home, 'full.db')}`, '--objects', '--dry-run']);
    assert.equal(plan.exitCode, 0, plan.stderr);
    assert.deepEqual((JSON.parse(plan.stdout) as { data: { objects: Array<{ kind: string; name: string }> } }).data.objects, [{ kind: 'view', name: 'v_totals' }, { kind: 'view', name: 'v_named_totals' }]);
    const full = await run(['sync', '--from', `sqlite:${sourceFile}`, '--to', `sqlite:${join(home, 'full.db')}`, '--objects']);
    assert.equal(full.exitCode, 0, full.stderr);
    const src = new Database(sourceFile, { readonly: true });
    const dst = new Database(join(home, 'full.db'));
    try {
      assert.deepEqual(kinds(dst), kinds(src), 'the same tables, indexes, triggers and views');
      const read = (db: Database.Database) => db.prepare('SELECT * FROM v_named_totals ORDER BY name').all();
      assert.deepEqual(read(dst), read(src), 'the views answer the same rows on the copy');
      dst.prepare('INSERT INTO child (id, parent_id, amount) VALUES (99999, 1, 1.5)').run();
      assert.equal((dst.prepare("SELECT COUNT(*) AS n FROM audit WHERE what = 'child 99999'").get() as { n: number }).n, 1, 'the trigger fires on the copy');
      const audits = (db: Database.Database) => (db.prepare('SELECT COUNT(*) AS n FROM audit').get() as { n: number }).n;
      assert.equal(audits(dst), audits(src) + 1, 'and did not fire during the copy (the copy holds the source audit rows, plus this one)');
    } finally {
      src.close();
      dst.close();
    }
    const again = await run(['sync', '--from', `sqlite:${sourceFile}`, '--to', `sqlite:${join(home, 'full.db')}`, '--objects']);
    assert.equal(again.exitCode, 0, `a second run over the copy with its views: ${again.stderr}`);
  });
});
