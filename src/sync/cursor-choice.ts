import { DbfError } from '../domain/errors.js';
import type { CursorCandidate } from '../engines/copy-ports.js';

/**
 * Which column an incremental table follows. A configured cursor must be one of the engine's
 * candidates (a DATETIME/TIMESTAMP/DATE column, or a growing integer key). Detected, it is the first
 * of: a temporal column the server sets on every update (`ON UPDATE CURRENT_TIMESTAMP`), a temporal
 * column with an `updated_at`-like name (indexed ones first in both), else the auto-increment primary
 * key (which catches inserts only). A `created_at` column is not taken: it does not change on
 * update, so updated rows would be missed silently.
 */

const UPDATED_NAMES = /^(updated|modified|changed|last_?updated?|last_?modified|last_?changed|mtime|update_?time|modif(y|ied)_?(at|time|date|on)?)(_?(at|on|time|date|ts))?$/i;

export interface ChosenCursor {
  readonly cursor: CursorCandidate;
  readonly how: 'configured' | 'detected';
}

export function chooseCursor(table: string, candidates: readonly CursorCandidate[], configured: string | null): ChosenCursor {
  if (configured !== null) {
    const cursor = candidates.find((c) => c.column === configured);
    if (cursor) return { cursor, how: 'configured' };
    throw new DbfError(
      'DBF_NO_CURSOR',
      `${table}: the cursor column "${configured}" is not a DATETIME, TIMESTAMP or DATE column or an auto-increment key of the table` +
        (candidates.length > 0 ? ` (it could follow: ${candidates.map((c) => c.column).join(', ')})` : ''),
    );
  }
  const onUpdate = candidates.filter((c) => c.kind === 'temporal' && c.setOnUpdate);
  const named = candidates.filter((c) => c.kind === 'temporal' && UPDATED_NAMES.test(c.column));
  const pick = onUpdate.find((c) => c.indexed) ?? onUpdate[0] ?? named.find((c) => c.indexed) ?? named[0] ?? candidates.find((c) => c.kind === 'integer' && c.isPrimaryKey && c.autoIncrement);
  if (pick) return { cursor: pick, how: 'detected' };
  throw new DbfError('DBF_NO_CURSOR', `${table}: no column to follow (no updated_at-like DATETIME/TIMESTAMP column, no auto-increment key): name one with --cursor ${table}:COLUMN, or copy it in full mode`);
}
