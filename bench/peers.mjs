// The peers dbferry is measured against (shared/reference/performance.md):
//   (a) mysqldump --single-transaction | mysql        3306 → 3307
//   (b) mydumper -t 2, then myloader -t 2              3306 → 3307
//   (c) CREATE TABLE … LIKE + one INSERT … SELECT per table, inside 3306 (the same-server ceiling)
// Each clone goes into its own target database and is verified (row counts + CHECKSUM TABLE).
//
//   node bench/peers.mjs [--scale 1.0] [--runs 1] [--only mysqldump,mydumper,insert-select] [--keep]
//
// bench/run.mjs runs these too; this entry point is for measuring the peers alone.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import {
  cliConn,
  ensureSecondServer,
  hasCommand,
  isMain,
  log,
  MAIN,
  measure,
  parseArgs,
  qid,
  recreateDatabase,
  renderTable,
  rowsAtScale,
  SECOND,
  sh,
  SRC_DB,
  TABLES,
  tableFingerprints,
  timedShell,
} from './lib.mjs';
import { ensureDataset } from './generate.mjs';

// mydumper's dump directory: on disk like a real dump, outside the repository.
const DUMP_DIR = '/var/tmp/dbferry-bench-out/mydumper';

// Debian's `mysql` client speaks utf8mb3 when no locale is set (performance.md trap 4); every
// client gets utf8mb4 explicitly so no peer is handicapped by a bad default.
const CHARSET = '--default-character-set=utf8mb4';

export const PEER_KEYS = ['mysqldump', 'mydumper', 'insert-select'];

/** The peer methods, in the order of the printed table. */
export function peerMethods(srcDb = SRC_DB) {
  const dumpDst = { server: SECOND, db: 'dbf_bench_dst_mysqldump' };
  const mydDst = { server: SECOND, db: 'dbf_bench_dst_mydumper' };
  const inselDst = { server: MAIN, db: 'dbf_bench_dst_insel' };
  return [
    {
      key: 'mysqldump',
      label: '(a) mysqldump | mysql, 3306 → 3307',
      target: dumpDst,
      prepare: () => recreateDatabase(dumpDst.server, dumpDst.db),
      exec: () =>
        timedShell(
          `TIME mysqldump --single-transaction ${CHARSET} ${cliConn(MAIN)} ${sh(srcDb)}` +
            ` | TIME mysql ${CHARSET} ${cliConn(SECOND)} ${sh(dumpDst.db)}`,
        ),
    },
    {
      key: 'mydumper',
      label: '(b) mydumper -t 2 + myloader -t 2, 3306 → 3307',
      target: mydDst,
      prepare: async () => {
        await recreateDatabase(mydDst.server, mydDst.db);
        rmSync(DUMP_DIR, { recursive: true, force: true });
        mkdirSync(DUMP_DIR, { recursive: true });
      },
      // Two timed steps, summed: the clone is not done before the load is; the split is a note.
      exec: async () => {
        if (!(await hasCommand('mydumper')) || !(await hasCommand('myloader'))) {
          return { code: 127, stderr: 'mydumper/myloader not installed (apt-get install -y mydumper)', stdout: '' };
        }
        const dump = await timedShell(
          `TIME mydumper -h ${MAIN.host} -P ${MAIN.port} -u ${MAIN.user} -B ${sh(srcDb)} -t 2 -o ${sh(DUMP_DIR)}`,
        );
        if (dump.code !== 0) return dump;
        const load = await timedShell(
          `TIME myloader -h ${SECOND.host} -P ${SECOND.port} -u ${SECOND.user} -d ${sh(DUMP_DIR)}` +
            ` -B ${sh(mydDst.db)} -t 2 -o`,
        );
        rmSync(DUMP_DIR, { recursive: true, force: true });
        return {
          ...load,
          wall: dump.wall + load.wall,
          cpu: dump.cpu + load.cpu,
          rssMiB: Math.max(dump.rssMiB, load.rssMiB),
          note: `dump ${dump.wall.toFixed(2)} s / load ${load.wall.toFixed(2)} s`,
        };
      },
    },
    {
      key: 'insert-select',
      label: '(c) CREATE … LIKE + INSERT … SELECT, 3306 → 3306',
      target: inselDst,
      prepare: () => recreateDatabase(inselDst.server, inselDst.db),
      // One client session, one autocommit statement per table: the server copies rows without
      // any SQL text in between, which is the ceiling a client tool on the same server races.
      exec: () => {
        const sql = TABLES.map(
          (t) =>
            `CREATE TABLE ${qid(inselDst.db)}.${qid(t)} LIKE ${qid(srcDb)}.${qid(t)}; ` +
            `INSERT INTO ${qid(inselDst.db)}.${qid(t)} SELECT * FROM ${qid(srcDb)}.${qid(t)};`,
        ).join(' ');
        return timedShell(`TIME mariadb ${CHARSET} ${cliConn(MAIN)} -e ${sh(sql)}`);
      },
    },
  ];
}

if (isMain(import.meta.url)) {
  const opts = parseArgs(
    process.argv.slice(2),
    { scale: 'number', runs: 'number', only: 'string', keep: 'boolean', seed: 'number' },
    { scale: 1, runs: 1, only: PEER_KEYS.join(','), keep: false, seed: 1 },
  );
  const only = new Set(opts.only.split(',').map((s) => s.trim()));
  for (const k of only) if (!PEER_KEYS.includes(k)) throw new Error(`--only: unknown peer ${k} (${PEER_KEYS.join(', ')})`);
  if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time is missing: apt-get install -y time');
  await ensureSecondServer();
  await ensureDataset({ scale: opts.scale, seed: opts.seed });
  const sourcePrints = await tableFingerprints(MAIN, SRC_DB);
  const totalRows = Object.values(rowsAtScale(opts.scale)).reduce((a, b) => a + b, 0);
  const results = [];
  for (const m of peerMethods()) {
    if (!only.has(m.key)) continue;
    results.push(await measure(m, { runs: opts.runs, sourcePrints, keep: opts.keep }));
  }
  log('done');
  console.log(`scale ${opts.scale}: ${totalRows.toLocaleString('en-US')} rows\n`);
  console.log(renderTable(results, totalRows));
}
