import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobTableView, JobView } from '../jobs/job-view.js';
import { TableProgress, tableLine } from './table-progress.js';

const table = (over: Partial<JobTableView>): JobTableView => ({
  source_table: 't', target_table: 't', mode: 'full', status: 'running', total_rows: 1000, processed_rows: 250, processed_bytes: 2048,
  started_at: new Date(0).toISOString(), finished_at: null, verified: null, error: null, ...over,
} as JobTableView);

test('a running table shows its bar, rows, bytes, rate and ETA', () => {
  const line = tableLine(table({}), 5, 1000);
  assert.equal(line, 't     [######..................] 250/1,000 rows  2.0 KiB  250 rows/s  ETA 3.0 s');
});

test('finished tables say done and verified, failed ones their error', () => {
  assert.match(tableLine(table({ status: 'completed', processed_rows: 1000, verified: true, finished_at: new Date(2000).toISOString() }), 1, 0), /\[#{24}\] 1,000 rows  2\.0 KiB  done, verified$/);
  assert.match(tableLine(table({ status: 'failed', error: { code: 'DBF_COPY_FAILED', message: 'boom' } }), 1, 0), /failed: boom$/);
});

test('on a TTY the bars are redrawn in place; elsewhere a line per table state', () => {
  const view = { status: 'running', processed_rows: 250, completed_tables: 0, total_tables: 2, rows_per_second: 250, tables: [table({ target_table: 'a' }), table({ target_table: 'b', status: 'pending', processed_rows: 0 })] } as unknown as JobView;
  let tty = '';
  const bars = new TableProgress({ isTTY: true, write: (text: string) => (tty += text) });
  bars.update(view, 1000);
  bars.update(view, 1000);
  assert.equal(tty.split('\n').length - 1, 6, 'two tables and a summary line, drawn twice');
  assert.ok(tty.includes('\x1b[3A'), 'the second drawing moves the cursor back up over the first');
  let log = '';
  const lines = new TableProgress({ write: (text: string) => (log += text) });
  lines.update(view, 1000);
  lines.update(view, 1000);
  assert.equal(log.split('\n').length - 1, 1, 'one line for the running table, none for the waiting one, none repeated');
});
