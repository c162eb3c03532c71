// Shared helpers of the benchmark scripts: where the servers are, argument parsing, running a
// command under /usr/bin/time -v, and the clone verification (row counts + CHECKSUM TABLE).
// Plain Node ESM on purpose: the harness must run without a build step and must not be a test.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import mysql from 'mysql2/promise';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const ROOT_DIR = dirname(BENCH_DIR);

// The two servers: the main one (the source, and the target of the same-server methods) and the
// second instance started by second-server.sh (the target of the cross-server methods).
export const MAIN = { host: '127.0.0.1', port: 3306, user: 'root', password: '' };
export const SECOND = { host: '127.0.0.1', port: 3307, user: 'root', password: '' };

export const SRC_DB = 'dbf_bench_src';
export const TABLES = ['orders', 'events', 'blobs'];

// Rows per table at scale 1.0 (the dataset of shared/reference/performance.md).
export const FULL_ROWS = { orders: 1_000_000, events: 2_000_000, blobs: 20_000 };

export function rowsAtScale(scale) {
  const out = {};
  for (const t of TABLES) out[t] = Math.max(1, Math.round(FULL_ROWS[t] * scale));
  return out;
}

/** True when the module at `metaUrl` is the script node was started with. */
export function isMain(metaUrl) {
  return process.argv[1] !== undefined && metaUrl === pathToFileURL(process.argv[1]).href;
}

/**
 * Minimal `--name value` / `--flag` parser. `spec` maps option names to 'string' | 'number' |
 * 'boolean' and gives the defaults; an unknown option is an error rather than silently ignored,
 * because a typo in --scale would otherwise benchmark the wrong dataset.
 */
export function parseArgs(argv, spec, defaults) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument: ${arg}`);
    const [name, inline] = arg.slice(2).split('=', 2);
    const kind = spec[name];
    if (kind === undefined) throw new Error(`unknown option --${name}`);
    if (kind === 'boolean') {
      out[name] = true;
      continue;
    }
    const raw = inline ?? argv[++i];
    if (raw === undefined) throw new Error(`--${name} needs a value`);
    if (kind === 'number') {
      const n = Number(raw);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
      out[name] = n;
    } else {
      out[name] = raw;
    }
  }
  return out;
}

/**
 * A mysql2 connection with the settings that keep verification honest: utf8mb4 (the Debian
 * default of some clients is utf8mb3, which turns emoji into '?'), UTC session time zone so
 * TIMESTAMPs are generated and compared the same way on both servers.
 */
export async function connect(server, database) {
  const conn = await mysql.createConnection({
    ...server,
    database,
    charset: 'UTF8MB4_GENERAL_CI',
    multipleStatements: false,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
  });
  await conn.query("SET time_zone = '+00:00'");
  return conn;
}

export const qid = (name) => '`' + String(name).replaceAll('`', '``') + '`';

export async function recreateDatabase(server, db) {
  const conn = await connect(server);
  try {
    await conn.query(`DROP DATABASE IF EXISTS ${qid(db)}`);
    await conn.query(`CREATE DATABASE ${qid(db)} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
  } finally {
    await conn.end();
  }
}

export async function dropDatabase(server, db) {
  const conn = await connect(server);
  try {
    await conn.query(`DROP DATABASE IF EXISTS ${qid(db)}`);
  } finally {
    await conn.end();
  }
}

/** Per table: exact COUNT(*) and CHECKSUM TABLE (null when the table is missing). */
export async function tableFingerprints(server, db) {
  const conn = await connect(server, undefined);
  const out = {};
  try {
    for (const t of TABLES) {
      const [exists] = await conn.query(
        'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
        [db, t],
      );
      if (exists.length === 0) {
        out[t] = null;
        continue;
      }
      const [[{ n }]] = await conn.query(`SELECT COUNT(*) AS n FROM ${qid(db)}.${qid(t)}`);
      // CHECKSUM TABLE hashes every row's stored bytes: it catches the changed DOUBLE digit or the
      // '?' emoji that equal row counts hide (performance.md, traps 2 and 4).
      const [[row]] = await conn.query(`CHECKSUM TABLE ${qid(db)}.${qid(t)}`);
      out[t] = { count: String(n), checksum: row.Checksum === null ? null : String(row.Checksum) };
    }
  } finally {
    await conn.end();
  }
  return out;
}

/**
 * Compares a clone with the source fingerprints. Returns { ok, detail } where detail names the
 * first differences, e.g. "blobs: checksum 123 != 456".
 */
export async function verifyClone(sourcePrints, server, db) {
  const got = await tableFingerprints(server, db);
  const problems = [];
  for (const t of TABLES) {
    const want = sourcePrints[t];
    const have = got[t];
    if (have === null) {
      problems.push(`${t}: missing`);
      continue;
    }
    if (have.count !== want.count) problems.push(`${t}: rows ${have.count} != ${want.count}`);
    if (have.checksum !== want.checksum) problems.push(`${t}: checksum ${have.checksum} != ${want.checksum}`);
  }
  return { ok: problems.length === 0, detail: problems.join('; ') };
}

/**
 * Runs `bash -c script` where the script prefixes each client process with `TIME` (a shell
 * function running it under `/usr/bin/time -v -o <own file>`), so a pipeline like
 * `TIME mysqldump … | TIME mysql …` gets one report per side. Returns wall seconds (measured
 * here, around the whole script), the peak RSS of the largest client process, client CPU seconds
 * (user+sys, summed over the processes), the exit code and the output.
 */
export async function timedShell(script, { env = {}, quiet = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'dbf-bench-time-'));
  // mktemp per call, not a counter: the two sides of a pipeline run in separate subshells, so a
  // shell variable counter would give both the same file.
  const prelude = [
    'set -o pipefail',
    `TIME() { /usr/bin/time -v -o "$(mktemp -p ${sh(dir)} t.XXXXXX)" "$@"; }`,
  ].join('\n');
  const started = process.hrtime.bigint();
  const { code, stdout, stderr } = await run('bash', ['-c', `${prelude}\n${script}`], { env, quiet });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  let rssKiB = 0;
  let cpu = 0;
  for (const name of readdirSync(dir)) {
    const text = readFileSync(join(dir, name), 'utf8');
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(text);
    const user = /User time \(seconds\): ([\d.]+)/.exec(text);
    const sys = /System time \(seconds\): ([\d.]+)/.exec(text);
    if (rss) rssKiB = Math.max(rssKiB, Number(rss[1]));
    if (user) cpu += Number(user[1]);
    if (sys) cpu += Number(sys[1]);
  }
  rmSync(dir, { recursive: true, force: true });
  return { code, stdout, stderr, wall, rssMiB: rssKiB / 1024, cpu };
}

/** spawn + collect output; stderr is echoed unless quiet, so a hanging peer is visible. */
export function run(cmd, args, { env = {}, quiet = false, cwd = ROOT_DIR } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (!quiet) process.stderr.write(d);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}

/** Single-quotes a value for bash. */
export const sh = (s) => `'${String(s).replaceAll("'", `'\\''`)}'`;

/** Command-line connection options of the mysql/mariadb clients for a server. */
export const cliConn = (server) => `-h${server.host} -P${server.port} -u${server.user}`;

const closest = (values, x) => values.reduce((a, b) => (Math.abs(b - x) < Math.abs(a - x) ? b : a));

export function median(values) {
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);

/** Starts the second server (idempotent): bench/second-server.sh. */
export async function ensureSecondServer() {
  const res = await run('bash', [join(BENCH_DIR, 'second-server.sh'), 'start'], { quiet: true });
  if (res.code !== 0) throw new Error(`second-server.sh failed (exit ${res.code}): ${res.stderr || res.stdout}`);
  log(res.stdout.trim());
}

/** Data + index MiB of the source tables, from information_schema (estimates after ANALYZE). */
export async function sourceMiB(server, db) {
  const conn = await connect(server);
  try {
    const [[{ b }]] = await conn.query(
      'SELECT SUM(DATA_LENGTH + INDEX_LENGTH) AS b FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
      [db],
    );
    return Number(b) / 1048576;
  } finally {
    await conn.end();
  }
}

/** Last non-empty line of a process's output, for a one-line failure reason. */
export function lastLine(text) {
  const lines = String(text).split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.length ? lines[lines.length - 1].slice(0, 200) : '';
}

/**
 * Measures one clone method `runs` times. A method is
 *   { key, label, target: { server, db }, prepare?(): Promise, exec(): Promise<timed result>,
 *     failure?(res): string | null }
 * prepare (untimed) empties the target; exec is the timed clone; every run is then verified
 * against the source fingerprints. Wall is the median of the runs; RSS the largest seen; a failed
 * run stops the method (its row then says why, with no figures).
 */
/**
 * Waits (at most 2 minutes) until both servers are idle: few dirty pages left to flush and the purge
 * caught up. A load leaves minutes of background writes behind it (measured here: a clone timed right
 * after myloader ran 2–5 s slower than the same clone on idle servers), so every timed run, of every
 * method, starts from idle servers rather than paying for the method before it.
 */
export async function settleServers(servers = [MAIN, SECOND]) {
  const deadline = Date.now() + 120_000;
  let calm = 0;
  while (Date.now() < deadline && calm < 2) {
    let busy = false;
    for (const server of servers) {
      const conn = await connect(server, undefined);
      try {
        const [[dirty]] = await conn.query("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'");
        const [[history]] = await conn.query("SELECT count FROM information_schema.innodb_metrics WHERE name = 'trx_rseg_history_len'");
        if (Number(dirty?.Value ?? 0) > 200 || Number(history?.count ?? 0) > 1000) busy = true;
      } finally {
        await conn.end();
      }
    }
    calm = busy ? 0 : calm + 1;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export async function measure(method, { runs, sourcePrints, keep }) {
  const walls = [];
  const cpus = [];
  const notes = [];
  let rssMiB = 0;
  const verifies = [];
  const name = method.label.replaceAll('*', '');
  for (let i = 1; i <= runs; i++) {
    log(`${name}: run ${i}/${runs}`);
    await method.prepare?.();
    await settleServers();
    const res = await method.exec();
    const failure = method.failure
      ? method.failure(res)
      : res.code !== 0
        ? `failed (exit ${res.code}: ${lastLine(res.stderr) || lastLine(res.stdout)})`
        : null;
    if (failure) {
      log(`${name}: ${failure}`);
      if (!keep) await dropDatabase(method.target.server, method.target.db);
      return { key: method.key, label: method.label, status: failure, runs: i - 1 };
    }
    walls.push(res.wall);
    cpus.push(res.cpu);
    rssMiB = Math.max(rssMiB, res.rssMiB);
    notes.push(res.note ?? '');
    const v = await verifyClone(sourcePrints, method.target.server, method.target.db);
    verifies.push(v);
    log(`${name}: ${res.wall.toFixed(2)} s, ${v.ok ? 'OK' : `MISMATCH: ${v.detail}`}`);
  }
  if (!keep) await dropDatabase(method.target.server, method.target.db);
  const bad = verifies.findIndex((v) => !v.ok);
  return {
    key: method.key,
    label: method.label,
    status: 'ok',
    runs,
    wall: median(walls),
    walls,
    cpu: median(cpus),
    rssMiB,
    verify: bad < 0 ? 'OK' : `MISMATCH (run ${bad + 1}: ${verifies[bad].detail})`,
    // The note (e.g. mydumper's dump/load split) of the run whose wall time is closest to the median.
    note: notes.length ? notes[walls.indexOf(closest(walls, median(walls)))] ?? '' : '',
  };
}

// A '|' inside a cell would split it (the mysqldump row's label has one).
const esc = (s) => String(s).replaceAll('|', '\\|');
const fmt = (n, digits) => (n === undefined || n === null ? '–' : n.toFixed(digits));

/** The Markdown table of measured rows; a row without figures shows its status instead. */
export function renderTable(results, totalRows) {
  const lines = [
    '| method | runs | wall s | rows/s | client CPU s | peak RSS MiB | verify | notes |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    if (r.status !== 'ok') {
      lines.push(`| ${esc(r.label)} | ${r.runs} | – | – | – | – | – | ${esc(r.status)} |`);
      continue;
    }
    const rps = Math.round(totalRows / r.wall).toLocaleString('en-US');
    const note = [r.note, r.saved ? `measured ${r.saved}` : ''].filter(Boolean).join('; ');
    lines.push(
      `| ${esc(r.label)} | ${r.runs} | ${fmt(r.wall, 2)} | ${rps} | ${fmt(r.cpu, 1)} | ${fmt(r.rssMiB, 0)} | ${r.verify} | ${esc(note)} |`,
    );
  }
  return lines.join('\n');
}

/** Whether an executable is on PATH (mydumper is an optional Debian package). */
export async function hasCommand(name) {
  const res = await run('bash', ['-c', `command -v ${sh(name)}`], { quiet: true });
  return res.code === 0;
}
