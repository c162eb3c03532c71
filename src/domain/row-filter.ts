import { DbfError } from './errors.js';

/**
 * A per-table `where_clause` may only filter rows. This check runs before anything is saved: outside
 * quoted strings and identifiers it refuses statement separators, comments (the usual ways to smuggle
 * a second statement or cut off the rest of ours), and words that write, lock, read files, wait or
 * stall the server (named locks, replication waits and sequences included: each is a side effect
 * a SELECT can have). It errs on the side of refusing; a refused but harmless filter can be rewritten,
 * a destructive one cannot be undone. What this text check cannot see is done by the engine against
 * the source: the filter is planned (EXPLAIN), and on MySQL a call of one of the source's stored
 * functions, which may write, is refused (`mysql-filter-check.ts`).
 */
const FORBIDDEN_WORDS = [
  'insert', 'update', 'delete', 'drop', 'alter', 'create', 'truncate', 'replace', 'rename', 'grant', 'revoke',
  'call', 'load', 'handler', 'set', 'into', 'outfile', 'dumpfile', 'lock', 'unlock', 'commit', 'rollback',
  'sleep', 'benchmark', 'pg_sleep', 'pg_terminate_backend', 'pg_cancel_backend', 'load_file', 'attach', 'detach',
  'pragma', 'copy', 'execute', 'prepare', 'do', 'kill', 'shutdown', 'union', 'intersect', 'except',
  // Named and advisory locks, replication waits, sequences and server-side files: side effects of a read.
  'get_lock', 'release_lock', 'release_all_locks', 'master_pos_wait', 'source_pos_wait', 'master_gtid_wait',
  'wait_for_executed_gtid_set', 'wait_until_sql_thread_after_gtids', 'nextval', 'setval',
  'pg_advisory_lock', 'pg_advisory_xact_lock', 'pg_advisory_lock_shared', 'pg_advisory_xact_lock_shared',
  'pg_try_advisory_lock', 'pg_try_advisory_xact_lock', 'pg_read_file', 'pg_read_binary_file', 'pg_ls_dir',
  'lo_import', 'lo_export', 'dblink', 'dblink_exec',
  // SQLite functions that load code or touch files when a build or a shell enables them.
  'load_extension', 'readfile', 'writefile', 'fts3_tokenizer',
];
const FORBIDDEN = new RegExp(`\\b(${FORBIDDEN_WORDS.join('|')})\\b`, 'i');
const MAX_LENGTH = 4000;

/**
 * Removes quoted strings and identifiers, failing on an unterminated quote. `backslashEscapes`: MySQL
 * (by default) reads `\` as an escape inside '…' and "…"; PostgreSQL and SQLite do not. A filter must
 * be harmless read either way, so `checkRowFilter` checks every reading (SQLite's `[…]` included).
 */
interface Reading {
  readonly backslashEscapes: boolean;
  /** SQLite also reads `[name]` as a quoted identifier. */
  readonly brackets: boolean;
}
const READINGS: readonly Reading[] = [
  { backslashEscapes: true, brackets: false },
  { backslashEscapes: false, brackets: false },
  { backslashEscapes: false, brackets: true },
];

function stripQuoted(text: string, { backslashEscapes, brackets }: Reading): string {
  let out = '';
  let quote: string | null = null;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i] ?? '';
    if (quote === null) {
      if (ch === "'" || ch === '"' || ch === '`' || (brackets && ch === '[')) {
        quote = ch === '[' ? ']' : ch;
        out += ' ';
      } else out += ch;
    } else if (backslashEscapes && ch === '\\' && quote !== '`') {
      i += 1;
    } else if (ch === quote) {
      if (text[i + 1] === quote) i += 1;
      else quote = null;
    }
  }
  if (quote !== null) throw new DbfError('DBF_INVALID_FILTER', `the filter has an unterminated ${quote} quote`);
  return out;
}

export function checkRowFilter(filter: string): string {
  const text = filter.trim();
  if (text === '') throw new DbfError('DBF_INVALID_FILTER', 'the filter is empty: leave where_clause out instead');
  if (text.length > MAX_LENGTH) throw new DbfError('DBF_INVALID_FILTER', `the filter is longer than ${MAX_LENGTH} characters`);
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(text)) throw new DbfError('DBF_INVALID_FILTER', 'the filter contains control characters');
  for (const reading of READINGS) checkBare(stripQuoted(text, reading));
  return text;
}

function checkBare(bare: string): void {
  if (bare.includes(';')) throw new DbfError('DBF_INVALID_FILTER', 'the filter contains ";": it must be one row condition, not statements');
  if (/--|\/\*|\*\/|#/.test(bare)) throw new DbfError('DBF_INVALID_FILTER', 'the filter contains a comment marker (--, /*, */ or #)');
  if (/\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.test(bare)) throw new DbfError('DBF_INVALID_FILTER', 'the filter contains a PostgreSQL dollar quote ($$ or $tag$): use \'…\' strings');
  const word = FORBIDDEN.exec(bare)?.[1];
  if (word) throw new DbfError('DBF_INVALID_FILTER', `the filter uses "${word}": a filter can only select rows`);
  // MariaDB's NEXT VALUE FOR seq advances a sequence; its parts are common words, so only the phrase is refused.
  if (/\bnext\s+value\s+for\b/i.test(bare)) throw new DbfError('DBF_INVALID_FILTER', 'the filter uses "NEXT VALUE FOR", which advances a sequence: a filter can only select rows');
  let depth = 0;
  for (const ch of bare) {
    depth += ch === '(' ? 1 : ch === ')' ? -1 : 0;
    if (depth < 0) break;
  }
  if (depth !== 0) throw new DbfError('DBF_INVALID_FILTER', 'the filter has unbalanced parentheses');
}
