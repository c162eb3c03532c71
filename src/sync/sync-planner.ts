import type { SyncOptions } from '../catalog/sync-config-input.js';
import { redactedUrl } from '../domain/connection-url.js';
import type { ConnectionSpec } from '../domain/connection-url.js';
import { DbfError, toDbfError } from '../domain/errors.js';
import type { ErrorCode } from '../domain/errors.js';
import type { CopyEngine, CopySource, CopyTable, CopyTarget } from '../engines/copy-ports.js';
import type { ChosenCursor } from './cursor-choice.js';
import { PREFLIGHT_CODES, preflightTable } from './table-preflight.js';
import { describeMark, isIncrementalState, markScopeKey } from './incremental-copier.js';
import { withCopyEnds } from './copy-ends.js';
import { lanesForTables, mayBeSplit, objectCopierOf } from './sync-task.js';
import type { SyncTableRequest, TableMode } from './sync-request.js';
import { foreignKeyOrder } from './table-order.js';

/**
 * The plan of a sync: what a dry run prints and what a one-shot sync enqueues. Planning only reads
 * (the source's catalog, the target's tables); it never creates the target database or a table.
 */

export type TableAction = 'create' | 'replace' | 'truncate and reload' | 'create (truncate strategy)' | 'apply changes';

export interface PlannedTableView {
  readonly source_table: string;
  readonly target_table: string;
  readonly mode: TableMode;
  /** What happens to the target table (swap: built as a shadow table, then swapped in). */
  readonly action: TableAction;
  readonly ddl: string;
  readonly primary_key: readonly string[];
  /** How rows are read: keyset chunks over the primary key, or the whole table in one read; parts copied at once. */
  readonly chunking: string;
  /** Key ranges the lanes copy at once (1: the table is copied by one lane). */
  readonly parts: number;
  readonly row_estimate: number;
  readonly size_bytes: number;
  readonly where_clause: string | null;
  /** An incremental table's cursor: the configured or detected column it follows. */
  readonly cursor: { readonly column: string; readonly how: 'configured' | 'detected'; readonly indexed: boolean } | null;
  /** What an incremental run does next: a full copy (no mark yet), or the changes since its mark. */
  readonly incremental: string | null;
  /** Set when this table will fail rather than copy (e.g. missing in the source). */
  readonly problem: { readonly code: ErrorCode; readonly message: string } | null;
}

export interface SyncPlan {
  readonly source: string;
  readonly target: string;
  readonly source_server: string;
  readonly target_server: string;
  readonly target_database: 'exists' | 'will be created';
  readonly strategy: SyncOptions['strategy'];
  readonly verify: boolean;
  readonly lanes: number;
  readonly tables: readonly PlannedTableView[];
  readonly total_rows: number;
  readonly total_bytes: number;
  /** With `objects`: the views, routines, triggers and events created after the tables, in order. */
  readonly objects: ReadonlyArray<{ readonly kind: string; readonly name: string }> | null;
}

export interface PlanInput {
  readonly source: ConnectionSpec;
  readonly target: ConnectionSpec;
  /** null: every base table of the source. */
  readonly tables: readonly SyncTableRequest[] | null;
  /** Parents first and the largest free table first (a one-shot sync), or as given (a config's sort_order). */
  readonly order: 'foreign_keys' | 'as_given';
  readonly exclude?: readonly string[];
  readonly mode?: TableMode;
  /** Per source table: a row filter (`--where`) and a cursor (`--cursor`), for every-table plans too. */
  readonly filters?: Readonly<Record<string, string>>;
  readonly cursors?: Readonly<Record<string, string>>;
  /** The stored mark of a table (incremental), to say what its next run does. */
  readonly loadMark?: (scopeKey: string) => Promise<unknown>;
  readonly options: SyncOptions;
  readonly timeoutMs: number;
}

export function planSync(input: PlanInput): Promise<SyncPlan> {
  return withCopyEnds(input, async ({ engine, source, target }) => {
    const exists = await target.databaseExists();
    const mappings = withOverrides(input.tables ?? (await allTables(source, input.exclude ?? [], input.mode ?? 'full')), input);
    const tables: PlannedTableView[] = [];
    // What each table's foreign keys point at, kept from its description (ordering needs no second look).
    const references = new Map<string, readonly string[]>();
    const onServer = engine.serverSide?.sameServer(source, target) === true;
    const described: Array<CopyTable | null> = [];
    for (const mapping of mappings) tables.push(await planTable({ engine, source, target, databaseExists: exists, options: input.options, onServer, references, described, input }, mapping));
    const lanes = lanesForTables(engine, described.flatMap((table, i) => (table === null ? [] : [{ table, appliesChanges: tables[i]?.action === 'apply changes' }])), input.options);
    for (const [i, table] of described.entries()) {
      const view = tables[i];
      // A table whose next run applies changes is not cut (only full copies are).
      if (table === null || view === undefined || view.action === 'apply changes' || lanes < 2 || !engine.split || !mayBeSplit(engine, table, input.options)) continue;
      const bounds = await engine.split.splitPoints(source, table, lanes);
      if (bounds.length > 0) tables[i] = { ...view, parts: bounds.length + 1, chunking: `${view.chunking}, in ${bounds.length + 1} key ranges on ${table.primaryKey[0] ?? ''} copied at once` };
    }
    const ordered = input.order === 'foreign_keys' ? foreignKeyOrder(tables, (t) => t.source_table, (t) => references.get(t.source_table) ?? [], (t) => t.size_bytes) : tables;
    const objects = input.options.objects ? (await objectCopierOf(engine, source.describe()).list(source)).map((o) => ({ kind: o.kind, name: o.name })) : null;
    return {
      source: redactedUrl(input.source),
      target: redactedUrl(input.target),
      source_server: source.describe(),
      target_server: target.describe(),
      target_database: exists ? 'exists' : 'will be created',
      strategy: input.options.strategy,
      verify: input.options.verify,
      lanes,
      tables: ordered,
      total_rows: ordered.reduce((n, t) => n + t.row_estimate, 0),
      total_bytes: ordered.reduce((n, t) => n + t.size_bytes, 0),
      objects,
    };
  });
}

async function allTables(source: CopySource, exclude: readonly string[], mode: TableMode): Promise<SyncTableRequest[]> {
  const names = await source.listTables();
  const unknown = exclude.filter((name) => !names.includes(name));
  if (unknown.length > 0) throw new DbfError('DBF_TABLE_NOT_FOUND', `--exclude names tables the source does not have: ${unknown.join(', ')}`);
  return names.filter((name) => !exclude.includes(name)).map((name) => ({ source_table: name, target_table: name, mode, where_clause: null, cursor_column: null }));
}

interface PlanContext {
  readonly engine: CopyEngine;
  readonly source: CopySource;
  readonly target: CopyTarget;
  readonly databaseExists: boolean;
  readonly options: SyncOptions;
  readonly onServer: boolean;
  readonly references: Map<string, readonly string[]>;
  readonly described: Array<CopyTable | null>;
  readonly input: PlanInput;
}

async function planTable(ctx: PlanContext, mapping: SyncTableRequest): Promise<PlannedTableView> {
  const { source, target, options, onServer } = ctx;
  const base = { source_table: mapping.source_table, target_table: mapping.target_table, mode: mapping.mode, where_clause: mapping.where_clause };
  try {
    const { table, cursor } = await preflightTable(ctx.engine, source, mapping);
    ctx.described.push(table);
    ctx.references.set(mapping.source_table, table.references);
    const ddl = await source.createStatement(mapping.source_table);
    const exists = ctx.databaseExists && (await target.tableExists(mapping.target_table));
    const action: TableAction = options.strategy === 'swap' ? (exists ? 'replace' : 'create') : exists ? 'truncate and reload' : 'create (truncate strategy)';
    const keyed = table.primaryKey.length > 0;
    const chunking = onServer
      ? keyed ? `same server: INSERT … SELECT in keyset chunks over (${table.primaryKey.join(', ')})` : 'same server: one INSERT … SELECT (no primary key)'
      : keyed ? `keyset chunks over (${table.primaryKey.join(', ')})` : 'whole table in one consistent read (no primary key)';
    const incremental = cursor !== null ? await planIncremental(ctx, mapping, cursor, exists) : { cursor: null, incremental: null, resumes: false };
    return { ...base, action: incremental.resumes ? 'apply changes' : action, ddl, primary_key: table.primaryKey, chunking, parts: 1, row_estimate: table.rowEstimate, size_bytes: table.sizeBytes, ...incremental, problem: null };
  } catch (error) {
    const failure = toDbfError(error);
    if (!PREFLIGHT_CODES.includes(failure.code)) throw failure;
    ctx.described.push(null);
    return { ...base, action: 'create', ddl: '', primary_key: [], chunking: '', parts: 1, row_estimate: 0, size_bytes: 0, cursor: null, incremental: null, problem: { code: failure.code, message: failure.message } };
  }
}

/** The cursor an incremental table follows, and whether its next run copies it in full or its changes since the mark. */
async function planIncremental(ctx: PlanContext, mapping: SyncTableRequest, chosen: ChosenCursor, exists: boolean): Promise<Pick<PlannedTableView, 'cursor' | 'incremental'> & { resumes: boolean }> {
  const cursor = { column: chosen.cursor.column, how: chosen.how, indexed: chosen.cursor.indexed };
  const saved = await ctx.input.loadMark?.(markScopeKey(ctx.input.source, ctx.input.target, mapping));
  const state = isIncrementalState(saved) && saved.cursor === cursor.column ? saved : null;
  const overlap = chosen.cursor.kind === 'temporal' && ctx.options.overlap_seconds > 0 ? `, re-reading ${ctx.options.overlap_seconds} s below it` : '';
  const deletes = ctx.options.detect_deletes ? '; deletes detected by comparing key ranges' : '';
  const next = state !== null && exists
    ? `changes since ${describeMark(state.mark)}${overlap}, upserted (${ctx.options.conflict_resolution})${deletes}`
    : `full copy (no mark yet), then changes of ${cursor.column}`;
  return { cursor, incremental: next, resumes: state !== null && exists };
}

/** `--where` and `--cursor` of a one-shot sync, laid over its tables (naming a table it does not copy is an error). */
function withOverrides(mappings: readonly SyncTableRequest[], input: PlanInput): SyncTableRequest[] {
  const names = new Set(mappings.map((m) => m.source_table));
  for (const [flag, given] of [['--where', input.filters], ['--cursor', input.cursors]] as const) {
    const unknown = Object.keys(given ?? {}).filter((name) => !names.has(name));
    if (unknown.length > 0) throw new DbfError('DBF_TABLE_NOT_FOUND', `${flag} names tables this sync does not copy: ${unknown.join(', ')}`);
  }
  return mappings.map((m) => ({ ...m, where_clause: input.filters?.[m.source_table] ?? m.where_clause, cursor_column: input.cursors?.[m.source_table] ?? m.cursor_column }));
}
