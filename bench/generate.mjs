// Generates the benchmark dataset of shared/reference/performance.md in the source database:
//
//   node bench/generate.mjs [--scale 1.0] [--seed 1] [--db dbf_bench_src] [--force]
//
// orders 1,000,000 × scale, events 2,000,000 × scale, blobs 20,000 × scale rows. Every value is
// computed on the server by INSERT … SELECT from MariaDB's SEQUENCE engine (seq_1_to_N), from
// CRC32/SHA2 of (seed, row number): no client-side data, no randomness, so two runs with the same
// seed and scale produce byte-identical tables (and equal CHECKSUM TABLE values).
//
// The scale and seed are recorded in each table's COMMENT; a dataset that is already there with
// the same scale, seed and row counts is kept (generation at full scale takes a while).
import { connect, isMain, log, MAIN, parseArgs, qid, rowsAtScale, SRC_DB, TABLES } from './lib.mjs';

// Bumped when the shape of the generated data changes, so an old dataset is regenerated.
const GENERATOR_VERSION = 1;

// Rows per INSERT … SELECT statement: keeps each transaction (undo log) moderate at full scale.
const CHUNK = 100_000;
// blobs are ~10 KiB each: fewer per statement.
const BLOB_CHUNK = 2_000;

/** Text fragments for orders.note: 4-byte emoji, CJK, every kind of quote, newlines, backslashes. */
const NOTE_FRAGMENTS = [
  'Order for Zoë — "express" please',
  'Größe 42; Straße & Co. <b>bold</b>',
  '注文番号 漢字テスト 한국어 中文字符',
  'emoji 🚀🎉👍🏽 and 🇩🇪 flag',
  "it's a \\backslash\\ and `tick` and 'single'",
  'line one\nline two\r\n\ttabbed end',
  'plain ascii note without anything special',
  'percent % underscore _ semicolon ; dash --',
];
const NOTE_TAILS = ['✓ ok', '¿qué? ¡sí!', '—', 'Ω≈ç√∫', '😀', '"', "'", '\\'];

const STATUSES = ['new', 'paid', 'shipped', 'cancelled', 'refunded', 'on hold'];

function schemaSql(db, scale, seed) {
  const comment = (t) => `'dbferry-bench ${t} v${GENERATOR_VERSION} scale=${scale} seed=${seed}'`;
  return [
    `CREATE TABLE ${qid(db)}.orders (
      id BIGINT NOT NULL,
      customer_id INT NOT NULL,
      amount DECIMAL(12,2) NOT NULL,
      status VARCHAR(20) NOT NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at TIMESTAMP NULL DEFAULT NULL,
      note TEXT NULL,
      payload JSON NULL,
      PRIMARY KEY (id),
      KEY idx_customer (customer_id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci COMMENT=${comment('orders')}`,
    `CREATE TABLE ${qid(db)}.events (
      device_id INT NOT NULL,
      ts BIGINT NOT NULL,
      kind TINYINT UNSIGNED NOT NULL,
      value DOUBLE NOT NULL,
      PRIMARY KEY (device_id, ts)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci COMMENT=${comment('events')}`,
    `CREATE TABLE ${qid(db)}.blobs (
      id INT NOT NULL,
      name VARCHAR(64) NOT NULL,
      data BLOB NULL,
      PRIMARY KEY (id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci COMMENT=${comment('blobs')}`,
  ];
}

/** 32-bit deterministic hash of (seed, stream, row): CRC32 is cheap and good enough for spread. */
const h = (seed, stream, col = 'seq') => `CRC32(CONCAT('${seed}:${stream}:', ${col}))`;

function ordersInsert(conn, db, seed, from, to) {
  const esc = (list) => list.map((s) => conn.escape(s)).join(', ');
  // Ids start above 2^32 so BIGINT values do not fit an INT (and lose precision as JS numbers
  // only above 2^53, which a BIGINT client path must still not rely on).
  return `INSERT INTO ${qid(db)}.orders
    SELECT
      5000000000 + seq,
      h1 % 100000,
      CAST((h2 % 10000000) / 100 AS DECIMAL(12,2)),
      ELT(1 + h1 % ${STATUSES.length}, ${esc(STATUSES)}),
      TIMESTAMP('2020-01-01 00:00:00') + INTERVAL ((h3 * 37) % 157680000000) * 1000 MICROSECOND,
      IF(h2 % 10 = 0, NULL, FROM_UNIXTIME(1577836800 + (h3 % 150000000))),
      CASE
        WHEN h4 % 50 = 0 THEN NULL
        WHEN h4 % 50 = 1 THEN ''
        ELSE CONCAT(
          ELT(1 + h4 % ${NOTE_FRAGMENTS.length}, ${esc(NOTE_FRAGMENTS)}), ' | ',
          ELT(1 + h2 % ${NOTE_FRAGMENTS.length}, ${esc(NOTE_FRAGMENTS)}), ' | ',
          LEFT(REPEAT(MD5(h3), 2), 20 + h1 % 45), ' ',
          ELT(1 + h3 % ${NOTE_TAILS.length}, ${esc(NOTE_TAILS)}))
      END,
      IF(h1 % 20 = 0, NULL, JSON_OBJECT(
        'sku', CONCAT('SKU-', LPAD(h2 % 1000000, 6, '0')),
        'qty', 1 + h3 % 9,
        'price', CAST((h4 % 100000) / 100 AS DECIMAL(10,4)),
        'gift', IF(h1 % 2 = 0, TRUE, FALSE),
        'tags', JSON_ARRAY('a', CONCAT('t', h4 % 7)),
        'memo', IF(h3 % 3 = 0, 'naïve "quoted" ✓', NULL)))
    FROM (
      SELECT seq, ${h(seed, 'o1')} AS h1, ${h(seed, 'o2')} AS h2, ${h(seed, 'o3')} AS h3, ${h(seed, 'o4')} AS h4
      FROM seq_${from}_to_${to}
    ) AS g`;
}

function eventsInsert(db, seed, from, to) {
  // 2,000 events per device, ts strictly increasing within a device (a minute apart plus jitter
  // under a minute), so the rows arrive in primary-key order and generation stays fast.
  // value: a DOUBLE over 21 orders of magnitude with a full 53-bit mantissa (two 32-bit hashes),
  // so the server prints 16–17 significant digits (performance.md trap 2: a parseFloat/String
  // round trip changes the last digit of some of these).
  return `INSERT INTO ${qid(db)}.events
    SELECT
      1 + (seq - 1) DIV 2000,
      1600000000000 + ((seq - 1) % 2000) * 60000 + h1 % 60000,
      h2 % 8,
      ((h1 + h3 / 4294967296e0) / 4294967296e0 - 0.5e0) * POW(10e0, CAST(h2 % 21 AS SIGNED) - 10)
    FROM (
      SELECT seq, ${h(seed, 'e1')} AS h1, ${h(seed, 'e2')} AS h2, ${h(seed, 'e3')} AS h3
      FROM seq_${from}_to_${to}
    ) AS g`;
}

function blobsInsert(db, seed, from, to) {
  // 4–16 KiB of pseudo-random bytes (every byte value, NULs and quotes included) built from
  // 64-byte SHA-512 blocks; 1 in 20 rows NULL, 1 in 20 empty.
  return `INSERT INTO ${qid(db)}.blobs
    SELECT
      b.seq,
      CONCAT('blob-', b.seq),
      CASE
        WHEN b.h1 % 20 = 0 THEN NULL
        WHEN b.h1 % 20 = 1 THEN ''
        ELSE LEFT(GROUP_CONCAT(UNHEX(SHA2(CONCAT('${seed}:b:', b.seq, ':', c.seq), 512))
                               ORDER BY c.seq SEPARATOR ''), b.len)
      END
    FROM (
      SELECT seq, ${h(seed, 'b1')} AS h1, 4096 + ${h(seed, 'b2')} % 12289 AS len
      FROM seq_${from}_to_${to}
    ) AS b
    JOIN seq_1_to_256 AS c ON c.seq <= CEIL(b.len / 64)
    GROUP BY b.seq, b.h1, b.len`;
}

/** Per table: { comment, count } of what is in `db` now (null when the table is missing). */
async function currentState(conn, db) {
  const out = {};
  for (const t of TABLES) {
    const [rows] = await conn.query(
      'SELECT TABLE_COMMENT AS c FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
      [db, t],
    );
    if (rows.length === 0) {
      out[t] = null;
      continue;
    }
    const [[{ n }]] = await conn.query(`SELECT COUNT(*) AS n FROM ${qid(db)}.${qid(t)}`);
    out[t] = { comment: rows[0].c, count: Number(n) };
  }
  return out;
}

/**
 * Makes sure `db` on the main server holds the dataset at `scale`; generates it when not.
 * Returns { generated, seconds, rows } (rows: per table).
 */
export async function ensureDataset({ scale, seed = 1, db = SRC_DB, force = false, server = MAIN }) {
  const rows = rowsAtScale(scale);
  const conn = await connect(server);
  try {
    if (!force) {
      const state = await currentState(conn, db);
      const intact = TABLES.every(
        (t) =>
          state[t] !== null &&
          state[t].comment === `dbferry-bench ${t} v${GENERATOR_VERSION} scale=${scale} seed=${seed}` &&
          state[t].count === rows[t],
      );
      if (intact) return { generated: false, seconds: 0, rows };
    }
    const started = Date.now();
    log(`generating ${db} at scale ${scale} (seed ${seed}): ${TABLES.map((t) => `${t} ${rows[t]}`).join(', ')}`);
    await conn.query(`DROP DATABASE IF EXISTS ${qid(db)}`);
    await conn.query(`CREATE DATABASE ${qid(db)} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
    for (const stmt of schemaSql(db, scale, seed)) await conn.query(stmt);
    // seq_1_to_N tables resolve in the current database (any database has them).
    await conn.query(`USE ${qid(db)}`);
    // The blob builder concatenates up to 256 × 64 bytes per row.
    await conn.query('SET SESSION group_concat_max_len = 1048576');
    const plans = [
      ['orders', CHUNK, (a, b) => ordersInsert(conn, db, seed, a, b)],
      ['events', CHUNK, (a, b) => eventsInsert(db, seed, a, b)],
      ['blobs', BLOB_CHUNK, (a, b) => blobsInsert(db, seed, a, b)],
    ];
    for (const [table, chunk, build] of plans) {
      const t0 = Date.now();
      for (let from = 1; from <= rows[table]; from += chunk) {
        const to = Math.min(rows[table], from + chunk - 1);
        await conn.query(build(from, to));
      }
      log(`  ${table}: ${rows[table]} rows in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    // Fresh statistics so information_schema sizes (printed by run.mjs) are meaningful.
    await conn.query(`ANALYZE TABLE ${TABLES.map((t) => `${qid(db)}.${qid(t)}`).join(', ')}`);
    return { generated: true, seconds: (Date.now() - started) / 1000, rows };
  } finally {
    await conn.end();
  }
}

if (isMain(import.meta.url)) {
  const opts = parseArgs(
    process.argv.slice(2),
    { scale: 'number', seed: 'number', db: 'string', force: 'boolean' },
    { scale: 1, seed: 1, db: SRC_DB, force: false },
  );
  const res = await ensureDataset(opts);
  console.log(
    res.generated
      ? `generated ${opts.db} (scale ${opts.scale}) in ${res.seconds.toFixed(1)} s`
      : `${opts.db} already holds the dataset at scale ${opts.scale} (seed ${opts.seed}); --force regenerates`,
  );
}
