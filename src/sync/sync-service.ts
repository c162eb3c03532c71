import { resolve } from 'node:path';
import type { ConnectionService } from '../catalog/connection-service.js';
import type { SyncOptions } from '../catalog/sync-config-input.js';
import type { SyncConfigService } from '../catalog/sync-config-service.js';
import { looksLikeUrl, parseConnectionUrl, redactedUrl } from '../domain/connection-url.js';
import type { ConnectionSpec } from '../domain/connection-url.js';
import { DbfError } from '../domain/errors.js';
import type { JobTrigger } from '../domain/job.js';
import { atDatabase, targetTableKey } from '../engines/copy-registry.js';
import { sameDatabase } from '../engines/default-database.js';
import type { JobService } from '../jobs/job-service.js';
import type { JobStore } from '../jobs/job-store.js';
import type { JobView } from '../jobs/job-view.js';
import type { SecretSealer } from '../secrets/secret-box.js';
import { sealSpec } from './sync-resolver.js';
import { planSync } from './sync-planner.js';
import type { SyncPlan } from './sync-planner.js';
import { tablesOfConfig } from './sync-request.js';
import type { OneShotSpec, SyncTableRequest, TableMode } from './sync-request.js';
import { verifyDatabases } from './verifier.js';
import type { VerifyReport } from './verifier.js';

export interface SyncServiceDeps {
  readonly connections: ConnectionService;
  readonly configs: SyncConfigService;
  readonly jobs: JobService;
  readonly store: JobStore;
  readonly secrets: SecretSealer;
  readonly now: () => number;
  readonly maxAttempts: number;
  readonly jobTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly onEnqueued?: () => void;
}

/** What `dbferry sync` and `dbferry verify` are asked to do. */
export interface OneShotInput {
  /** A URL or the name of a saved connection. */
  readonly from: string;
  readonly to: string;
  readonly tables?: readonly string[];
  readonly exclude?: readonly string[];
  readonly mode?: TableMode;
  /** Per source table: a row filter (`--where TABLE:CONDITION`) and an incremental cursor (`--cursor TABLE:COLUMN`). */
  readonly filters?: Readonly<Record<string, string>>;
  readonly cursors?: Readonly<Record<string, string>>;
  readonly options: SyncOptions;
}

/**
 * Plans and starts copies: a one-shot sync (a recorded job, like a config's), dry runs of both, and
 * `verify`. The copy itself runs in whichever worker claims the job (sync-task.ts).
 */
export class SyncService {
  constructor(private readonly deps: SyncServiceDeps) {}

  /** A URL, or a saved connection's name (product.md: anywhere a URL is accepted, a name is too). */
  async resolveEndpoint(text: string): Promise<ConnectionSpec> {
    const spec = looksLikeUrl(text) ? parseConnectionUrl(text) : await this.deps.connections.resolveSpec(text);
    if (spec.engine === 'sqlite') return { ...spec, database: resolve(spec.database ?? '') };
    if (spec.database === null) throw new DbfError('DBF_INVALID_INPUT', `${redactedUrl(spec)} names no database: add /DATABASE to it`);
    return spec;
  }

  async planOneShot(input: OneShotInput): Promise<SyncPlan> {
    return (await this.#planOneShot(input)).plan;
  }

  /** Plans, then enqueues the job (409 if another active job writes one of its target tables). */
  async startOneShot(input: OneShotInput, trigger: JobTrigger): Promise<{ plan: SyncPlan; job: JobView }> {
    const { plan, source, target } = await this.#planOneShot(input);
    const problems = plan.tables.filter((t) => t.problem !== null);
    const [first] = problems;
    if (first?.problem) throw new DbfError(first.problem.code, problems.map((t) => t.problem?.message ?? t.source_table).join('; '));
    if (plan.tables.length === 0) throw new DbfError('DBF_INVALID_INPUT', `the source ${plan.source} has no tables to copy`);
    const tables: SyncTableRequest[] = plan.tables.map((t) => ({ source_table: t.source_table, target_table: t.target_table, mode: t.mode, where_clause: t.where_clause, cursor_column: input.cursors?.[t.source_table] ?? null }));
    const spec: OneShotSpec = {
      oneshot: {
        source: { display: plan.source, sealed: sealSpec(this.deps.secrets, source) },
        target: { display: plan.target, sealed: sealSpec(this.deps.secrets, target) },
        tables,
        options: input.options,
      },
    };
    const id = await this.deps.store.enqueue(
      {
        task: 'sync', spec, configId: null, configName: `sync ${plan.source} → ${plan.target}`, trigger, maxAttempts: this.deps.maxAttempts,
        timeoutMs: this.deps.jobTimeoutMs > 0 ? this.deps.jobTimeoutMs : null,
        tables: plan.tables.map((t) => ({ source_table: t.source_table, target_table: t.target_table, mode: t.mode, total_rows: t.row_estimate })),
        locks: tables.map((t) => targetTableKey(target, t.target_table)),
      },
      this.deps.now(),
    );
    this.deps.onEnqueued?.();
    return { plan, job: await this.deps.jobs.get(id) };
  }

  /** `POST /configs/:id/dry-run`: the plan of the config's next job. */
  async planConfig(ref: string): Promise<SyncPlan> {
    const config = await this.deps.configs.get(ref);
    const source = atDatabase(await this.deps.connections.resolveSpec(config.source_connection_id), config.source_database);
    const target = atDatabase(await this.deps.connections.resolveSpec(config.target_connection_id), config.target_database ?? config.source_database);
    return planSync({ source, target, tables: tablesOfConfig(config), order: 'as_given', options: config.options, timeoutMs: this.deps.connectTimeoutMs, loadMark: (key) => this.deps.store.loadCheckpoint(key) });
  }

  async verify(input: Pick<OneShotInput, 'from' | 'to' | 'tables'>): Promise<VerifyReport> {
    const { source, target } = await this.#endpoints(input);
    return verifyDatabases({ source, target, tables: input.tables ?? null, timeoutMs: this.deps.connectTimeoutMs });
  }

  /** A one-shot sync's plan: every table (or the named ones) of the source, parents first. */
  async #planOneShot(input: OneShotInput): Promise<{ plan: SyncPlan; source: ConnectionSpec; target: ConnectionSpec }> {
    const { source, target } = await this.#endpoints(input);
    const plan = await planSync({
      source, target, tables: this.#explicitTables(input), exclude: input.exclude ?? [], mode: input.mode ?? 'full', order: 'foreign_keys', options: input.options,
      timeoutMs: this.deps.connectTimeoutMs, ...(input.filters ? { filters: input.filters } : {}), ...(input.cursors ? { cursors: input.cursors } : {}),
      loadMark: (key) => this.deps.store.loadCheckpoint(key),
    });
    return { plan, source, target };
  }

  async #endpoints(input: Pick<OneShotInput, 'from' | 'to'>): Promise<{ source: ConnectionSpec; target: ConnectionSpec }> {
    const source = await this.resolveEndpoint(input.from);
    const target = await this.resolveEndpoint(input.to);
    if (sameDatabase(source, source.database ?? '', target, target.database ?? '')) throw new DbfError('DBF_INVALID_INPUT', 'the source and the target are the same database: copy to another database');
    return { source, target };
  }

  #explicitTables(input: OneShotInput): SyncTableRequest[] | null {
    if (input.tables === undefined || input.tables.length === 0) return null;
    return input.tables.map((name) => ({ source_table: name, target_table: name, mode: input.mode ?? 'full', where_clause: null, cursor_column: null }));
  }
}
