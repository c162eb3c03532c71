import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { LATEST_MIGRATION, migrateStore, migrationsFor } from '../../src/store/migrate.js';
import { MIGRATION_TABLE, STORE_DIALECTS, migrationRows, storeTables, withStore, withTempStore } from '../helpers/store-fixtures.js';

/**
 * Two dbferry processes starting at once against the same fresh store (all three dialects): each
 * migration must run exactly once. Both children load first and say `ready`; the parent then sends
 * `go` to both, so they call migrateStore within microseconds of each other. Several fresh stores per
 * dialect, each a new race.
 */

const CHILD = fileURLToPath(new URL('../helpers/store-migrate-child.ts', import.meta.url));
const ROUNDS = Number(process.env.DBFERRY_STORE_RACE_ROUNDS ?? 3);
const CHILD_TIMEOUT_MS = 60_000;

interface ChildResult {
  readonly applied?: string[];
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly error?: { code?: string; message: string };
}

interface ChildRun {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly result: ChildResult | undefined;
  readonly stdout: string;
  readonly stderr: string;
}

interface Child {
  readonly ready: Promise<void>;
  readonly done: Promise<ChildRun>;
  go(): void;
}

function startChild(url: string): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, url], {
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: CHILD_TIMEOUT_MS,
  });
  let stdout = '';
  let stderr = '';
  let markReady: () => void = () => {};
  let failReady: (error: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    if (/^ready$/m.test(stdout)) markReady();
  });
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  // A child that died early makes `go` an EPIPE; its exit status already tells the story.
  child.stdin.on('error', () => {});
  const done = new Promise<ChildRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      failReady(new Error(`child exited (${String(exitCode ?? signal)}) before it was ready: ${stderr}`));
      const last = stdout.trim().split('\n').at(-1) ?? '';
      let result: ChildResult | undefined;
      try {
        result = last.startsWith('{') ? (JSON.parse(last) as ChildResult) : undefined;
      } catch {
        result = undefined;
      }
      resolve({ exitCode, signal, result, stdout, stderr });
    });
  });
  // `ready` may reject after the test has moved on to `done`; that is reported through `done` instead.
  ready.catch(() => {});
  return {
    ready,
    done,
    go: () => {
      child.stdin.end('go\n');
    },
  };
}

function describeRun(run: ChildRun): string {
  return `exit ${String(run.exitCode)} signal ${String(run.signal)}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`;
}

for (const dialect of STORE_DIALECTS) {
  describe(`concurrent migrations on ${dialect}`, () => {
    for (let round = 1; round <= ROUNDS; round++) {
      it(`round ${round}: two processes at once apply each migration exactly once`, async () => {
        await withTempStore(dialect, async ({ url }) => {
          const children = [startChild(url), startChild(url)];
          let runs: ChildRun[];
          try {
            await Promise.all(children.map((c) => c.ready));
          } finally {
            // Release both together (or release the survivor so it does not wait forever).
            for (const child of children) child.go();
            runs = await Promise.all(children.map((c) => c.done));
          }

          for (const run of runs) {
            assert.equal(run.exitCode, 0, describeRun(run));
            assert.ok(run.result?.applied, `child printed a result: ${describeRun(run)}`);
          }
          const results = runs.map((r) => r.result as Required<Pick<ChildResult, 'applied' | 'startedAt' | 'finishedAt'>>);
          const winners = results.filter((r) => r.applied.length > 0);
          const losers = results.filter((r) => r.applied.length === 0);
          assert.equal(winners.length, 1, `exactly one child applied migrations: ${JSON.stringify(results)}`);
          assert.equal(losers.length, 1, `the other applied nothing: ${JSON.stringify(results)}`);
          assert.deepEqual(winners[0]?.applied, Object.keys(migrationsFor(dialect)).sort());
          assert.ok(winners[0]?.applied.includes('0001-initial'));

          // The race was real: each child started migrating before the other had finished.
          const [a, b] = results as [(typeof results)[0], (typeof results)[0]];
          assert.ok(a.startedAt <= b.finishedAt && b.startedAt <= a.finishedAt, `the two migrateStore calls overlapped in time: ${JSON.stringify(results)}`);

          await withStore(url, async (store) => {
            const rows = await migrationRows(store);
            assert.deepEqual(
              rows.map((r) => r.name),
              Object.keys(migrationsFor(dialect)).sort(),
              'one row per migration',
            );
            assert.equal(rows.at(-1)?.name, LATEST_MIGRATION);
            const tables = await storeTables(store);
            for (const table of [MIGRATION_TABLE, 'connections', 'sync_configs', 'table_mappings', 'jobs', 'job_tables', 'job_events', 'checkpoints']) {
              assert.ok(tables.has(table), `${table} exists`);
            }
            assert.deepEqual(await migrateStore(store), { applied: [] }, 'a third start finds nothing to do');
          });
        });
      });
    }
  });
}
