import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { ConnectionSpec } from '../../domain/connection-url.js';
import { DbfError } from '../../domain/errors.js';
import { classifySqliteOpenError, driverMessage, errorField } from '../classify-connect-error.js';
import { asRows, toText } from '../rows.js';

/**
 * Opening SQLite files for a copy, and its errors. A file is one database; ConnectionSpec.database is
 * its path. Driver errors become DBF_COPY_FAILED naming what was being done and the file, except a
 * lock held by another connection (SQLITE_BUSY, SQLITE_LOCKED and their extended codes), which is
 * DBF_CONN_FAILED: retryable, the same work may succeed once the other writer is done.
 */

export function filePath(spec: ConnectionSpec, role: 'source' | 'target'): string {
  if (spec.database === null || spec.database === '') {
    throw new DbfError('DBF_INVALID_URL', `the sqlite ${role} has no file path: use sqlite:path/to/file.db`);
  }
  return resolve(process.cwd(), spec.database);
}

/** Whether the path is an existing regular file; a directory or an unreadable path fails. */
export async function fileExists(file: string): Promise<boolean> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new DbfError('DBF_CONN_FAILED', `cannot open sqlite file "${file}": it is not a regular file`);
    return true;
  } catch (error) {
    if (error instanceof DbfError) throw error;
    const code = errorField(error, 'code');
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    const reason = code === 'EACCES' ? 'permission denied' : driverMessage(error, null);
    throw new DbfError('DBF_CONN_FAILED', `cannot open sqlite file "${file}": ${reason}`, { cause: error });
  }
}

/**
 * Opens the file and reads its header (opening is lazy: a file that is not a database only shows at
 * the first statement). `prepare` runs before that first read (the target sets its text encoding).
 */
export function openDatabase(file: string, options: Database.Options, prepare: (db: Database.Database) => void = () => undefined): Database.Database {
  let db: Database.Database | null = null;
  try {
    db = new Database(file, options);
    prepare(db);
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    return db;
  } catch (error) {
    db?.close();
    throw classifySqliteOpenError(error, file);
  }
}

function isLockError(error: unknown): boolean {
  const code = errorField(error, 'code');
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)(_|$)/.test(code);
}

/** A failed statement of the copy as a DbfError (see the module comment). */
export function copyFailed(error: unknown, file: string, what: string): DbfError {
  if (error instanceof DbfError) return error;
  const message = `${what} failed on sqlite file "${file}": ${driverMessage(error, null)}`;
  return new DbfError(isLockError(error) ? 'DBF_CONN_FAILED' : 'DBF_COPY_FAILED', message, { cause: error });
}

/**
 * One open file of a copy: the handle, and interruption. better-sqlite3 has no sqlite3_interrupt and
 * its calls are synchronous, so nothing is ever in flight while interrupt() runs; what can be stopped
 * is work suspended between two of its steps (a readRows between batches, a checksum between turns).
 * interrupt() bumps a generation that such work captured when it started: its next step throws. Work
 * started after interrupt() runs normally (like KILL QUERY), so a copier can still drop its shadow.
 */
export class SqliteHandle {
  #generation = 0;
  #closed = false;

  constructor(
    readonly db: Database.Database,
    readonly file: string,
  ) {}

  get closed(): boolean {
    return this.#closed;
  }

  /** A check for long work: throws once interrupt() or close() has been called since it was taken. */
  guard(what: string): () => void {
    const generation = this.#generation;
    return () => {
      if (this.#closed) throw new DbfError('DBF_COPY_FAILED', `${what} on sqlite file "${this.file}" stopped: the file was closed`);
      if (this.#generation !== generation) throw new DbfError('DBF_COPY_FAILED', `${what} on sqlite file "${this.file}" was interrupted`);
    };
  }

  interrupt(): void {
    this.#generation += 1;
  }

  /** Runs synchronous driver work, turning its errors into DbfErrors. */
  run<T>(what: string, work: (db: Database.Database) => T): T {
    if (this.#closed) throw new DbfError('DBF_COPY_FAILED', `${what} on sqlite file "${this.file}": the file was closed`);
    try {
      return work(this.db);
    } catch (error) {
      throw copyFailed(error, this.file, what);
    }
  }

  /** Rows of a catalog query as records (integers as numbers). */
  all(what: string, sql: string, params: readonly unknown[] = []): ReturnType<typeof asRows> {
    return this.run(what, (db) => asRows(db.prepare<unknown[], unknown>(sql).all([...params])));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.db.close();
  }
}

/** The library's version (the same for both ends: one better-sqlite3 in the process). */
export function sqliteVersion(handle: SqliteHandle): string {
  return toText(handle.all('reading the SQLite version', 'SELECT sqlite_version() AS v')[0]?.['v']);
}

/**
 * Most parameters one statement may bind: SQLITE_MAX_VARIABLE_NUMBER as compiled in, else the
 * default of the version (32766 since 3.32.0, 999 before).
 */
export function variableLimit(handle: SqliteHandle): number {
  const options = handle.all('reading compile options', 'SELECT compile_options AS option FROM pragma_compile_options');
  for (const row of options) {
    const match = /^MAX_VARIABLE_NUMBER=(\d+)$/.exec(toText(row['option']));
    if (match) return Number(match[1]);
  }
  const [major = 0, minor = 0] = sqliteVersion(handle).split('.').map(Number);
  return major > 3 || (major === 3 && minor >= 32) ? 32766 : 999;
}

export function hasCompileOption(handle: SqliteHandle, option: string): boolean {
  return handle.all('reading compile options', 'SELECT compile_options AS option FROM pragma_compile_options').some((row) => row['option'] === option);
}
