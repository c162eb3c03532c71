import { redactedUrl } from '../domain/connection-url.js';
import type { ConnectionSpec } from '../domain/connection-url.js';
import { DbfError } from '../domain/errors.js';
import type { DifferingRange } from '../engines/copy-ports.js';
import { withCopyEnds } from './copy-ends.js';

export interface TableVerdict {
  readonly table: string;
  readonly equal: boolean;
  readonly source_rows: number;
  /** null when the target has no such table. */
  readonly target_rows: number | null;
  readonly differing_ranges: readonly DifferingRange[];
}

export interface VerifyReport {
  readonly source: string;
  readonly target: string;
  readonly tables: readonly TableVerdict[];
  readonly differing: number;
}

/**
 * `dbferry verify`: row counts and checksums of every table on both sides, the source's inside one
 * consistent read per table; where they differ, the engine names the key ranges that differ.
 * Read-only on both sides.
 */
export function verifyDatabases(input: { source: ConnectionSpec; target: ConnectionSpec; tables: readonly string[] | null; timeoutMs: number }): Promise<VerifyReport> {
  return withCopyEnds(input, async ({ engine, source, target }) => {
    if (!(await target.databaseExists())) throw new DbfError('DBF_CONN_UNKNOWN_DATABASE', `the target ${redactedUrl(input.target)} does not exist`);
    const names = input.tables ?? (await source.listTables());
    const verdicts: TableVerdict[] = [];
    for (const name of names) {
      const table = await source.table(name);
      await source.beginRead();
      const expected = await source.checksum(table);
      await source.endRead();
      if (!(await target.tableExists(name))) {
        verdicts.push({ table: name, equal: false, source_rows: expected.rows, target_rows: null, differing_ranges: [] });
        continue;
      }
      const actual = await target.checksum(table, name);
      const equal = expected.rows === actual.rows && expected.checksum === actual.checksum;
      const ranges = equal ? [] : await engine.differingRanges(source, target, table, name);
      verdicts.push({ table: name, equal, source_rows: expected.rows, target_rows: actual.rows, differing_ranges: ranges });
    }
    return { source: redactedUrl(input.source), target: redactedUrl(input.target), tables: verdicts, differing: verdicts.filter((v) => !v.equal).length };
  });
}
