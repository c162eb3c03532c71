// The incremental-sync benchmark (issue 5):
//
//   node bench/incremental.mjs [--rows 2000000] [--runs 3] [--keep]
//
// On a table of --rows rows with an indexed updated_at (3306, dbf_bench_inc_src.items), copied across
// servers to 3307 (dbf_bench_inc_dst), all without verification:
//   full         `dbferry sync --mode full` of the table (an empty target each run);
//   incremental  after 1% of the rows changed, `dbferry sync --mode incremental` (the mark from a
//                previous run; the default 300 s overlap);
//   deletes      after 0.1% of the rows were deleted, `--mode incremental --detect-deletes`.
// Both servers get a buffer pool of --buffer-pool-mib (default 1024; `keep` leaves them as they are) for
// the benchmark, restored afterwards: a server holds the tables it serves in memory, and the
// default 128 MiB is smaller than this table (~280 MiB with its indexes), so every run, full or
// incremental, would mostly measure page reads through the pool.
// Each run is checked afterwards: CHECKSUM TABLE of the copy equals the source's. Prints the medians,
// the ratio incremental / full (target ≤ 0.10) and saves bench/results/<time>-incremental.{md,json}.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BENCH_DIR, connect, ensureSecondServer, log, MAIN, median, parseArgs, qid, recreateDatabase, ROOT_DIR, SECOND, settleServers, sh, timedShell } from './lib.mjs';

const opts = parseArgs(process.argv.slice(2), { rows: 'number', runs: 'number', keep: 'boolean', home: 'string', 'buffer-pool-mib': 'string' }, {
  rows: 2_000_000, runs: 3, keep: false, home: '/var/tmp/dbferry-bench-inc-home', 'buffer-pool-mib': '1024',
});
// A size in MiB, or `keep` to leave both servers' buffer pools as they are configured.
const POOL_MIB = opts['buffer-pool-mib'] === 'keep' ? 0 : Number(opts['buffer-pool-mib']);
if (!(POOL_MIB === 0 || (Number.isInteger(POOL_MIB) && POOL_MIB > 0))) throw new Error('--buffer-pool-mib takes a size in MiB or keep');
const CLI = resolve(ROOT_DIR, 'dist/bin/dbferry.js');
const SRC = 'dbf_bench_inc_src';
const DST = 'dbf_bench_inc_dst';
const FROM = `mysql://${MAIN.user}@${MAIN.host}:${MAIN.port}/${SRC}`;
const TO = `mysql://${SECOND.user}@${SECOND.host}:${SECOND.port}/${DST}`;

async function sql(server, text, db) {
  const conn = await connect(server, db);
  try {
    const [rows] = await conn.query(text);
    return rows;
  } finally {
    await conn.end();
  }
}

async function generate() {
  const rows = await sql(MAIN, `SELECT table_comment AS c FROM information_schema.tables WHERE table_schema = '${SRC}' AND table_name = 'items'`);
  if (rows[0]?.c === `rows=${opts.rows}`) {
    log(`${SRC}.items already holds ${opts.rows} rows`);
    return;
  }
  log(`generating ${SRC}.items (${opts.rows} rows)…`);
  await recreateDatabase(MAIN, SRC);
  await sql(MAIN, `CREATE TABLE items (
      id BIGINT PRIMARY KEY, account INT NOT NULL, amount DECIMAL(12,2) NOT NULL, note VARCHAR(120),
      updated_at DATETIME(3) NOT NULL, KEY (account), KEY (updated_at)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT 'generating'`, SRC);
  await sql(MAIN, `INSERT INTO items SELECT seq, seq % 10007, (seq * 7919 % 1000000) / 100, CONCAT('note ', seq, ' ✓ ', REPEAT('x', seq % 60)),
      '2026-01-01' + INTERVAL (seq DIV 10) SECOND FROM seq_1_to_${opts.rows}`, SRC);
  await sql(MAIN, 'ANALYZE TABLE items', SRC);
  // Marked complete only now: a generation cut short is not taken for the dataset next time.
  await sql(MAIN, `ALTER TABLE items COMMENT 'rows=${opts.rows}'`, SRC);
}

async function checksum(server, db) {
  const [row] = await sql(server, `CHECKSUM TABLE ${qid(db)}.items`);
  return String(row.Checksum);
}

async function dbferry(args) {
  const res = await timedShell(`TIME ${sh(process.execPath)} ${sh(CLI)} sync --from ${sh(FROM)} --to ${sh(TO)} --tables items --no-verify --json --home ${sh(opts.home)} ${args}`, { quiet: true });
  if (res.code !== 0) throw new Error(`dbferry ${args} exited ${res.code}: ${res.stdout.slice(-400)} ${res.stderr.slice(-400)}`);
  const doc = JSON.parse(res.stdout.trim().split('\n').at(-1));
  return { wall: res.wall, rss: res.rssMiB, cpu: res.cpu, rows: doc.data.processed_rows };
}

async function checked(label, step) {
  // Idle servers before each timed run, as in run.mjs: no run pays for the writes of the one before.
  await settleServers();
  const result = await step();
  const [a, b] = [await checksum(MAIN, SRC), await checksum(SECOND, DST)];
  if (a !== b) throw new Error(`${label}: the copy differs from the source (CHECKSUM TABLE ${b} vs ${a})`);
  log(`${label}: ${result.wall.toFixed(2)} s, ${result.rows} rows, peak RSS ${result.rss.toFixed(0)} MiB — copy equals the source`);
  return result;
}

/** Sets innodb_buffer_pool_size on both servers; answers what to restore (nothing with 0). */
async function sizeBufferPools(mib) {
  if (mib <= 0) return [];
  const restore = [];
  for (const server of [MAIN, SECOND]) {
    const [row] = await sql(server, 'SELECT @@innodb_buffer_pool_size AS size');
    restore.push({ server, size: Number(row.size) });
    await sql(server, `SET GLOBAL innodb_buffer_pool_size = ${mib * 1024 * 1024}`);
  }
  log(`buffer pools of both servers set to ${mib} MiB for the benchmark`);
  return restore;
}

/**
 * Puts the generated table back: rows an earlier run (or anyone) changed get their generated values
 * again, deleted ones come back. Without it a run's overlap window re-reads the previous run's
 * changes (they are within 300 s of its mark), and the runs would not measure the same work.
 */
async function restoreTable() {
  const generated = {
    account: 'id % 10007', amount: '(id * 7919 % 1000000) / 100', note: "CONCAT('note ', id, ' ✓ ', REPEAT('x', id % 60))", updated_at: "'2026-01-01' + INTERVAL (id DIV 10) SECOND",
  };
  const differs = Object.entries(generated).map(([column, value]) => `NOT (${column} <=> ${value})`).join(' OR ');
  await sql(MAIN, `UPDATE items SET ${Object.entries(generated).map(([column, value]) => `${column} = ${value}`).join(', ')} WHERE ${differs}`, SRC);
  await sql(MAIN, `INSERT INTO items SELECT seq, seq % 10007, (seq * 7919 % 1000000) / 100, CONCAT('note ', seq, ' ✓ ', REPEAT('x', seq % 60)),
      '2026-01-01' + INTERVAL (seq DIV 10) SECOND FROM seq_1_to_${opts.rows} s LEFT JOIN items i ON i.id = s.seq WHERE i.id IS NULL`, SRC);
}

async function measure() {
  const changed = Math.round(opts.rows / 100);
  const deleted = Math.round(opts.rows / 1000);
  const results = { full: [], incremental: [], clustered: [], deletes: [] };
  for (let run = 1; run <= opts.runs; run += 1) {
    log(`run ${run} of ${opts.runs}`);
    await restoreTable();
    await recreateDatabase(SECOND, DST);
    results.full.push(await checked('full', () => dbferry('--mode full')));
    // The first incremental run over an existing copy records the mark (it copies the table in full).
    await recreateDatabase(SECOND, DST);
    await checked('first incremental (records the mark)', () => dbferry('--mode incremental'));
    // 1% of the rows change, spread over the table (every 100th key, shifted per run): the worst case
    // for both servers, which then touch nearly every page of the table in key order's disorder.
    await sql(MAIN, `UPDATE items SET amount = amount + 1, note = CONCAT('changed ', ${run}), updated_at = NOW(3) WHERE id % 100 = ${run}`, SRC);
    results.incremental.push(await checked(`incremental (${changed} rows changed, spread)`, () => dbferry('--mode incremental')));
    // 1% of the rows change in one key range (recent orders, one account's rows): how applications
    // usually change their tables.
    const from = Math.floor(((run * 37) % 90) / 100 * opts.rows);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await sql(MAIN, `UPDATE items SET amount = amount + 2, note = CONCAT('range ', ${run}), updated_at = NOW(3) WHERE id > ${from} AND id <= ${from + changed}`, SRC);
    results.clustered.push(await checked(`incremental (${changed} rows changed, one key range)`, () => dbferry('--mode incremental --overlap 0')));
    await sql(MAIN, `DELETE FROM items WHERE id % 1000 = ${500 + run}`, SRC);
    results.deletes.push(await checked(`incremental --detect-deletes (${deleted} rows deleted)`, () => dbferry('--mode incremental --detect-deletes')));
  }
  return { results, changed, deleted };
}

await ensureSecondServer();
const restorePools = await sizeBufferPools(POOL_MIB);
let measured;
try {
  await generate();
  measured = await measure();
} finally {
  for (const { server, size } of restorePools) await sql(server, `SET GLOBAL innodb_buffer_pool_size = ${size}`);
}
const { results, changed, deleted } = measured;
const m = (list, key) => median(list.map((r) => r[key]));
const full = m(results.full, 'wall');
const inc = m(results.incremental, 'wall');
const del = m(results.deletes, 'wall');
const clustered = m(results.clustered, 'wall');
const ratio = inc / full;
const clusteredRatio = clustered / full;
const lines = [
  `## dbferry incremental benchmark — ${new Date().toISOString().slice(0, 19).replace('T', ' ')} UTC`,
  '',
  `items: ${opts.rows.toLocaleString("en")} rows, indexed updated_at; 3306 → 3307; buffer pools ${POOL_MIB > 0 ? `${POOL_MIB} MiB` : "as configured"}; medians of ${opts.runs} runs, no verification.`,
  '',
  '| run | wall s | rows copied | peak RSS MiB | client CPU s |',
  '|---|---|---|---|---|',
  `| full clone of the table | ${full.toFixed(2)} | ${m(results.full, 'rows')} | ${m(results.full, 'rss').toFixed(0)} | ${m(results.full, 'cpu').toFixed(1)} |`,
  `| incremental, ${changed.toLocaleString('en')} rows (1%) changed | ${inc.toFixed(2)} | ${m(results.incremental, 'rows')} | ${m(results.incremental, 'rss').toFixed(0)} | ${m(results.incremental, 'cpu').toFixed(1)} |`,
  `| incremental, ${changed.toLocaleString('en')} rows (1%) in one key range changed, --overlap 0 | ${clustered.toFixed(2)} | ${m(results.clustered, 'rows')} | ${m(results.clustered, 'rss').toFixed(0)} | ${m(results.clustered, 'cpu').toFixed(1)} |`,
  `| incremental --detect-deletes, ${deleted.toLocaleString('en')} rows (0.1%) deleted | ${del.toFixed(2)} | ${m(results.deletes, 'rows')} | ${m(results.deletes, 'rss').toFixed(0)} | ${m(results.deletes, 'cpu').toFixed(1)} |`,
  '',
  `- incremental / full, rows spread over the table: **${ratio.toFixed(3)}** (target ≤ 0.10: ${ratio <= 0.1 ? 'met' : 'NOT met'})`,
  `- incremental / full, rows in one key range: **${clusteredRatio.toFixed(3)}** (target ≤ 0.10: ${clusteredRatio <= 0.1 ? 'met' : 'NOT met'})`,
  `- runs (s): full ${results.full.map((r) => r.wall.toFixed(2)).join(', ')}; incremental ${results.incremental.map((r) => r.wall.toFixed(2)).join(', ')}; one range ${results.clustered.map((r) => r.wall.toFixed(2)).join(', ')}; detect-deletes ${results.deletes.map((r) => r.wall.toFixed(2)).join(', ')}`,
];
const text = `${lines.join('\n')}\n`;
process.stdout.write(text);
const dir = join(BENCH_DIR, 'results');
mkdirSync(dir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
writeFileSync(join(dir, `${stamp}-incremental.md`), text);
writeFileSync(join(dir, `${stamp}-incremental.json`), JSON.stringify({ opts, results, ratio, clusteredRatio }, null, 2));
if (!opts.keep) await sql(SECOND, `DROP DATABASE IF EXISTS ${qid(DST)}`);
