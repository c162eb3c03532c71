import { randomUUID } from 'node:crypto';
import type { ConnectionSpec, Engine } from '../domain/connection-url.js';
import { DbfError } from '../domain/errors.js';
import { defaultDatabase } from '../engines/default-database.js';
import type { DatabaseInfo, EngineAdapter, EngineSession, TableInfo } from '../engines/ports.js';
import type { SecretSealer } from '../secrets/secret-box.js';
import type { StoreDb } from '../store/open-store.js';
import type { ConnectionRow } from '../store/schema.js';
import { isUniqueViolation } from '../store/store-errors.js';
import { parseConnectionInput, parseConnectionProbe, specFromInput } from './connection-input.js';
import { connectionRow, specOfRow, toConnectionView } from './connection-view.js';
import type { ConnectionView } from './connection-view.js';

export interface ConnectionServiceDeps {
  readonly db: StoreDb;
  readonly secrets: SecretSealer;
  readonly adapterFor: (engine: Engine) => EngineAdapter;
  readonly now: () => number;
  readonly connectTimeoutMs: number;
}

export interface ConnectionTestResult {
  readonly success: true;
  readonly server_version: string;
  readonly latency_ms: number;
}

/**
 * Saved connections: CRUD, truthful tests and browsing. Every test and browse opens a fresh session
 * from the row as it is now and closes it afterwards, so an edited connection is never tested through
 * a stale pooled handle (DB-Taxi's bug). Create and update test the connection first unless
 * `skip_test` is set; a failing test saves nothing. On update an omitted password keeps the stored
 * one; `password: null` (or "") removes it.
 */
export class ConnectionService {
  constructor(private readonly deps: ConnectionServiceDeps) {}

  async list(): Promise<ConnectionView[]> {
    const rows = await this.deps.db.selectFrom('connections').selectAll().orderBy('name').execute();
    return rows.map(toConnectionView);
  }

  async get(ref: string): Promise<ConnectionView> {
    return toConnectionView(await this.findRow(ref));
  }

  /** By id, else by name. */
  async findRow(ref: string): Promise<ConnectionRow> {
    const row =
      (await this.deps.db.selectFrom('connections').selectAll().where('id', '=', ref).executeTakeFirst()) ??
      (await this.deps.db.selectFrom('connections').selectAll().where('name', '=', ref).executeTakeFirst());
    if (!row) throw new DbfError('DBF_CONNECTION_NOT_FOUND', `no connection "${ref}"`);
    return row;
  }

  /** The spec with the decrypted password: only for code that is about to connect. */
  async resolveSpec(ref: string): Promise<ConnectionSpec> {
    const row = await this.findRow(ref);
    return specOfRow(row, row.password_secret === null ? null : this.deps.secrets.open(row.password_secret, row.id));
  }

  async create(body: unknown): Promise<ConnectionView> {
    const input = parseConnectionInput(body);
    const spec = specFromInput(input);
    await this.refuseTakenName(input.name, null);
    if (!input.skip_test) await this.testSpec(spec);
    const id = randomUUID();
    const now = this.deps.now();
    const row = connectionRow(id, input.name, spec, spec.password ? this.deps.secrets.seal(spec.password, id) : null, now, now);
    await this.write(input.name, () => this.deps.db.insertInto('connections').values(row).execute());
    return toConnectionView(row);
  }

  async update(ref: string, body: unknown): Promise<ConnectionView> {
    const existing = await this.findRow(ref);
    const input = parseConnectionInput(body);
    const given = specFromInput(input);
    const passwordGiven = 'url' in input ? given.password !== null : input.password !== undefined;
    const password = passwordGiven ? given.password || null : existing.password_secret === null ? null : this.deps.secrets.open(existing.password_secret, existing.id);
    const spec: ConnectionSpec = { ...given, password };
    await this.refuseTakenName(input.name, existing.id);
    if (!input.skip_test) await this.testSpec(spec);
    const updated = connectionRow(existing.id, input.name, spec, password ? this.deps.secrets.seal(password, existing.id) : null, existing.created_at_ms, this.deps.now());
    await this.write(input.name, () => this.deps.db.updateTable('connections').set(updated).where('id', '=', existing.id).execute());
    return toConnectionView(updated);
  }

  /** Refused while a sync config uses the connection: history and configs are never cascaded away. */
  async remove(ref: string): Promise<ConnectionView> {
    const row = await this.findRow(ref);
    await this.deps.db.transaction().execute(async (trx) => {
      const users = await trx
        .selectFrom('sync_configs')
        .select('name')
        .where((eb) => eb.or([eb('source_connection_id', '=', row.id), eb('target_connection_id', '=', row.id)]))
        .execute();
      if (users.length > 0) {
        throw new DbfError('DBF_CONNECTION_IN_USE', `connection "${row.name}" is used by sync config ${users.map((u) => `"${u.name}"`).join(', ')}: delete or change those first`);
      }
      await trx.deleteFrom('connections').where('id', '=', row.id).execute();
    });
    return toConnectionView(row);
  }

  async test(ref: string): Promise<ConnectionTestResult> {
    return this.testSpec(await this.resolveSpec(ref));
  }

  async testUnsaved(body: unknown): Promise<ConnectionTestResult> {
    return this.testSpec(specFromInput(parseConnectionProbe(body)));
  }

  async listDatabases(ref: string): Promise<DatabaseInfo[]> {
    return this.withSession(await this.resolveSpec(ref), (session) => session.listDatabases());
  }

  /** The database browsing means when none is named; DBF_INVALID_INPUT when the connection names none. */
  async defaultDatabaseOf(ref: string): Promise<string> {
    const row = await this.findRow(ref);
    const database = defaultDatabase(specOfRow(row, null));
    if (!database) throw new DbfError('DBF_INVALID_INPUT', `connection "${row.name}" names no database: say which one to list`);
    return database;
  }

  async listTables(ref: string, database: string): Promise<TableInfo[]> {
    return this.withSession(await this.resolveSpec(ref), (session) => session.listTables(database));
  }

  async testSpec(spec: ConnectionSpec): Promise<ConnectionTestResult> {
    const started = performance.now();
    return this.withSession(spec, async (session) => {
      const server_version = await session.serverVersion();
      return { success: true, server_version, latency_ms: Math.round((performance.now() - started) * 10) / 10 };
    });
  }

  async withSession<T>(spec: ConnectionSpec, work: (session: EngineSession) => Promise<T>): Promise<T> {
    const session = await this.deps.adapterFor(spec.engine).connect(spec, { timeoutMs: this.deps.connectTimeoutMs });
    try {
      return await work(session);
    } finally {
      await session.close();
    }
  }

  private async refuseTakenName(name: string, exceptId: string | null): Promise<void> {
    const other = await this.deps.db.selectFrom('connections').select('id').where('name', '=', name).executeTakeFirst();
    if (other && other.id !== exceptId) throw new DbfError('DBF_DUPLICATE_NAME', `a connection named "${name}" already exists`);
  }

  /** Runs a write, turning a lost race on the unique name into 409 rather than 500. */
  private async write(name: string, run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
    } catch (error) {
      if (isUniqueViolation(error)) throw new DbfError('DBF_DUPLICATE_NAME', `a connection named "${name}" already exists`, { cause: error });
      throw error;
    }
  }
}
