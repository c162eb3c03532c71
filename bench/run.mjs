// The benchmark entry point:
//
//   node bench/run.mjs --scale 0.1 [--runs 3] [--skip-peers] [--only dbferry] [--keep]
//
// 1. starts the second MariaDB server (127.0.0.1:3307) if it is not up;
// 2. generates the dataset in dbf_bench_src on 3306 unless it is already there at that scale;
// 3. runs the peers (bench/peers.mjs) and dbferry `sync` across servers and within one server;
// 4. verifies every clone (row counts + CHECKSUM TABLE per table) and prints a Markdown table and
//    the ratios against the targets; the same goes to bench/results/<time>-scale<S>.{md,json}.
//
// When dbferry cannot copy yet (exit 2, DBF_NOT_IMPLEMENTED) its rows say so and carry no figures.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  BENCH_DIR,
  connect,
  ensureSecondServer,
  lastLine,
  log,
  MAIN,
  measure,
  parseArgs,
  recreateDatabase,
  renderTable,
  ROOT_DIR,
  rowsAtScale,
  run,
  SECOND,
  sh,
  sourceMiB,
  SRC_DB,
  tableFingerprints,
  timedShell,
} from './lib.mjs';
import { ensureDataset } from './generate.mjs';
import { PEER_KEYS, peerMethods } from './peers.mjs';

const RESULTS_DIR = join(BENCH_DIR, 'results');
const DBFERRY_KEYS = ['dbferry-cross', 'dbferry-same'];

// The targets of the project (performance.md: beat mydumper/myloader clearly across servers, get
// close to the server's own INSERT … SELECT on one server, stay far below the naive 400 MiB).
const TARGETS = { crossVsMydumper: 0.7, sameVsInsertSelect: 0.95, rssMiB: 256 };

const opts = parseArgs(
  process.argv.slice(2),
  {
    scale: 'number', runs: 'number', 'skip-peers': 'boolean', only: 'string', keep: 'boolean', seed: 'number',
    home: 'string', cli: 'string',
  },
  {
    scale: 1, runs: 1, 'skip-peers': false, only: '', keep: false, seed: 1,
    home: '/var/tmp/dbferry-bench-home',
    // Another build (or a stand-in, to test the harness itself) can be measured with --cli.
    cli: join(ROOT_DIR, 'dist', 'bin', 'dbferry.js'),
  },
);
const CLI = resolve(opts.cli);
if (!Number.isInteger(opts.runs)) throw new Error('--runs must be a whole number');

/** Which method keys to run: --only takes keys or the groups `dbferry` and `peers`. */
function selectedKeys() {
  const all = [...PEER_KEYS, ...DBFERRY_KEYS];
  let keys = all;
  if (opts.only) {
    keys = [];
    for (const k of opts.only.split(',').map((s) => s.trim())) {
      if (k === 'dbferry') keys.push(...DBFERRY_KEYS);
      else if (k === 'peers') keys.push(...PEER_KEYS);
      else if (all.includes(k)) keys.push(k);
      else throw new Error(`--only: unknown method ${k} (dbferry, peers, ${all.join(', ')})`);
    }
  }
  if (opts['skip-peers']) keys = keys.filter((k) => !PEER_KEYS.includes(k));
  return new Set(keys);
}

/** dbferry `sync` into `server`/`db`, timed; its logs (stderr) are kept out of the terminal. */
function dbferryMethod(key, label, server, db) {
  const from = `mysql://${MAIN.user}@${MAIN.host}:${MAIN.port}/${SRC_DB}`;
  const to = `mysql://${server.user}@${server.host}:${server.port}/${db}`;
  return {
    key,
    label,
    target: { server, db },
    // An empty target database, as for the peers: measures the copy, not a leftover.
    prepare: () => recreateDatabase(server, db),
    exec: () =>
      timedShell(
        `TIME ${sh(process.execPath)} ${sh(CLI)} sync --from ${sh(from)} --to ${sh(to)} --no-verify --json --home ${sh(opts.home)}`,
        { quiet: true },
      ),
    failure: (res) => {
      if (res.code === 0) return null;
      // --json puts the error in the API envelope on stdout: {"success":false,"error":{code,message}}.
      let reason = lastLine(res.stderr) || lastLine(res.stdout);
      let code = '';
      try {
        const doc = JSON.parse(res.stdout);
        if (doc?.error?.code) {
          code = doc.error.code;
          reason = `${doc.error.code}: ${doc.error.message}`;
        }
      } catch {
        // not JSON (a crash before output): keep the last line of output
      }
      return code === 'DBF_NOT_IMPLEMENTED' ? `not landed (exit ${res.code}: ${reason})` : `failed (exit ${res.code}: ${reason})`;
    },
  };
}

/** A warning when dist/ is older than a source file: the figures would be of an old build. */
function staleBuildWarning() {
  if (!existsSync(CLI)) return `dist/bin/dbferry.js is missing: run \`npm run build\` first`;
  const built = statSync(CLI).mtimeMs;
  const newest = (dir) => {
    let t = 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) t = Math.max(t, newest(p));
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) t = Math.max(t, statSync(p).mtimeMs);
    }
    return t;
  };
  return newest(join(ROOT_DIR, 'src')) > built ? 'dist/ is older than src/: these dbferry figures are of an old build (`npm run build`)' : '';
}

/**
 * The most recent saved measurement of each peer at this scale and seed: with --skip-peers or
 * --only dbferry the ratios still have a denominator, marked with the time it was measured.
 */
function savedPeers() {
  if (!existsSync(RESULTS_DIR)) return new Map();
  const files = readdirSync(RESULTS_DIR).filter((f) => f.endsWith('.json')).sort();
  const found = new Map();
  for (const f of files.reverse()) {
    let doc;
    try {
      doc = JSON.parse(readFileSync(join(RESULTS_DIR, f), 'utf8'));
    } catch {
      continue;
    }
    if (doc.scale !== opts.scale || doc.seed !== opts.seed) continue;
    for (const r of doc.results ?? []) {
      if (PEER_KEYS.includes(r.key) && r.status === 'ok' && !r.saved && !found.has(r.key)) {
        found.set(r.key, { ...r, saved: doc.startedAt.slice(0, 16).replace('T', ' ') + ' UTC' });
      }
    }
  }
  return found;
}

/** "not landed (exit 2: …)" → "not landed": the full reason is already in the table. */
const short = (r) => r.status.replace(/ \(exit .*$/s, '');

function ratioLine(name, num, den, target, what) {
  if (!num || num.status !== 'ok') return `- ${name}: n/a (dbferry ${num ? short(num) : 'not run'})`;
  if (!den || den.status !== 'ok') return `- ${name}: n/a (${den ? `${what} ${short(den)}` : `no ${what} measurement at this scale`})`;
  const r = num.wall / den.wall;
  const src = den.saved ? ` (${what} measured ${den.saved})` : '';
  // A fast copy that is wrong is not a result: the verdict says so instead of "met".
  const verdict = num.verify !== 'OK' ? 'not counted, the clone did not verify' : r <= target ? 'met' : 'NOT met';
  return `- ${name}: **${r.toFixed(2)}** (target ≤ ${target.toFixed(2)}: ${verdict})${src}`;
}

async function gitDescribe() {
  const head = await run('git', ['rev-parse', '--short', 'HEAD'], { quiet: true });
  const dirty = await run('git', ['status', '--porcelain', '--', 'src'], { quiet: true });
  return head.stdout.trim() + (dirty.stdout.trim() ? ' + uncommitted changes in src/' : '');
}

async function serverVersion(server) {
  const conn = await connect(server);
  try {
    const [[{ v }]] = await conn.query('SELECT VERSION() AS v');
    return v;
  } finally {
    await conn.end();
  }
}

// ---------------------------------------------------------------------------------------------

const startedAt = new Date().toISOString();
const keys = selectedKeys();
if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time is missing: apt-get install -y time');

await ensureSecondServer();
const gen = await ensureDataset({ scale: opts.scale, seed: opts.seed });
const rows = rowsAtScale(opts.scale);
const totalRows = Object.values(rows).reduce((a, b) => a + b, 0);
const mib = await sourceMiB(MAIN, SRC_DB);
const sourcePrints = await tableFingerprints(MAIN, SRC_DB);
const defaultCli = CLI === join(ROOT_DIR, 'dist', 'bin', 'dbferry.js');
const stale = defaultCli && (keys.has('dbferry-cross') || keys.has('dbferry-same')) ? staleBuildWarning() : '';
if (stale) log(`WARNING: ${stale}`);

const methods = [
  ...peerMethods(),
  dbferryMethod('dbferry-cross', '**dbferry sync**, 3306 → 3307', SECOND, 'dbf_bench_dst'),
  dbferryMethod('dbferry-same', '**dbferry sync**, 3306 → 3306', MAIN, 'dbf_bench_dst_same'),
];
const results = [];
for (const m of methods) {
  if (keys.has(m.key)) results.push(await measure(m, { runs: opts.runs, sourcePrints, keep: opts.keep }));
}
// Peers not measured now: their latest saved figures at this scale, clearly marked as such.
const saved = savedPeers();
for (const k of PEER_KEYS) {
  if (!keys.has(k) && saved.has(k)) results.push(saved.get(k));
}
const order = [...PEER_KEYS, ...DBFERRY_KEYS];
results.sort((a, b) => order.indexOf(a.key) - order.indexOf(b.key));
const byKey = new Map(results.map((r) => [r.key, r]));

const dbf = [byKey.get('dbferry-cross'), byKey.get('dbferry-same')].filter((r) => r?.status === 'ok');
const rssLine =
  dbf.length === 0
    ? `- dbferry peak RSS: n/a (dbferry ${[...new Set(DBFERRY_KEYS.map((k) => (byKey.has(k) ? short(byKey.get(k)) : 'not run')))].join(' / ')})`
    : (() => {
        const peak = Math.max(...dbf.map((r) => r.rssMiB));
        return `- dbferry peak RSS: **${peak.toFixed(0)} MiB** (target ≤ ${TARGETS.rssMiB} MiB: ${peak <= TARGETS.rssMiB ? 'met' : 'NOT met'})`;
      })();

const report = [
  `## dbferry clone benchmark — ${startedAt.slice(0, 19).replace('T', ' ')} UTC`,
  '',
  `Scale ${opts.scale} (seed ${opts.seed}): ${totalRows.toLocaleString('en-US')} rows ` +
    `(orders ${rows.orders.toLocaleString('en-US')}, events ${rows.events.toLocaleString('en-US')}, ` +
    `blobs ${rows.blobs.toLocaleString('en-US')}), ${mib.toFixed(1)} MiB data+index` +
    (gen.generated ? ` (generated now in ${gen.seconds.toFixed(1)} s)` : '') +
    `. MariaDB ${await serverVersion(MAIN)} on 3306 and 3307; dbferry ${defaultCli ? await gitDescribe() : `--cli ${CLI}`}. ` +
    `Wall s is the median of the runs; peak RSS is the largest client process of any run.`,
  ...(stale ? ['', `**Warning:** ${stale}.`] : []),
  '',
  renderTable(results, totalRows),
  '',
  ratioLine(
    'dbferry cross-server / mydumper+myloader',
    byKey.get('dbferry-cross'),
    byKey.get('mydumper'),
    TARGETS.crossVsMydumper,
    'mydumper',
  ),
  ratioLine(
    'dbferry same-server / INSERT … SELECT',
    byKey.get('dbferry-same'),
    byKey.get('insert-select'),
    TARGETS.sameVsInsertSelect,
    'INSERT … SELECT',
  ),
  rssLine,
].join('\n');

console.log(report);
mkdirSync(RESULTS_DIR, { recursive: true });
const base = join(RESULTS_DIR, `${startedAt.replace(/[:.]/g, '-')}-scale${opts.scale}`);
writeFileSync(`${base}.md`, report + '\n');
writeFileSync(
  `${base}.json`,
  JSON.stringify({ startedAt, scale: opts.scale, seed: opts.seed, runs: opts.runs, totalRows, sourceMiB: mib, results }, null, 2) + '\n',
);
log(`saved ${base}.md and .json`);
